package mailbox

import (
	"errors"
	"sync/atomic"
	"time"
)

// ErrCommandTimeout reports that an IMAP command did not complete within its
// deadline: the watchdog closed the connection and the Watcher reconnects.
var ErrCommandTimeout = errors.New("imap command timed out; connection closed")

// minBodyRate is the slowest transfer rate (bytes per second) a body fetch
// is allowed before its watchdog fires; see bodyDeadline.
const minBodyRate = 32 << 10

// cmdWatchdog closes the connection when a command overruns its deadline.
// The go-imap client takes no context and has no deadline while waiting for
// the first byte of a response, so this is the only thing that unsticks a
// half-open connection.
type cmdWatchdog struct {
	timer *time.Timer
	fired atomic.Bool
}

// startWatchdog calls kill once d has elapsed unless stop is called first.
func startWatchdog(d time.Duration, kill func()) *cmdWatchdog {
	w := &cmdWatchdog{}
	w.timer = time.AfterFunc(d, func() {
		w.fired.Store(true)
		kill()
	})
	return w
}

// stop disarms the watchdog and reports whether it had already fired.
func (w *cmdWatchdog) stop() bool {
	if w.timer.Stop() {
		return false
	}
	return w.fired.Load()
}

// bodyDeadline is the watchdog deadline for fetching a body of size bytes:
// the base command timeout plus the time the body takes at minBodyRate.
func bodyDeadline(base time.Duration, size int64) time.Duration {
	if size <= 0 {
		return base
	}
	extra := float64(size) / float64(minBodyRate) * float64(time.Second)
	return base + time.Duration(extra)
}
