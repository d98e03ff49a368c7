package mailbox

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A closed gate ends the pass: the message before which it closed and
// every later one stay in the mailbox, the cursor stays below them, Once
// reports the pass incomplete, and the next pass takes them in order.
func TestOnceGateClosedLeavesTheRest(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 5, 0)
	cur := newMemCursor()
	rec := newRecorder()
	var calls atomic.Int32
	var closed atomic.Bool
	closed.Store(true)
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.Gate = func(context.Context) error {
		if calls.Add(1) == 3 && closed.Load() {
			return errors.New("paused")
		}
		return nil
	}
	w := NewWatcher(cfg, cur, rec.handle)
	if err := w.Once(context.Background()); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Once with the gate closed: %v, want ErrIncomplete", err)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{3, 4, 5}) {
		t.Errorf("INBOX holds %v, want [3 4 5]", in.nums)
	}
	if last, _ := cur.LastUID("INBOX", rec.handled()[0].UIDValidity); last != 2 {
		t.Errorf("cursor = %d, want 2", last)
	}
	closed.Store(false)
	if err := w.Once(context.Background()); err != nil {
		t.Fatalf("Once with the gate open: %v", err)
	}
	var uids []uint32
	for _, m := range rec.handled() {
		uids = append(uids, m.UID)
	}
	if !slices.Equal(uids, []uint32{1, 2, 3, 4, 5}) {
		t.Errorf("handled %v, want each once in order", uids)
	}
}

// Under Run, a gate that waits out a pause holds new messages while it
// waits; when it lets go, the pass starts again at once and the message
// that failed is taken again, without waiting for the poll interval.
func TestRunGateWaitsThenStartsAgain(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 4, 0)
	var mu sync.Mutex
	paused := false
	release := make(chan struct{})
	rec := newRecorder()
	rec.fail = func(m Fetched, attempt int) error {
		if m.UID == 2 && attempt == 1 {
			mu.Lock()
			paused = true
			mu.Unlock()
			return errors.New("disk full")
		}
		return nil
	}
	var waited atomic.Int32
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.PollInterval = time.Hour // a retry must not come from polling
	cfg.Workers = 1
	cfg.Gate = func(ctx context.Context) error {
		mu.Lock()
		p := paused
		mu.Unlock()
		if !p {
			return nil
		}
		waited.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		paused = false
		mu.Unlock()
		return errors.New("resumed")
	}
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	runWatcher(t, w)
	deadline := time.Now().Add(10 * time.Second)
	for waited.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if waited.Load() == 0 {
		t.Fatal("the gate was never asked to wait")
	}
	time.Sleep(100 * time.Millisecond)
	held := len(rec.handled())
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Contains(in.nums, 2) {
		t.Errorf("the failed message left INBOX while paused: %v", in.nums)
	}
	close(release)
	rec.waitFor(t, 4, 10*time.Second)
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && len(readMailbox(t, ts.addr, "INBOX").nums) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); len(in.nums) != 0 {
		t.Errorf("INBOX holds %v after the pause", in.nums)
	}
	if held > 2 {
		t.Errorf("%d messages handled while the gate held intake, want at most 2", held)
	}
	seen := map[uint32]int{}
	for _, m := range rec.handled() {
		seen[m.UID]++
	}
	for uid := uint32(1); uid <= 4; uid++ {
		if seen[uid] != 1 {
			t.Errorf("UID %d handled %d times", uid, seen[uid])
		}
	}
}
