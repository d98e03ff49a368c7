package reply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/internal/fault"
	"kaohe/monitor"
	"kaohe/outbox"
)

// sqliteErr has the shape of modernc.org/sqlite's error: a result code.
type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("database or disk is full (%d)", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }

const errDiskFull = sqliteErr(13)

// cue fails store operations on demand and counts them.
type cue struct {
	mu    sync.Mutex
	fail  map[string]bool
	calls map[string]int
}

func newCue() *cue { return &cue{fail: map[string]bool{}, calls: map[string]int{}} }

func (c *cue) set(fail bool, ops ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range ops {
		c.fail[op] = fail
	}
}

func (c *cue) check(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
	if c.fail[op] {
		return fmt.Errorf("commit: %w", errDiskFull)
	}
	return nil
}

func (c *cue) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

// faultSender is a sender with metrics, faults and a log to read back.
func faultSender(store outbox.Store, addr string, clk *clock) (*Sender, *bytes.Buffer) {
	var log bytes.Buffer
	s := newSender(store, addr, clk)
	s.Log = zerolog.New(&log)
	s.Metrics = &monitor.Metrics{}
	s.Faults = &monitor.Faults{Now: clk.Now}
	return s, &log
}

func metricsText(m *monitor.Metrics) string {
	var b strings.Builder
	m.WriteProm(&b, monitor.Gauges{})
	return b.String()
}

// TestFlushFailedRecordAfterOKNeverResends: the server accepts a receipt,
// then recording it fails (a full disk). Nothing is sent again however many
// flushes follow; sending stops until a probe write succeeds, the fault is
// reported and logged once, and the receipt is recorded as sent once the
// store works.
func TestFlushFailedRecordAfterOKNeverResends(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	c := newCue()
	item := composedItem(t, 1)
	store := newMemStore(item, outbox.Item{ID: 2, Kind: "reply", To: "e@f.cn", Raw: []byte(testMsg)})
	store.fail = c.check
	s, log := faultSender(store, ts.addr, clk)
	c.set(true, "sent", "probe")

	sent, err := s.Flush(context.Background())
	if !errors.Is(err, ErrStoreDown) || !fault.DiskFull(err) || sent != 1 {
		t.Fatalf("flush: sent %d, %v; want 1 and ErrStoreDown wrapping the disk error", sent, err)
	}
	if r, ok := s.Faults.Get(monitor.ComponentStore); !ok || !strings.Contains(r.LastError, "database or disk is full") {
		t.Errorf("store fault = %+v, %v", r, ok)
	}
	if st := s.Status(); st.StoreError == "" || st.LastDelivery.IsZero() {
		t.Errorf("status %+v", st)
	}
	// The failure lasts five minutes; the daemon nudges the sender every 10 s.
	for range 30 {
		clk.Add(10 * time.Second)
		if _, err := s.Flush(context.Background()); !errors.Is(err, ErrStoreDown) {
			t.Fatalf("flush while the store fails: %v", err)
		}
	}
	probes := c.count("probe")
	if probes < 25 || probes > 31 {
		t.Errorf("%d probes in 5 minutes, want one per flush at most every 5 s", probes)
	}
	clk.Add(time.Second)
	s.Flush(context.Background())
	if c.count("probe") != probes {
		t.Error("probed again within the probe interval")
	}
	if n := len(ts.mails()); n != 1 {
		t.Fatalf("server got %d mails while the store failed, want 1", n)
	}
	if c.count("claim") != 1 {
		t.Errorf("%d claims while the store failed, want 1", c.count("claim"))
	}

	c.set(false, "sent", "probe")
	clk.Add(10 * time.Second)
	if sent, err := s.Flush(context.Background()); err != nil || sent != 1 {
		t.Fatalf("flush after recovery: %d, %v; want the second item sent", sent, err)
	}
	for range 20 {
		clk.Add(time.Hour)
		s.Flush(context.Background())
	}
	got := map[string]int{}
	for _, m := range ts.mails() {
		got[m.to[0]]++
	}
	if got[item.To] != 1 || got["e@f.cn"] != 1 {
		t.Errorf("server got %v; want each mail once", got)
	}
	if it := store.item(1); it.state != "sent" || it.Attempts != 1 {
		t.Errorf("accepted item after recovery: %+v", it)
	}
	if _, ok := s.Faults.Get(monitor.ComponentStore); ok || s.Status().StoreError != "" {
		t.Error("store fault not cleared after recovery")
	}
	if n := strings.Count(log.String(), "sending paused until a probe write succeeds"); n != 1 {
		t.Errorf("pause logged %d times, want once", n)
	}
	if n := strings.Count(log.String(), "sending resumes"); n != 1 {
		t.Errorf("resume logged %d times, want once", n)
	}
	if m := metricsText(s.Metrics); !strings.Contains(m, "kaohe_mail_sent_total 2\n") {
		t.Errorf("metrics:\n%s", m)
	}
}

// TestFlushResendsOnceAfterRestart: when the process dies between the
// server's OK and the record, the next process sends the same bytes once,
// after the claim's backoff, never at once and never again.
func TestFlushResendsOnceAfterRestart(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	c := newCue()
	item := composedItem(t, 1)
	store := newMemStore(item)
	store.fail = c.check
	c.set(true, "sent", "probe")
	first, _ := faultSender(store, ts.addr, clk)
	if _, err := first.Flush(context.Background()); !errors.Is(err, ErrStoreDown) {
		t.Fatal(err)
	}
	// The process dies; the disk is freed; a new one starts.
	c.set(false, "sent", "probe")
	second, _ := faultSender(store, ts.addr, clk)
	clk.Add(30 * time.Second) // the claim's backoff is 45 s
	if sent, _ := second.Flush(context.Background()); sent != 0 {
		t.Fatal("resent before the claim's backoff passed")
	}
	clk.Add(20 * time.Second)
	if sent, err := second.Flush(context.Background()); sent != 1 || err != nil {
		t.Fatalf("resend: %d, %v", sent, err)
	}
	for range 10 {
		clk.Add(time.Hour)
		second.Flush(context.Background())
	}
	got := ts.mails()
	if len(got) != 2 || !bytes.Equal(got[0].data, got[1].data) {
		t.Fatalf("server got %d copies; want 2 identical", len(got))
	}
	if it := store.item(1); it.state != "sent" || it.Attempts != 2 {
		t.Errorf("item %+v", it)
	}
}

// TestFlushClaimFailureSendsNothing: an attempt that cannot be recorded is
// not made.
func TestFlushClaimFailureSendsNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	c := newCue()
	store := newMemStore(outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)})
	store.fail = c.check
	c.set(true, "claim")
	s, _ := faultSender(store, ts.addr, clk)
	for range 5 {
		if _, err := s.Flush(context.Background()); !errors.Is(err, ErrStoreDown) {
			t.Fatalf("flush: %v", err)
		}
		clk.Add(10 * time.Second)
	}
	if n := len(ts.mails()); n != 0 || store.item(1).Attempts != 0 {
		t.Errorf("server got %d mails, item %+v", n, store.item(1))
	}
	if _, ok := s.Faults.Get(monitor.ComponentStore); !ok {
		t.Error("no store fault")
	}
}

// TestFlushCountsDeferralsAndStaffRefusals: a 451 is a counted deferral, a
// 550 a failure; a refused staff mail is reported until one is delivered.
func TestFlushCountsDeferralsAndStaffRefusals(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{fail: func(st string, n int) error {
		switch {
		case st == "data" && n == 1:
			return smtpErr(451, "try again later")
		case st == "data" && n == 2:
			return smtpErr(550, "no such user")
		}
		return nil
	}}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, Kind: "reply", To: "c@d.cn", Raw: []byte(testMsg)},
		outbox.Item{ID: 2, Kind: "staff_notice", To: "wangming@example.org", Raw: []byte(testMsg)})
	s, _ := faultSender(store, ts.addr, clk)
	s.StaffKinds = []string{"staff_notice"}
	if _, err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := metricsText(s.Metrics)
	for _, want := range []string{"kaohe_mail_deferred_total 1\n", "kaohe_mail_failed_total 1\n", "kaohe_mail_sent_total 0\n"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	st := s.Status()
	if !strings.Contains(st.StaffError, "wangming@example.org") || !strings.Contains(st.StaffError, "550") {
		t.Errorf("staff error %q", st.StaffError)
	}
	if it := store.item(1); it.state != "pending" || it.Attempts != 1 || it.err == "" {
		t.Errorf("deferred item %+v", it)
	}
	store.mu.Lock()
	store.items[3] = &memItem{Item: outbox.Item{ID: 3, Kind: "staff_notice", To: "wangming@example.org", Raw: []byte(testMsg)}, state: "pending"}
	store.mu.Unlock()
	clk.Add(time.Hour)
	if sent, err := s.Flush(context.Background()); err != nil || sent != 2 {
		t.Fatalf("second flush: %d, %v", sent, err)
	}
	if st := s.Status(); st.StaffError != "" || st.LastError != "" || !st.LastDelivery.Equal(clk.Now()) {
		t.Errorf("status after a staff mail went out: %+v", st)
	}
}

// TestFlushShares: replies to strangers use at most their share of the
// daily cap (rounded down), and never hold back the rest.
func TestFlushShares(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		perDay        int
		wantStrangers int
	}{
		{"cap 20: two", 20, 2},
		{"cap 9: none", 9, 0},
		{"no cap: all", 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{}, nil, false)
			clk := &clock{t: testReceived}
			var items []outbox.Item
			for i := 1; i <= 5; i++ {
				items = append(items, outbox.Item{ID: int64(i), Kind: "unknown_reply", To: fmt.Sprintf("victim%d@third.example", i), Raw: []byte(testMsg)})
			}
			items = append(items, outbox.Item{ID: 6, Kind: "reply", To: "chaoyang@example.org", Raw: []byte(testMsg)},
				outbox.Item{ID: 7, Kind: "staff_notice", To: "wangming@example.org", Raw: []byte(testMsg)})
			store := newMemStore(items...)
			s := newSender(store, ts.addr, clk)
			s.GlobalPerDay = tc.perDay
			s.Shares = []KindShare{{Kind: "unknown_reply", Percent: 10}}
			for range 3 {
				if _, err := s.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
				clk.Add(time.Hour)
			}
			strangers := 0
			for i := int64(1); i <= 5; i++ {
				if it := store.item(i); it.state == "sent" {
					strangers++
				} else if it.Attempts != 0 {
					t.Errorf("held item %d counted an attempt", i)
				}
			}
			if strangers != tc.wantStrangers || store.item(6).state != "sent" || store.item(7).state != "sent" {
				t.Errorf("%d strangers answered (want %d); receipt %s, staff mail %s", strangers, tc.wantStrangers,
					store.item(6).state, store.item(7).state)
			}
		})
	}
}

// TestFlushGivesUpAfterAttemptsWithoutOutcome: an item claimed as often as
// MaxAttempts with no outcome recorded (the process died each time) is
// given up, not sent again.
func TestFlushGivesUpAfterAttemptsWithoutOutcome(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, Kind: "reply", To: "c@d.cn", Raw: []byte(testMsg), Attempts: 3})
	s, _ := faultSender(store, ts.addr, clk) // MaxAttempts 3
	if sent, err := s.Flush(context.Background()); sent != 0 || err != nil {
		t.Fatalf("flush: %d, %v", sent, err)
	}
	if it := store.item(1); it.state != "failed" || !strings.Contains(it.err, "no outcome recorded after 3 attempts") || len(ts.mails()) != 0 {
		t.Errorf("item %+v, %d mails sent", it, len(ts.mails()))
	}
}

// TestFlushUnrecordableItemDoesNotBlock: a mail the server accepted whose
// row cannot be recorded once the store works, for a reason not the
// store's (the row is gone), holds back nothing and is not sent again.
func TestFlushUnrecordableItemDoesNotBlock(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)}, outbox.Item{ID: 2, To: "e@f.cn", Raw: []byte(testMsg)})
	marks := 0
	store.fail = func(op string) error {
		if op != "sent" {
			return nil
		}
		switch marks++; marks {
		case 1:
			return fmt.Errorf("commit: %w", errDiskFull)
		case 2:
			return errors.New("outbox item 1: not found")
		}
		return nil
	}
	s, _ := faultSender(store, ts.addr, clk)
	s.Flush(context.Background())
	for range 10 {
		clk.Add(time.Hour)
		if _, err := s.Flush(context.Background()); err != nil {
			t.Fatalf("flush after the store came back: %v", err)
		}
	}
	got := map[string]int{}
	for _, m := range ts.mails() {
		got[m.to[0]]++
	}
	if got["c@d.cn"] != 1 || got["e@f.cn"] != 1 {
		t.Errorf("server got %v, want each once", got)
	}
}
