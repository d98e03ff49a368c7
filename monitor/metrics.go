package monitor

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Metrics are the daemon's counters. The zero value is ready; safe for
// concurrent use.
type Metrics struct {
	mu           sync.Mutex
	messages     map[string]uint64 // by outcome
	repliesSent  uint64
	repliesFail  uint64
	deferred     uint64
	failures     map[string]uint64 // handler failures by cause
	quarantined  uint64
	intakePaused bool
	panics       uint64
	pollCount    uint64
	pollSeconds  float64
	lastPoll     time.Time
}

// Message counts one processed message by its outcome.
func (m *Metrics) Message(outcome string) { m.count(&m.messages, outcome) }

// ReplySent counts a mail handed to the SMTP server.
func (m *Metrics) ReplySent() { m.add(&m.repliesSent) }

// ReplyFailed counts a mail given up on.
func (m *Metrics) ReplyFailed() { m.add(&m.repliesFail) }

// Deferred counts a delivery that failed for now (4xx, server unreachable)
// and will be tried again.
func (m *Metrics) Deferred() { m.add(&m.deferred) }

// HandlerFailure counts a failure to handle an incoming message by its
// cause: "message" (the input's fault, counts toward quarantine) or
// "system" (ours: disk, database, a reader that cannot start, IMAP, SMTP).
func (m *Metrics) HandlerFailure(cause string) { m.count(&m.failures, cause) }

// count adds one to key's count in the map counts points to.
func (m *Metrics) count(counts *map[string]uint64, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if *counts == nil {
		*counts = map[string]uint64{}
	}
	(*counts)[key]++
}

// Quarantined counts a message set aside after failing too often.
func (m *Metrics) Quarantined() { m.add(&m.quarantined) }

// SetIntakePaused records whether intake is paused by a system fault.
func (m *Metrics) SetIntakePaused(paused bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.intakePaused = paused
}

// Panic counts a recovered panic.
func (m *Metrics) Panic() { m.add(&m.panics) }

// Panics returns the recovered panics so far; tests fail when it is not 0.
func (m *Metrics) Panics() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.panics
}

func (m *Metrics) add(p *uint64) {
	m.mu.Lock()
	*p++
	m.mu.Unlock()
}

// Poll records a successful pass over the mailbox and how long it took.
func (m *Metrics) Poll(at time.Time, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pollCount++
	m.pollSeconds += took.Seconds()
	m.lastPoll = at
}

// LastPoll is the time of the last successful pass, zero before the first.
func (m *Metrics) LastPoll() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastPoll
}

// Gauges are the values /metrics reads from elsewhere at each scrape.
type Gauges struct {
	Outbox map[string]int // outgoing mails by state
	// OldestPending is how long the longest-waiting pending mail has
	// waited; zero when none waits.
	OldestPending time.Duration
}

// WriteProm writes the counters, plus the given gauges, in Prometheus text
// exposition format.
func (m *Metrics) WriteProm(w io.Writer, g Gauges) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	metric := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("kaohe_messages_total", "counter", "Messages processed, by outcome.")
	for _, k := range sortedKeys(m.messages) {
		fmt.Fprintf(&b, "kaohe_messages_total{outcome=%q} %d\n", k, m.messages[k])
	}
	metric("kaohe_mail_sent_total", "counter", "Mails (receipts, staff notices, reminders) accepted by the SMTP server.")
	fmt.Fprintf(&b, "kaohe_mail_sent_total %d\n", m.repliesSent)
	metric("kaohe_mail_failed_total", "counter", "Mails given up on after a permanent failure.")
	fmt.Fprintf(&b, "kaohe_mail_failed_total %d\n", m.repliesFail)
	metric("kaohe_mail_deferred_total", "counter", "Deliveries that failed for now (4xx, server unreachable) and will be tried again.")
	fmt.Fprintf(&b, "kaohe_mail_deferred_total %d\n", m.deferred)
	metric("kaohe_handler_failures_total", "counter", "Failures to handle an incoming message, by cause: message (the input's) or system (ours).")
	for _, k := range sortedKeys(withCauses(m.failures)) {
		fmt.Fprintf(&b, "kaohe_handler_failures_total{cause=%q} %d\n", k, m.failures[k])
	}
	metric("kaohe_quarantined_total", "counter", "Messages set aside for staff after failing too often for reasons of their own.")
	fmt.Fprintf(&b, "kaohe_quarantined_total %d\n", m.quarantined)
	metric("kaohe_intake_paused", "gauge", "1 while intake is paused by a system fault: mail stays in the mailbox.")
	fmt.Fprintf(&b, "kaohe_intake_paused %d\n", boolGauge(m.intakePaused))
	metric("kaohe_panics_recovered_total", "counter", "Panics recovered while processing a message.")
	fmt.Fprintf(&b, "kaohe_panics_recovered_total %d\n", m.panics)
	metric("kaohe_poll_duration_seconds", "summary", "Duration of successful passes over the mailbox.")
	fmt.Fprintf(&b, "kaohe_poll_duration_seconds_sum %g\nkaohe_poll_duration_seconds_count %d\n", m.pollSeconds, m.pollCount)
	metric("kaohe_last_poll_timestamp_seconds", "gauge", "Unix time of the last successful pass over the mailbox.")
	last := 0.0
	if !m.lastPoll.IsZero() {
		last = float64(m.lastPoll.UnixMilli()) / 1000
	}
	fmt.Fprintf(&b, "kaohe_last_poll_timestamp_seconds %g\n", last)
	metric("kaohe_outbox", "gauge", "Outgoing mails by state.")
	for _, k := range sortedKeys(g.Outbox) {
		fmt.Fprintf(&b, "kaohe_outbox{state=%q} %d\n", k, g.Outbox[k])
	}
	metric("kaohe_outbox_oldest_pending_seconds", "gauge", "How long the longest-waiting outgoing mail has waited; 0 when none waits.")
	fmt.Fprintf(&b, "kaohe_outbox_oldest_pending_seconds %g\n", g.OldestPending.Seconds())
	io.WriteString(w, b.String())
}

// withCauses is the failures with both causes present, so that a rate can
// be taken from the start.
func withCauses(m map[string]uint64) map[string]uint64 {
	out := map[string]uint64{"message": 0, "system": 0}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func boolGauge(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
