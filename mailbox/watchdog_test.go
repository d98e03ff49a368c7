package mailbox

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestCmdWatchdog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		deadline  time.Duration
		work      time.Duration
		wantFired bool
	}{
		{name: "command finishes in time", deadline: 200 * time.Millisecond, work: 0, wantFired: false},
		{name: "command overruns", deadline: 10 * time.Millisecond, work: 100 * time.Millisecond, wantFired: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var kills atomic.Int32
			wd := startWatchdog(tc.deadline, func() { kills.Add(1) })
			time.Sleep(tc.work)
			fired := wd.stop()
			time.Sleep(2 * tc.deadline) // a stopped watchdog never fires later
			if fired != tc.wantFired || (kills.Load() == 1) != tc.wantFired || kills.Load() > 1 {
				t.Errorf("fired=%v kills=%d, want fired=%v", fired, kills.Load(), tc.wantFired)
			}
		})
	}
}
