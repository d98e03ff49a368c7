package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDueOutboxPriority: receipts and staff mail go before reminders, and
// replies to strangers last, however long those waited.
func TestDueOutboxPriority(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	for _, m := range []struct{ id, kind string }{
		{"<u1@x>", KindUnknownReply}, {"<u2@x>", KindUnknownReply}, {"<r1@x>", KindReminder},
		{"<a1@x>", KindReply}, {"<n1@x>", KindStaffNotice}, {"<f1@x>", KindForeignNotice}, {"<s1@x>", KindConsolidated},
	} {
		if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: m.id, Kind: m.kind, To: "a@x.test", Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	ids := func(limit int) string {
		due, err := s.DueOutbox(ctx, clk.Now(), limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range due {
			if len(d.Raw) != 1 {
				t.Errorf("%s: raw not read", d.MessageID)
			}
			out = append(out, d.MessageID)
		}
		return strings.Join(out, " ")
	}
	if got, want := ids(10), "<a1@x> <n1@x> <f1@x> <s1@x> <r1@x> <u1@x> <u2@x>"; got != want {
		t.Errorf("due order %s; want %s", got, want)
	}
	if got, want := ids(2), "<a1@x> <n1@x>"; got != want {
		t.Errorf("first two %s; want %s", got, want)
	}
}

// TestClaimDelaysResend: a claimed item is not due again before its claim's
// next attempt, so a crash (or a failed commit) after the server's OK
// cannot make it go out again at once.
func TestClaimDelaysResend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: "<c@x>", Kind: KindReply, To: "a@x.test", Raw: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	due, _ := s.DueOutbox(ctx, now, 10)
	if claimed, err := s.ClaimOutbox(ctx, due[0].ID, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	// The process dies here, after the server's OK and before MarkSent.
	if again, _ := s.DueOutbox(ctx, now.Add(59*time.Second), 10); len(again) != 0 {
		t.Fatalf("claimed item due again before its next attempt: %+v", again)
	}
	again, _ := s.DueOutbox(ctx, now.Add(time.Minute), 10)
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("after the claim's next attempt: %+v", again)
	}
	if claimed, err := s.ClaimOutbox(ctx, 999, now); err != nil || claimed {
		t.Errorf("claim of a missing item: %v, %v", claimed, err)
	}
}

func TestSentKindSinceAndOldestPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	t0 := clk.Now()
	if at, err := s.OldestPending(ctx); err != nil || !at.IsZero() {
		t.Fatalf("OldestPending of an empty outbox: %v, %v", at, err)
	}
	for i, kind := range []string{KindUnknownReply, KindUnknownReply, KindReply, KindUnknownReply, KindReminder} {
		if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: fmt.Sprintf("<%d@k>", i), Kind: kind, To: "a@x.test", Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
	}
	due, _ := s.DueOutbox(ctx, clk.Now(), 10)
	for _, d := range due {
		var i int
		if fmt.Sscanf(d.MessageID, "<%d@k>", &i); i > 2 {
			continue
		}
		if err := s.MarkSent(ctx, d.ID, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		kind  string
		since time.Time
		want  int
	}{
		{KindUnknownReply, t0, 2},
		{KindUnknownReply, t0.Add(30 * time.Minute), 1},
		{KindReply, t0, 1},
		{KindStaffNotice, t0, 0},
	} {
		if n, err := s.SentKindSince(ctx, tc.kind, tc.since); err != nil || n != tc.want {
			t.Errorf("SentKindSince(%s, +%v) = %d, %v; want %d", tc.kind, tc.since.Sub(t0), n, err, tc.want)
		}
	}
	// Pending: the third reply to a stranger (queued at +3 h) and the
	// reminder (+4 h); only the reminder counts.
	if at, err := s.OldestPending(ctx); err != nil || !at.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("OldestPending = %v, %v; want the reminder's queueing time", at, err)
	}
	if err := s.ProbeWrite(ctx); err != nil {
		t.Errorf("ProbeWrite: %v", err)
	}
}

// TestOutboxMailKeptApart: the mail's bytes live in outbox_raw, written
// once; the outbox row that claims and records rewrite holds none. A
// database of the first schema has its mail moved there by the migration.
func TestOutboxMailKeptApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, DBFile), false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, migrations[:1], time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO outbox (message_id, kind, to_addr, raw, next_attempt, created_at) VALUES ('<old@x>', 'reply', 'a@x.test', ?, 1, 1)`,
		[]byte("old mail")); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openTest(t, dir, nil)
	if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: "<new@x>", Kind: KindReply, To: "b@x.test", Raw: []byte("new mail")}); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueOutbox(ctx, time.Now(), 10)
	if err != nil || len(due) != 2 || string(due[0].Raw) != "old mail" || string(due[1].Raw) != "new mail" {
		t.Fatalf("due after migration: %+v, %v", due, err)
	}
	var inRows, apart int
	if err := s.r.QueryRow("SELECT COALESCE(SUM(length(raw)), 0) FROM outbox").Scan(&inRows); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRow("SELECT COUNT(*) FROM outbox_raw").Scan(&apart); err != nil {
		t.Fatal(err)
	}
	if inRows != 0 || apart != 2 {
		t.Errorf("%d bytes of mail in outbox rows, %d mails apart; want 0 and 2", inRows, apart)
	}
}

// TestMarkRetryUncounted: a refusal during a server-wide outage takes back
// the claim's attempt and sets the next try; a sent item is left alone.
func TestMarkRetryUncounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: "<u@x>", Kind: KindReply, To: "a@x.test", Raw: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	due, _ := s.DueOutbox(ctx, now, 10)
	id := due[0].ID
	for range 3 {
		if claimed, err := s.ClaimOutbox(ctx, id, now.Add(time.Hour)); err != nil || !claimed {
			t.Fatalf("claim: %v, %v", claimed, err)
		}
		if err := s.MarkRetryUncounted(ctx, id, now.Add(time.Minute), "451 try later"); err != nil {
			t.Fatal(err)
		}
	}
	again, _ := s.DueOutbox(ctx, now.Add(time.Minute), 10)
	if len(again) != 1 || again[0].Attempts != 0 {
		t.Fatalf("after three uncounted refusals: %+v, want due with 0 attempts", again)
	}
	if err := s.MarkSent(ctx, id, now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetryUncounted(ctx, id, now, "late"); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.DueOutbox(ctx, now.Add(time.Hour), 10); len(left) != 0 {
		t.Errorf("a sent item became due again: %+v", left)
	}
}
