package mailbox

import (
	"bytes"
	"sync"

	"github.com/rs/zerolog"
)

// traceWriter is the go-imap DebugWriter used at trace level. It receives
// both directions through one writer (one Write per flushed command or read
// chunk), so it cannot parse the protocol; instead any chunk that mentions
// LOGIN or AUTHENTICATE is replaced, together with the next few chunks, which
// may carry a password literal or a SASL response.
type traceWriter struct {
	mu     sync.Mutex
	log    zerolog.Logger
	redact int // chunks still to redact
}

const (
	traceMaxChunk       = 300
	traceRedactFollowup = 3
)

func newTraceWriter(log zerolog.Logger) *traceWriter { return &traceWriter{log: log} }

func (w *traceWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	upper := bytes.ToUpper(p)
	switch {
	case bytes.Contains(upper, []byte("LOGIN")) || bytes.Contains(upper, []byte("AUTHENTICATE")):
		w.redact = traceRedactFollowup
		w.log.Trace().Int("bytes", len(p)).Msg("imap: [redacted authentication exchange]")
	case w.redact > 0:
		w.redact--
		w.log.Trace().Int("bytes", len(p)).Msg("imap: [redacted]")
	default:
		line := p
		if len(line) > traceMaxChunk {
			line = line[:traceMaxChunk]
		}
		w.log.Trace().Int("bytes", len(p)).Msg("imap: " + string(bytes.TrimRight(line, "\r\n")))
	}
	return len(p), nil
}
