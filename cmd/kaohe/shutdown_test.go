package main

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/config"
	"kaohe/demo"
	"kaohe/store"
	"kaohe/validate"
)

// envConfig is the serve configuration of env alone, without the process
// environment: tests that use it may run in parallel.
func envConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.LoadFor("", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testDaemon is newDaemon for a test: closed when the test ends, and the
// test fails if a panic was recovered (monitor.Metrics promises tests
// that none was).
func testDaemon(t *testing.T, cfg config.Config, log zerolog.Logger, opts daemonOptions) *daemon {
	t.Helper()
	d, err := newDaemon(cfg, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := d.metrics.Panics(); n != 0 {
			t.Errorf("%d panics recovered", n)
		}
		d.Close()
	})
	return d
}

// heldReader reads in this process once released, or gives up when its
// ctx ends, as the sandbox's reader does.
type heldReader struct {
	entered chan struct{}
	release chan struct{}
}

func newHeldReader() *heldReader {
	return &heldReader{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (h *heldReader) read(ctx context.Context, data []byte, o validate.Options) (*validate.Submission, []validate.Finding, error) {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	select {
	case <-h.release:
		return assess.InProcess(ctx, data, o)
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// shutdownDaemon runs a daemon whose reader holds the one message in the
// mailbox; it returns once that message is in hand.
func shutdownDaemon(t *testing.T, grace time.Duration) (d *daemon, r *heldReader, sigs chan os.Signal, first context.CancelFunc, done chan error) {
	t.Helper()
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	env["KAOHE_HTTP_LISTEN"] = freePort(t) // tests in parallel cannot share the default
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, sigs = newHeldReader(), make(chan os.Signal, 2)
	d = testDaemon(t, envConfig(t, env), zerolog.Nop(), daemonOptions{InProcess: true, Reader: r.read,
		Signals: sigs, Grace: grace, Tick: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done = make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	select {
	case <-r.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the message never reached the reader")
	}
	return d, r, sigs, cancel, done
}

// sendSignal delivers sig as the process would: to sigs, and the first one
// ends run's ctx too (signal.NotifyContext in main).
func sendSignal(sigs chan os.Signal, sig os.Signal, first context.CancelFunc) {
	sigs <- sig
	first()
}

func outcomes(t *testing.T, st *store.Store) []store.Outcome {
	t.Helper()
	msgs, err := st.Messages(context.Background(), store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Outcome
	for _, m := range msgs {
		out = append(out, m.Outcome)
	}
	return out
}

// The first signal stops intake but lets the message in hand finish: its
// result and receipt are committed before run returns.
func TestFirstSignalLetsTheMessageInHandFinish(t *testing.T) {
	t.Parallel()
	d, r, sigs, first, done := shutdownDaemon(t, time.Minute)
	sendSignal(sigs, syscall.SIGTERM, first)
	select {
	case err := <-done:
		t.Fatalf("run returned (%v) with a message in hand", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(r.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return once the message was done")
	}
	if got := outcomes(t, d.store); len(got) != 1 || got[0] != store.OutcomeProcessed {
		t.Errorf("outcomes %v, want the one message processed", got)
	}
	queued, err := d.store.OutboxByState(context.Background(), store.StatePending, 10)
	if err != nil {
		t.Fatal(err)
	}
	receipt := false
	for _, it := range queued {
		receipt = receipt || it.To == "chaoyang@example.org"
	}
	if !receipt {
		t.Errorf("no receipt queued for the finished message: %+v", queued)
	}
	if n := d.metrics.Panics(); n != 0 {
		t.Errorf("%d panics", n)
	}
}

// A second signal cancels the message in hand at once: run returns, and
// nothing of the message is committed but its record (it stays in the
// mailbox, answered on the next start).
func TestSecondSignalCancelsTheMessageInHand(t *testing.T) {
	t.Parallel()
	d, _, sigs, first, done := shutdownDaemon(t, time.Minute)
	sendSignal(sigs, syscall.SIGINT, first)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	sigs <- syscall.SIGINT
	select {
	case <-done:
	case <-time.After(stopWait):
		t.Fatal("run did not return after the second signal")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("run returned %v after the second signal", took)
	}
	for _, o := range outcomes(t, d.store) {
		if o != store.OutcomeReceived {
			t.Errorf("outcome %s committed for a cancelled message", o)
		}
	}
	if n := countMailbox(t, mailAddr(d), demo.Office, "INBOX"); n != 1 {
		t.Errorf("INBOX holds %d, want the cancelled message", n)
	}
}

// Without a second signal the grace period ends the message in hand.
func TestGracePeriodCancelsTheMessageInHand(t *testing.T) {
	t.Parallel()
	d, _, sigs, first, done := shutdownDaemon(t, 200*time.Millisecond)
	sendSignal(sigs, syscall.SIGTERM, first)
	select {
	case <-done:
	case <-time.After(stopWait):
		t.Fatal("run did not return after the grace period")
	}
	for _, o := range outcomes(t, d.store) {
		if o != store.OutcomeReceived {
			t.Errorf("outcome %s committed for a cancelled message", o)
		}
	}
}

func mailAddr(d *daemon) string { return d.cfg.IMAP.Addr }
