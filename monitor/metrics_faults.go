package monitor

import (
	"fmt"
	"strings"
)

// HandlerFailure counts a message whose handling failed, by whose fault it
// was: "message" (counts toward its quarantine) or "system" (ours: intake
// pauses).
func (m *Metrics) HandlerFailure(cause string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handlerFailures == nil {
		m.handlerFailures = map[string]uint64{}
	}
	m.handlerFailures[cause]++
}

// SetIntakePaused records whether intake is paused by a fault of ours.
func (m *Metrics) SetIntakePaused(paused bool) {
	m.mu.Lock()
	m.intakePaused = paused
	m.mu.Unlock()
}

// Quarantined counts a message quarantined after repeated faults of its own.
func (m *Metrics) Quarantined() { m.add(&m.quarantined) }

// writeFaults writes the fault metrics; m.mu is held.
func (m *Metrics) writeFaults(metric func(name, typ, help string), b *strings.Builder) {
	metric("kaohe_handler_failures_total", "counter", "Failed attempts at handling a message, by cause (message or system).")
	for _, cause := range []string{"message", "system"} {
		fmt.Fprintf(b, "kaohe_handler_failures_total{cause=%q} %d\n", cause, m.handlerFailures[cause])
	}
	metric("kaohe_intake_paused", "gauge", "1 while intake is paused by a fault of ours (the mail waits in the mailbox).")
	paused := 0
	if m.intakePaused {
		paused = 1
	}
	fmt.Fprintf(b, "kaohe_intake_paused %d\n", paused)
	metric("kaohe_quarantined_total", "counter", "Messages quarantined after repeated faults of their own.")
	fmt.Fprintf(b, "kaohe_quarantined_total %d\n", m.quarantined)
}
