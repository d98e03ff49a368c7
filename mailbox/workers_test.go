package mailbox

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// With several workers, messages are handled concurrently, each once, and
// the cursor never passes one that failed.
func TestOnceWorkersHandleConcurrentlyInOrderOfMarking(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 40, 0)
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.Workers = 4
	var inFlight, most atomic.Int32
	rec := newRecorder()
	rec.fail = func(m Fetched, attempt int) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			old := most.Load()
			if n <= old || most.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // long enough for the others to start
		if m.UID == 23 && attempt == 1 {
			return errors.New("transient failure")
		}
		return nil
	}
	cur := newMemCursor()
	w := NewWatcher(cfg, cur, rec.handle)
	err := w.Once(context.Background())
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Once = %v, want ErrIncomplete for the failed message", err)
	}
	if most.Load() < 2 {
		t.Errorf("at most %d handlers ran at once, want several", most.Load())
	}
	if got := len(rec.handled()); got != 39 {
		t.Errorf("handled %d, want 39 (all but the failed one)", got)
	}
	st := readMailbox(t, ts.addr, "INBOX")
	if len(st.uids) != 1 {
		t.Errorf("INBOX keeps %d messages, want only the failed one", len(st.uids))
	}
	rep, err := Inspect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	uv := rep.UIDValidity
	if last, _ := cur.LastUID("INBOX", uv); last != 22 {
		t.Errorf("cursor at %d, want 22 (held before the failed UID 23)", last)
	}
	// The next pass takes the failed one; nothing else is handed twice.
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	for uid, n := range rec.seen {
		if (uid == 23 && n != 2) || (uid != 23 && n != 1) {
			t.Errorf("UID %d handed %d times", uid, n)
		}
	}
	// 24…40 were moved out of the INBOX, so the cursor stops at 23.
	if last, _ := cur.LastUID("INBOX", uv); last != 23 {
		t.Errorf("cursor at %d after the retry, want 23", last)
	}
	if done := readMailbox(t, ts.addr, "Processed"); len(done.uids) != 40 {
		t.Errorf("Processed holds %d, want 40", len(done.uids))
	}
}
