package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestCampaignCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	t0 := clk.Now()
	for i, to := range []string{"a@x.test", "A@x.test", "b@x.test"} {
		if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: fmt.Sprintf("<%d@id>", i), Kind: KindReply, To: to, Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
	}
	due, _ := s.DueOutbox(ctx, clk.Now(), 10)
	if err := s.MarkSent(ctx, due[0].ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, due[2].ID, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fn   func() (int, error)
		want int
	}{
		{"queued to a, any state, any case", func() (int, error) { return s.QueuedCountSince(ctx, "a@X.TEST", t0) }, 2},
		{"queued to a in the last hours", func() (int, error) { return s.QueuedCountSince(ctx, "a@x.test", t0.Add(30*time.Minute)) }, 1},
		{"sent to anyone", func() (int, error) { return s.SentAllSince(ctx, t0) }, 2},
		{"sent to anyone lately", func() (int, error) { return s.SentAllSince(ctx, t0.Add(time.Hour)) }, 1},
	} {
		if n, err := tc.fn(); err != nil || n != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	for _, r := range []struct {
		agency string
		day    int
	}{{"朝阳区", 3}, {"朝阳区", 1}, {"海淀区", 3}} {
		if _, err := s.MarkReminderSent(ctx, r.agency, r.day, t0); err != nil {
			t.Fatal(err)
		}
	}
	sent, err := s.RemindersSent(ctx)
	if err != nil || len(sent) != 3 || !sent[ReminderKey("朝阳区", 1)] || sent[ReminderKey("海淀区", 1)] {
		t.Fatalf("RemindersSent = %v, %v", sent, err)
	}
}
