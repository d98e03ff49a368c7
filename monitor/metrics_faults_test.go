package monitor

import (
	"strings"
	"testing"
)

func TestFaultMetrics(t *testing.T) {
	m := &Metrics{}
	var b strings.Builder
	m.WriteProm(&b, Gauges{})
	for _, want := range []string{`kaohe_handler_failures_total{cause="system"} 0`, "kaohe_intake_paused 0", "kaohe_quarantined_total 0"} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("fresh metrics lack %q", want)
		}
	}
	m.HandlerFailure("system")
	m.HandlerFailure("system")
	m.HandlerFailure("message")
	m.SetIntakePaused(true)
	m.Quarantined()
	b.Reset()
	m.WriteProm(&b, Gauges{})
	for _, want := range []string{`kaohe_handler_failures_total{cause="message"} 1`, `kaohe_handler_failures_total{cause="system"} 2`,
		"kaohe_intake_paused 1", "kaohe_quarantined_total 1"} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
	m.SetIntakePaused(false)
	b.Reset()
	m.WriteProm(&b, Gauges{})
	if !strings.Contains(b.String(), "kaohe_intake_paused 0\n") {
		t.Error("intake still shown paused after it resumed")
	}
}
