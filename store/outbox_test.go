package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"kaohe/outbox"
)

func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	m := record(t, s, "<o@x>", 1, 1, campaign)
	if err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed, Outbox: []OutgoingMail{reply(m, ".a"), reply(m, ".b"), reply(m, ".c")}}); err != nil {
		t.Fatal(err)
	}
	notice := OutgoingMail{MessageID: "<notice.1@kaohe.test>", Kind: KindStaffNotice, To: "Staff@Office.test", Raw: []byte("x")}
	if added, err := s.EnqueueMail(ctx, notice); err != nil || !added {
		t.Fatalf("EnqueueMail = %v, %v", added, err)
	}
	if added, err := s.EnqueueMail(ctx, notice); err != nil || added {
		t.Fatalf("second EnqueueMail = %v, %v; want a no-op", added, err)
	}
	now := clk.Now()
	due, err := s.DueOutbox(ctx, now, 10)
	if err != nil || len(due) != 4 {
		t.Fatalf("DueOutbox = %d items, %v; want 4", len(due), err)
	}
	if due[3].MessageID != notice.MessageID || due[3].RelatedMessage != 0 || due[0].RelatedMessage != m.ID {
		t.Fatalf("due order or relation wrong: %+v", due)
	}
	a, b, c := due[0], due[1], due[2]
	for _, it := range []outbox.Item{a, b, c} {
		if claimed, err := s.ClaimOutbox(ctx, it.ID, now.Add(time.Minute)); err != nil || !claimed {
			t.Fatalf("claim %d: %v, %v", it.ID, claimed, err)
		}
	}
	if err := s.MarkSent(ctx, a.ID, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, a.ID, now.Add(time.Minute)); err != nil { // repeated: no-op
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, b.ID, now.Add(10*time.Minute), "451 try later"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, c.ID, "554 DT:SPM"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, c.ID, now, "late 4xx"); err != nil { // failed stays failed
		t.Fatal(err)
	}
	for _, it := range []outbox.Item{a, c} {
		if claimed, err := s.ClaimOutbox(ctx, it.ID, now); err != nil || claimed {
			t.Errorf("claim of a %s item: %v, %v; want not claimed", map[int64]string{a.ID: "sent", c.ID: "failed"}[it.ID], claimed, err)
		}
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"now", now, []string{notice.MessageID}},
		{"after the retry time, earliest due first", now.Add(10 * time.Minute), []string{notice.MessageID, b.MessageID}},
	} {
		due, err := s.DueOutbox(ctx, tc.at, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range due {
			ids = append(ids, d.MessageID)
		}
		if len(ids) != len(tc.want) || ids[0] != tc.want[0] || ids[len(ids)-1] != tc.want[len(ids)-1] {
			t.Errorf("%s: due %v; want %v", tc.name, ids, tc.want)
		}
	}
	failed, err := s.OutboxByState(ctx, StateFailed, 0)
	if err != nil || len(failed) != 1 || failed[0].ID != c.ID || failed[0].LastError != "554 DT:SPM" || failed[0].Attempts != 1 {
		t.Fatalf("failed = %+v, %v", failed, err)
	}
	sent, _ := s.OutboxByState(ctx, StateSent, 0)
	if len(sent) != 1 || !sent[0].SentAt.Equal(now.Add(time.Second)) || sent[0].Attempts != 1 {
		t.Fatalf("sent = %+v", sent)
	}
	retry, _ := s.DueOutbox(ctx, now.Add(time.Hour), 10)
	if len(retry) != 2 || retry[1].ID != b.ID || retry[1].Attempts != 1 || retry[1].LastError != "451 try later" {
		t.Fatalf("retry item = %+v", retry)
	}
	depth, err := s.OutboxDepth(ctx)
	if err != nil || depth[StatePending] != 2 || depth[StateSent] != 1 || depth[StateFailed] != 1 {
		t.Fatalf("OutboxDepth = %v, %v", depth, err)
	}
	for _, op := range []func() error{
		func() error { return s.MarkSent(ctx, 999, now) },
		func() error { return s.MarkRetry(ctx, 999, now, "x") },
		func() error { return s.MarkFailed(ctx, 999, "x") },
	} {
		if err := op(); !errors.Is(err, ErrNotFound) {
			t.Errorf("mark of a missing item: %v; want ErrNotFound", err)
		}
	}
}

func TestSentCountSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	t0 := clk.Now()
	for i, to := range []string{"a@x.test", "A@X.test", "a@x.test", "b@x.test"} {
		m := OutgoingMail{MessageID: string(rune('a'+i)) + "@id", Kind: KindReply, To: to, Raw: []byte("x")}
		if _, err := s.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	due, _ := s.DueOutbox(ctx, t0, 10)
	for i, d := range due[:3] {
		if i == 2 {
			continue // the third to a@x stays pending: not counted
		}
		if err := s.MarkSent(ctx, d.ID, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkSent(ctx, due[3].ID, t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		to    string
		since time.Time
		want  int
	}{
		{"all to a, any case", "a@X.TEST", t0, 2},
		{"last hour only", "a@x.test", t0.Add(30 * time.Minute), 1},
		{"other recipient", "b@x.test", t0, 1},
		{"nobody", "c@x.test", t0, 0},
	} {
		if n, err := s.SentCountSince(ctx, tc.to, tc.since); err != nil || n != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
}
