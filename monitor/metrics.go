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
	mu          sync.Mutex
	messages    map[string]uint64 // by outcome
	repliesSent uint64
	repliesFail uint64
	panics      uint64
	pollCount   uint64
	pollSeconds float64
	lastPoll    time.Time
	// Faults of ours and of messages (metrics_faults.go).
	handlerFailures map[string]uint64 // by cause: message, system
	intakePaused    bool
	quarantined     uint64
}

// Message counts one processed message by its outcome.
func (m *Metrics) Message(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.messages == nil {
		m.messages = map[string]uint64{}
	}
	m.messages[outcome]++
}

// ReplySent counts a mail handed to the SMTP server.
func (m *Metrics) ReplySent() { m.add(&m.repliesSent) }

// ReplyFailed counts a mail given up on.
func (m *Metrics) ReplyFailed() { m.add(&m.repliesFail) }

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

// WriteProm writes the counters, plus the given gauges, in Prometheus text
// exposition format.
func (m *Metrics) WriteProm(w io.Writer, outbox map[string]int) {
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
	m.writeFaults(metric, &b)
	metric("kaohe_outbox", "gauge", "Outgoing mails by state.")
	for _, k := range sortedKeys(outbox) {
		fmt.Fprintf(&b, "kaohe_outbox{state=%q} %d\n", k, outbox[k])
	}
	io.WriteString(w, b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
