package mailbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// waitConnected waits until the Watcher has selected the mailbox and
// searched it once.
func waitConnected(t *testing.T, w *Watcher) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := w.Status(); st.Connected && !st.LastPoll.IsZero() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("watcher not connected: %+v", w.Status())
}

// TestRunIdleWakesOnNewMail: mail appended while Run idles is handled
// within a second or two, long before IdleMax or PollInterval.
func TestRunIdleWakesOnNewMail(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	rec := newRecorder()
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.IdleMax, cfg.PollInterval = 10*time.Minute, 10*time.Minute
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	stop := runWatcher(t, w)
	waitConnected(t, w)
	// The memory server drops an EXISTS queued just before IDLE registers
	// (IdleMax covers that in production); wait until IDLE is running.
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(ts.transcript.String(), "+ idling") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	rec.waitFor(t, 1, 2*time.Second)
	t.Logf("new mail handled after %v", time.Since(start))
	appendMessages(t, ts.addr, "INBOX", 2, 3, 0)
	got := rec.waitFor(t, 3, 2*time.Second)
	if took, err := stop(); !errors.Is(err, context.Canceled) || took > 2*time.Second {
		t.Errorf("Run returned %v after %v, want context.Canceled within 2 s", err, took)
	}
	for i, m := range got {
		if subjectNum(t, m.Raw) != i+1 {
			t.Errorf("message %d has subject %d", i+1, subjectNum(t, m.Raw))
		}
	}
	if !strings.Contains(ts.transcript.String(), "IDLE") {
		t.Errorf("IDLE was not used")
	}
	if w.Status().Connected {
		t.Errorf("Status still connected after Run returned")
	}
}

// TestRunBurstWhileRunning: 200 messages arriving while Run is watching are
// all handled once, in order.
func TestRunBurstWhileRunning(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	rec := newRecorder()
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), newMemCursor(), rec.handle)
	runWatcher(t, w)
	waitConnected(t, w)
	appendMessages(t, ts.addr, "INBOX", 1, 200, 200)
	got := rec.waitFor(t, 200, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	if got = rec.handled(); len(got) != 200 {
		t.Fatalf("handled %d, want exactly 200", len(got))
	}
	for i, m := range got {
		if subjectNum(t, m.Raw) != i+1 {
			t.Fatalf("message %d has subject %d", i+1, subjectNum(t, m.Raw))
		}
	}
}

// TestRunPollsWithoutIdle: with IDLE removed from the capabilities the
// Watcher polls every PollInterval.
func TestRunPollsWithoutIdle(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	px := startProxy(t, ts.addr, nil, "IDLE")
	rec := newRecorder()
	cfg := testConfig(px.addr, testLogger(t))
	cfg.PollInterval = 150 * time.Millisecond
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	runWatcher(t, w)
	waitConnected(t, w)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	rec.waitFor(t, 2, 2*time.Second)
	tr := ts.transcript.String()
	if strings.Contains(tr, " IDLE\r\n") {
		t.Errorf("IDLE sent although not advertised")
	}
	if !strings.Contains(tr, "NOOP") {
		t.Errorf("no NOOP poll in the transcript")
	}
}

// TestRunReconnectsAfterCutMidFetch: the connection is cut in the middle of
// a body literal; the Watcher reconnects and the message is still delivered,
// exactly once, and nothing is lost.
func TestRunReconnectsAfterCutMidFetch(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 3, 20000)
	px := startProxy(t, ts.addr, map[int]proxyFault{0: {marker: "Subject: msg 2", after: 5000}})
	rec := newRecorder()
	w := NewWatcher(testConfig(px.addr, testLogger(t)), newMemCursor(), rec.handle)
	runWatcher(t, w)
	got := rec.waitFor(t, 3, 5*time.Second)
	if px.faulted.Load() != 1 || px.accepted.Load() < 2 {
		t.Fatalf("fault not injected (faulted %d, connections %d)", px.faulted.Load(), px.accepted.Load())
	}
	time.Sleep(100 * time.Millisecond)
	got = rec.handled()
	var nums []int
	for _, m := range got {
		nums = append(nums, subjectNum(t, m.Raw))
		if len(m.Raw) != int(m.Size) {
			t.Errorf("message %d: %d bytes, size %d: truncated body handed over", subjectNum(t, m.Raw), len(m.Raw), m.Size)
		}
	}
	if !slices.Equal(nums, []int{1, 2, 3}) {
		t.Errorf("handled %v, want [1 2 3] exactly once each", nums)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1, 2, 3}) {
		t.Errorf("Processed holds %v", done.nums)
	}
}

// TestRunWatchdogUnsticksHalfOpenConnection: the server stops sending in
// the middle of a FETCH but keeps the socket open; the per-command watchdog
// closes it after CommandTimeout and the message is delivered after the
// reconnect.
func TestRunWatchdogUnsticksHalfOpenConnection(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 3000)
	px := startProxy(t, ts.addr, map[int]proxyFault{0: {marker: "Subject: msg 2", after: 100, stall: true}})
	rec := newRecorder()
	cfg := testConfig(px.addr, testLogger(t))
	cfg.CommandTimeout = 400 * time.Millisecond
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	runWatcher(t, w)
	start := time.Now()
	rec.waitFor(t, 2, 5*time.Second)
	if px.faulted.Load() != 1 {
		t.Fatalf("stall not injected")
	}
	if el := time.Since(start); el < cfg.CommandTimeout {
		t.Errorf("delivered after %v, before the watchdog could fire", el)
	}
	if st := w.Status(); st.LastErrorAt.IsZero() {
		t.Errorf("status shows no error: %+v", st)
	}
}

// TestRunCancelDuringStalledCommand: cancelling ctx while a command hangs
// stops Run within 2 s even with a long CommandTimeout.
func TestRunCancelDuringStalledCommand(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 3000)
	px := startProxy(t, ts.addr, map[int]proxyFault{0: {marker: "Subject: msg 1", after: 10, stall: true}})
	cfg := testConfig(px.addr, testLogger(t))
	cfg.CommandTimeout = time.Minute
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	stop := runWatcher(t, w)
	deadline := time.Now().Add(3 * time.Second)
	for px.faulted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if px.faulted.Load() == 0 {
		t.Fatal("stall not reached")
	}
	if took, err := stop(); !errors.Is(err, context.Canceled) || took > 2*time.Second {
		t.Errorf("Run returned %v after %v, want context.Canceled within 2 s", err, took)
	}
}

// TestRunAuthFailureBacksOffSlowly: a refused login is retried only every
// AuthBackoff, not in a hot loop, and shows in Status.
func TestRunAuthFailureBacksOffSlowly(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	px := startProxy(t, ts.addr, nil)
	cfg := testConfig(px.addr, testLogger(t))
	cfg.Password = "wrong"
	cfg.AuthBackoff = 400 * time.Millisecond // MinBackoff is 20 ms
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	stop := runWatcher(t, w)
	// The delays between attempts are measured, not counted in a window of
	// wall-clock time, which a loaded machine stretches.
	deadline := time.Now().Add(10 * time.Second)
	for len(px.arrivals()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	at := px.arrivals()
	if len(at) < 3 {
		t.Fatalf("%d login attempts in 10 s, want retries every 400 ms", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < cfg.AuthBackoff {
			t.Errorf("attempt %d came %v after the one before, want at least the auth backoff (%v)", i+1, gap, cfg.AuthBackoff)
		}
	}
	st := w.Status()
	if !strings.Contains(st.LastError, "authentication failed") || st.Connected {
		t.Errorf("status %+v, want an authentication error", st)
	}
}

// TestRunNoMoveNoUIDPlus: without MOVE and UIDPLUS nothing is moved or
// expunged; handled mail gets the done keyword and is not handed again,
// neither by the same Watcher nor after a restart.
func TestRunNoMoveNoUIDPlus(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsBare)
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	cur := newMemCursor()
	rec := newRecorder()
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec.handle)
	stop := runWatcher(t, w)
	rec.waitFor(t, 3, 3*time.Second)
	appendMessages(t, ts.addr, "INBOX", 4, 4, 0)
	rec.waitFor(t, 4, 3*time.Second)
	time.Sleep(300 * time.Millisecond) // a few more polls/idles
	stop()
	if n := len(rec.handled()); n != 4 {
		t.Errorf("handled %d, want 4 (no reprocessing)", n)
	}
	in := readMailbox(t, ts.addr, "INBOX")
	if !slices.Equal(in.nums, []int{1, 2, 3, 4}) {
		t.Errorf("INBOX holds %v, want all 4 left in place", in.nums)
	}
	for i, fl := range in.flags {
		if !hasFlag(fl, imap.Flag(DefaultDoneKeyword)) || hasFlag(fl, imap.FlagDeleted) {
			t.Errorf("message %d flags %v: want %s and no \\Deleted", i+1, fl, DefaultDoneKeyword)
		}
	}
	tr := ts.transcript.String()
	for _, bad := range []string{"EXPUNGE", "MOVE", " COPY ", "CLOSE"} {
		if strings.Contains(tr, bad) {
			t.Errorf("transcript contains %q: must not expunge without UIDPLUS", bad)
		}
	}
	// Restart with the same cursor: nothing is handed again.
	rec2 := newRecorder()
	if err := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec2.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec2.handled()); n != 0 {
		t.Errorf("after restart %d handed again, want 0", n)
	}
}

// TestRunCopyExpungeWithUIDPlusOnly: with UIDPLUS but no MOVE the message
// is copied, flagged \Deleted and removed with UID EXPUNGE of its UID only;
// a message another client flagged \Deleted is not expunged.
func TestRunCopyExpungeWithUIDPlusOnly(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}})
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	// Another client marks message 1 \Deleted without expunging it.
	c := mailClient(t, ts.addr)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()
	rec := newRecorder()
	rec.fail = func(m Fetched, _ int) error {
		if m.UID == 1 {
			return errors.New("keep it")
		}
		return nil
	}
	err := NewWatcher(testConfig(ts.addr, testLogger(t)), newMemCursor(), rec.handle).Once(context.Background())
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Once: %v, want ErrIncomplete", err)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{1}) {
		t.Errorf("INBOX holds %v, want [1]: only UID 2 may be expunged", in.nums)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{2}) {
		t.Errorf("Processed holds %v, want [2]", done.nums)
	}
	tr := ts.transcript.String()
	if !strings.Contains(tr, "UID EXPUNGE 2") || strings.Contains(tr, "MOVE ") {
		t.Errorf("want UID EXPUNGE 2 and no MOVE in the transcript")
	}
}

// TestRunMoveFailsWhenDoneDeleted: the Done mailbox vanishes after login
// (a human deleted it); MOVE fails, the message stays in INBOX, is not
// handed again, and is moved once the folder is back.
func TestRunMoveFailsWhenDoneDeleted(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	if err := ts.user.Create("Processed", nil); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	cfg := testConfig(ts.addr, testLogger(t))
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	runWatcher(t, w)
	waitConnected(t, w)
	if err := ts.user.Delete("Processed"); err != nil {
		t.Fatal(err)
	}
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	rec.waitFor(t, 1, 2*time.Second)
	time.Sleep(2 * cfg.PollInterval)
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{1}) {
		t.Errorf("INBOX holds %v, want [1] while Processed is missing", in.nums)
	}
	if err := ts.user.Create("Processed", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && len(readMailbox(t, ts.addr, "Processed").nums) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1}) {
		t.Errorf("Processed holds %v after it came back, want [1]", done.nums)
	}
	if n := len(rec.handled()); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}

// TestRunRetriesFailedHandler: while idling, a message whose Handler failed
// is offered again after PollInterval, not only at the next new mail.
func TestRunRetriesFailedHandler(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	rec := newRecorder()
	rec.fail = func(_ Fetched, attempt int) error {
		if attempt < 3 {
			return errors.New("store busy")
		}
		return nil
	}
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.IdleMax, cfg.PollInterval = 10*time.Minute, 100*time.Millisecond
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	runWatcher(t, w)
	rec.waitFor(t, 1, 3*time.Second)
	rec.mu.Lock()
	attempts := rec.seen[1]
	rec.mu.Unlock()
	if attempts != 3 {
		t.Errorf("%d attempts, want 3", attempts)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1}) {
		t.Errorf("Processed holds %v, want [1]", done.nums)
	}
}

// TestRunReissuesIdle: IDLE is ended and re-issued every IdleMax even when
// nothing happens (RFC 2177 asks for < 29 min; we use ≤ 10).
func TestRunReissuesIdle(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.IdleMax, cfg.PollInterval = 100*time.Millisecond, time.Minute
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	runWatcher(t, w)
	deadline := time.Now().Add(3 * time.Second)
	for strings.Count(ts.transcript.String(), " IDLE\r\n") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	tr := ts.transcript.String()
	if n := strings.Count(tr, " IDLE\r\n"); n < 3 {
		t.Errorf("IDLE issued %d times, want ≥ 3 at a 100 ms IdleMax", n)
	}
	if strings.Count(tr, "DONE\r\n") < 2 {
		t.Errorf("IDLE was not ended with DONE between cycles")
	}
}
