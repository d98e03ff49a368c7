package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/internal/faultinject"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/monitor"
	"kaohe/store"
	"kaohe/validate"
)

// faultFixture is newFixture on a store whose writes fail on cue, probing
// every few milliseconds.
func faultFixture(t *testing.T, edit func(*Config)) (*fixture, *faultinject.Switch) {
	t.Helper()
	sw := &faultinject.Switch{}
	f := newFixture(t, func(c *Config) {
		c.Metrics, c.Faults, c.ProbeEvery = &monitor.Metrics{}, &monitor.Faults{}, 10*time.Millisecond
		if edit != nil {
			edit(c)
		}
	})
	hook := func() error {
		if f.alternate != nil {
			return f.alternate()
		}
		return sw.Hook()
	}
	st, err := store.Open(t.TempDir(), store.Options{Now: func() time.Time { return f.clock }, WriteFault: hook})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st, f.p = st, New(st, f.cfg)
	return f, sw
}

func (f *fixture) metric(name string) string {
	var b strings.Builder
	f.cfg.Metrics.WriteProm(&b, monitor.Gauges{})
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func components(fs *monitor.Faults) []string {
	var out []string
	for _, r := range fs.Active() {
		out = append(out, r.Component)
	}
	return out
}

// A full disk is ours, not the agency's: however often a valid message
// meets it, it is never counted nor quarantined; intake pauses, says so,
// and resumes by itself once a probe write succeeds; the message is then
// processed and answered once.
func TestSystemFaultPausesIntakeAndNeverQuarantines(t *testing.T) {
	f, sw := faultFixture(t, nil)
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "full@x", attachment: f.good}.raw()
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 4, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	full := faultinject.DiskFull()

	// Every other write fails: the big commit of a result fails where a
	// small one (an attempt's count) would pass, as on a disk filling up.
	var writes atomic.Int32
	f.alternate = func() error {
		if writes.Add(1)%2 == 0 {
			return full
		}
		return nil
	}
	for attempt := 1; attempt <= 2*f.cfg.MaxAttempts; attempt++ {
		if err := f.p.Handle(f.ctx, fetched); err == nil {
			t.Fatalf("attempt %d succeeded on a full disk", attempt)
		}
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeReceived || msgs[0].Attempts != 0 {
		t.Fatalf("after %d system faults: %+v", 2*f.cfg.MaxAttempts, msgs)
	}
	if !f.p.Paused() {
		t.Fatal("intake is not paused")
	}
	f.alternate = nil
	sw.Fail(full)
	if got := components(f.cfg.Faults); !strings.Contains(strings.Join(got, ","), monitor.ComponentIntake) || !strings.Contains(strings.Join(got, ","), monitor.ComponentStore) {
		t.Errorf("faults in force %v, want intake and store", got)
	}
	if r, _ := f.cfg.Faults.Get(monitor.ComponentIntake); !strings.Contains(r.LastError, "disk is full") {
		t.Errorf("intake's reason %q does not name the full disk", r.LastError)
	}
	if got := f.metric(`kaohe_handler_failures_total{cause="system"}`); got != "6" {
		t.Errorf("system failures counted %s, want 6", got)
	}
	if f.metric(`kaohe_handler_failures_total{cause="message"}`) != "0" || f.metric("kaohe_quarantined_total") != "0" || f.metric("kaohe_intake_paused") != "1" {
		t.Errorf("metrics: message %s, quarantined %s, paused %s", f.metric(`kaohe_handler_failures_total{cause="message"}`),
			f.metric("kaohe_quarantined_total"), f.metric("kaohe_intake_paused"))
	}

	// The gate holds while the disk stays full ...
	gate := make(chan error, 1)
	go func() { gate <- f.p.Gate(f.ctx) }()
	select {
	case err := <-gate:
		t.Fatalf("the gate let go while the disk was full: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if failed := sw.Failed(); failed < 3 {
		t.Errorf("only %d writes failed: the gate is not probing", failed)
	}
	// ... and lets go once space is back.
	sw.Heal()
	select {
	case err := <-gate:
		if err == nil {
			t.Error("the gate resumed without asking for a new pass")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the gate did not let go after the fault cleared")
	}
	if f.p.Paused() || len(f.cfg.Faults.Active()) != 0 || f.metric("kaohe_intake_paused") != "0" {
		t.Errorf("after the probe: paused %v, faults %v, gauge %s", f.p.Paused(), components(f.cfg.Faults), f.metric("kaohe_intake_paused"))
	}
	if err := f.p.Gate(f.ctx); err != nil {
		t.Errorf("gate of running intake: %v", err)
	}
	for range 2 { // offered twice, answered once
		if err := f.p.Handle(f.ctx, fetched); err != nil {
			t.Fatalf("after the fault cleared: %v", err)
		}
	}
	msgs, _ = f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeProcessed || msgs[0].Attempts != 0 {
		t.Errorf("messages %+v", msgs)
	}
	if items := f.outbox(); len(items) != 1 || items[0].Kind != store.KindReply || items[0].To != "chaoyang@example.org" {
		t.Errorf("outbox %+v", items)
	}
}

// A fault of the message's own (a reader that panics on its file) still
// counts: after MaxAttempts the message is quarantined, its sender gets a
// receipt that proves it arrived on time and says staff will look at it,
// and intake never paused.
func TestMessageFaultQuarantinesWithReceipt(t *testing.T) {
	f, _ := faultFixture(t, func(c *Config) {
		c.Reader = func(context.Context, []byte, validate.Options) (*validate.Submission, []validate.Finding, error) {
			panic("crafted workbook")
		}
	})
	raw := mailSpec{from: "张三 <chaoyang@example.org>", subject: "朝阳区考核表", msgID: "bad@x", attachment: f.good}.raw()
	f.panics = uint64(f.cfg.MaxAttempts) // the reader panics at every attempt
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 5, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	for attempt := 1; attempt <= f.cfg.MaxAttempts; attempt++ {
		err := f.p.Handle(f.ctx, fetched)
		if (attempt < f.cfg.MaxAttempts) != (err != nil) {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		if f.p.Paused() {
			t.Fatalf("a fault of the message's paused intake (attempt %d)", attempt)
		}
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeQuarantined || strings.Contains(msgs[0].LastError, "\n") {
		t.Fatalf("messages %+v", msgs)
	}
	items := f.outbox()
	if len(items) != 1 || items[0].To != "chaoyang@example.org" || items[0].Kind != store.KindReply || items[0].RelatedMessage != msgs[0].ID {
		t.Fatalf("outbox %+v", items)
	}
	p, err := mailparse.Parse(items[0].Raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"朝阳区代办处", "2021年12月20日 18:00", "按期", "人工查看"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, p.Text)
		}
	}
	if p.InReplyTo != "bad@x" {
		t.Errorf("receipt In-Reply-To %q", p.InReplyTo)
	}
	if f.metric(`kaohe_handler_failures_total{cause="message"}`) != "3" || f.metric("kaohe_quarantined_total") != "1" ||
		f.metric(`kaohe_handler_failures_total{cause="system"}`) != "0" || len(f.cfg.Faults.Active()) != 0 {
		t.Errorf("metrics: message %s quarantined %s system %s; faults %v", f.metric(`kaohe_handler_failures_total{cause="message"}`),
			f.metric("kaohe_quarantined_total"), f.metric(`kaohe_handler_failures_total{cause="system"}`), components(f.cfg.Faults))
	}
	if f.p.Handled() != 1 {
		t.Errorf("handled %d: the quarantine must count as a change for the staff notice", f.p.Handled())
	}
	// Offered again, it is released at once and answered no more.
	if err := f.p.Handle(f.ctx, fetched); err != nil || len(f.outbox()) != 1 {
		t.Errorf("offered again: %v, %d replies", err, len(f.outbox()))
	}
}

// A stranger's quarantined mail gets no receipt: it would carry an
// unauthenticated subject from the office's address to anyone.
func TestQuarantinedStrangerGetsNoReceipt(t *testing.T) {
	f, _ := faultFixture(t, func(c *Config) {
		c.ReplyUnknownSenders = true
		c.Reader = func(context.Context, []byte, validate.Options) (*validate.Submission, []validate.Finding, error) {
			panic("crafted workbook")
		}
	})
	raw := mailSpec{from: "<victim@third.example>", subject: "您的账户已冻结，请致电 400-000-0000", msgID: "scam@x", attachment: f.good}.raw()
	f.panics = uint64(f.cfg.MaxAttempts) // the reader panics at every attempt
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 6, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	for attempt := 1; attempt <= f.cfg.MaxAttempts; attempt++ {
		f.p.Handle(f.ctx, fetched)
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeQuarantined {
		t.Fatalf("messages %+v", msgs)
	}
	if items := f.outbox(); len(items) != 0 {
		t.Fatalf("a stranger's quarantined mail was answered: %+v", items)
	}
}

// A reader that cannot start pauses intake; the probe then also asks the
// reader, so intake resumes only when a workbook can be read again.
func TestReaderDownPausesUntilItReads(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	f, _ := faultFixture(t, func(c *Config) {
		c.Reader = func(ctx context.Context, data []byte, o validate.Options) (*validate.Submission, []validate.Finding, error) {
			if down.Load() {
				return nil, nil, errors.New("fork/exec: resource temporarily unavailable")
			}
			return assess.InProcess(ctx, data, o)
		}
	})
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "down2@x", attachment: f.good}.raw()
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 6, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	for range 4 {
		if err := f.p.Handle(f.ctx, fetched); err == nil {
			t.Fatal("released while no reader could run")
		}
	}
	if !f.p.Paused() {
		t.Fatal("intake is not paused")
	}
	if _, store := f.cfg.Faults.Get(monitor.ComponentStore); store {
		t.Error("the store is reported failing for the reader's fault")
	}
	gate := make(chan error, 1)
	go func() { gate <- f.p.Gate(f.ctx) }()
	select {
	case err := <-gate:
		t.Fatalf("the gate let go while the reader was down: %v", err)
	case <-time.After(150 * time.Millisecond):
	}
	down.Store(false)
	select {
	case <-gate:
	case <-time.After(5 * time.Second):
		t.Fatal("the gate did not let go after the reader came back")
	}
	if err := f.p.Handle(f.ctx, fetched); err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Attempts != 0 || msgs[0].Outcome != store.OutcomeProcessed {
		t.Errorf("messages %+v", msgs)
	}
}

// Shutting down is nobody's fault: a cancelled handler neither pauses
// intake nor counts.
func TestCancelledHandlerDoesNotPause(t *testing.T) {
	f, sw := faultFixture(t, nil)
	sw.Fail(faultinject.DiskFull())
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "bye@x", attachment: f.good}.raw()
	if err := f.p.Handle(ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 1, InternalDate: received, Raw: raw}); err == nil {
		t.Fatal("handled on a full disk")
	}
	if f.p.Paused() || f.metric(`kaohe_handler_failures_total{cause="system"}`) != "0" {
		t.Errorf("a shutdown paused intake or counted a failure")
	}
	if err := f.p.Gate(ctx); err != nil {
		t.Errorf("gate of running intake: %v", err)
	}
}
