package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"kaohe/internal/cst"
)

func TestRecordMessageDedup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	recv := time.Date(2021, 12, 30, 9, 0, 0, 0, cst.Location())
	first := record(t, s, "<one@agency>", 1, 100, recv)
	if !first.ReceivedAt.Equal(recv) || first.ReceivedAt.Location() != time.UTC {
		t.Fatalf("ReceivedAt = %v; want %v in UTC", first.ReceivedAt, recv)
	}
	if first.Outcome != OutcomeReceived || first.ID == 0 {
		t.Fatalf("recorded = %+v", first)
	}
	raw := rawMail("<one@agency>", 1)
	other := rawMail("<one@agency>", 2)
	noID := rawMail("", 3)
	for _, tc := range []struct {
		name    string
		m       Message
		wantDup bool
	}{
		{"same mail under another UID", Message{MessageID: "<one@agency>", Hash: hashOf(raw), Mailbox: "INBOX", UIDValidity: 7, UID: 101}, true},
		{"same mail after UIDVALIDITY change", Message{MessageID: "<one@agency>", Hash: hashOf(raw), Mailbox: "INBOX", UIDValidity: 8, UID: 1}, true},
		{"same Message-ID, other content", Message{MessageID: "<one@agency>", Hash: hashOf(other), UIDValidity: 7, UID: 102}, false},
		{"no Message-ID", Message{Hash: hashOf(noID), UIDValidity: 7, UID: 103}, false},
		{"no Message-ID again", Message{Hash: hashOf(noID), UIDValidity: 9, UID: 5}, true},
	} {
		got, dup, err := s.RecordMessage(ctx, tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if dup != tc.wantDup {
			t.Errorf("%s: dup = %v; want %v", tc.name, dup, tc.wantDup)
		}
		if tc.name == "same mail after UIDVALIDITY change" && (got.ID != first.ID || got.UID != 100 || got.UIDValidity != 7) {
			t.Errorf("%s: returned %+v; want the first row unchanged", tc.name, got)
		}
	}
	if n := count(t, s, "messages"); n != 3 {
		t.Fatalf("messages rows = %d; want 3", n)
	}
	if _, _, err := s.RecordMessage(ctx, Message{MessageID: "<x>"}); err == nil {
		t.Fatal("RecordMessage without hash succeeded")
	}
}

func TestAttemptsAndQuarantine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	m := record(t, s, "<bad@agency>", 1, 1, time.Now())
	for want := 1; want <= 3; want++ {
		n, err := s.NoteAttempt(ctx, m.ID, errors.New("excelize: zip: not a valid zip file"))
		if err != nil || n != want {
			t.Fatalf("NoteAttempt = %d, %v; want %d", n, err, want)
		}
	}
	if err := s.Quarantine(ctx, m.ID, "3 failures: zip"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != OutcomeQuarantined || got.Attempts != 3 || got.LastError != "3 failures: zip" {
		t.Fatalf("after quarantine: %+v", got)
	}
	q, err := s.Messages(ctx, MessageFilter{Outcome: OutcomeQuarantined})
	if err != nil || len(q) != 1 || q[0].ID != m.ID {
		t.Fatalf("Messages(quarantined) = %v, %v", q, err)
	}
	if _, err := s.NoteAttempt(ctx, 9999, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NoteAttempt of a missing message: %v", err)
	}
	// A done message cannot be quarantined.
	m2 := record(t, s, "<ok@agency>", 2, 2, time.Now())
	if err := s.SaveResult(ctx, Result{MessageID: m2.ID, Outcome: OutcomeProcessed}); err != nil {
		t.Fatal(err)
	}
	if err := s.Quarantine(ctx, m2.ID, "x"); !errors.Is(err, ErrAlreadyDone) {
		t.Fatalf("Quarantine of a done message: %v; want ErrAlreadyDone", err)
	}
}

func TestMessagesFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	base := time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)
	a := record(t, s, "<a@x>", 1, 1, base)
	b := record(t, s, "<b@x>", 2, 2, base.Add(time.Hour))
	record(t, s, "<c@x>", 3, 3, base.Add(2*time.Hour))
	if err := s.SaveResult(ctx, Result{MessageID: a.ID, Outcome: OutcomeUnknownSender}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveResult(ctx, Result{MessageID: b.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", OnTime: true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    MessageFilter
		want []string
	}{
		{"all", MessageFilter{}, []string{"<a@x>", "<b@x>", "<c@x>"}},
		{"unknown senders", MessageFilter{Outcome: OutcomeUnknownSender}, []string{"<a@x>"}},
		{"left after a crash", MessageFilter{Outcome: OutcomeReceived}, []string{"<c@x>"}},
		{"agency", MessageFilter{Agency: "朝阳区"}, []string{"<b@x>"}},
		{"sender any case", MessageFilter{Sender: "A@Example.COM", Limit: 2}, []string{"<a@x>", "<b@x>"}},
		{"window", MessageFilter{Since: base.Add(time.Hour), Until: base.Add(2 * time.Hour)}, []string{"<b@x>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Messages(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range got {
				ids = append(ids, m.MessageID)
			}
			if len(ids) != len(tc.want) {
				t.Fatalf("got %v; want %v", ids, tc.want)
			}
			for i := range ids {
				if ids[i] != tc.want[i] {
					t.Fatalf("got %v; want %v", ids, tc.want)
				}
			}
		})
	}
	got, _ := s.Message(ctx, b.ID)
	if !got.OnTime || got.Agency != "朝阳区" || got.DoneAt.IsZero() {
		t.Fatalf("message after SaveResult: %+v", got)
	}
}
