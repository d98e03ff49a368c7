package mailbox

import (
	"context"
	"testing"
	"time"
)

// A cursor that ran ahead of the mailbox (a UID race, a missed
// notification, a restored database) would strand the messages below it;
// the reconcile pass searches the whole mailbox and picks them up.
func TestReconcilePicksUpMessagesBelowTheCursor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		reconcile time.Duration
		want      int
	}{
		{"reconcile on", time.Hour, 3},
		{"reconcile off", -1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := startTestServer(t, capsFull)
			appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
			cfg := testConfig(ts.addr, testLogger(t))
			cfg.ReconcileEvery = c.reconcile
			var polls int
			cfg.OnPoll = func(took time.Duration) {
				if took < 0 || took > time.Minute {
					t.Errorf("poll took %v", took)
				}
				polls++
			}
			rep, err := Inspect(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			cur := newMemCursor()
			cur.SetLastUID("INBOX", rep.UIDValidity, 10) // ahead of every message
			rec := newRecorder()
			w := NewWatcher(cfg, cur, rec.handle)
			if err := w.Once(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := len(rec.handled()); got != c.want {
				t.Errorf("handled %d, want %d", got, c.want)
			}
			if polls == 0 {
				t.Error("OnPoll was never called")
			}
		})
	}
}
