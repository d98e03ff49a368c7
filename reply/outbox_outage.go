package reply

import (
	"context"
	"fmt"
	"time"

	"kaohe/internal/fault"
	"kaohe/outbox"
)

// outage is what the sender remembers of the temporary failures since its
// last delivery.
//
// Backoff spaces the retries of one mail, and a mail that keeps failing is
// given up after MaxAttempts, which suits one recipient's trouble (a full
// mailbox). When the server itself is down or defers every recipient, the
// trouble is not the mail's: an outage of two hours would give up every
// receipt. So once the failures show a server-wide outage (the server could
// not be reached, or deferred three different recipients with no delivery
// between), a refusal before the message was handed over does not count as
// an attempt and the mail is retried at the first backoff step; and the
// first delivery after the outage makes every mail it deferred due at once.
type outage struct {
	deferred   map[int64]string // item → its last error, deferred since the last delivery
	recipients map[string]bool
	serverWide bool
	since      time.Time
}

// outageRecipients is how many distinct recipients must have been deferred
// before a deferral counts as the server's rather than a mailbox's.
const outageRecipients = 3

// outboxRefunder is implemented by stores that can take back the attempt a
// claim counted; without it a server-wide outage counts attempts like any
// failure.
type outboxRefunder interface {
	// MarkRetryUncounted records a temporary failure like MarkRetry and
	// takes back the attempt the claim counted.
	MarkRetryUncounted(ctx context.Context, id int64, next time.Time, errText string) error
}

// noteDeferred remembers a deferral and reports whether the server as a
// whole is failing; the first time it is, it says so in the log.
func (s *Sender) noteDeferred(it outbox.Item, se *SendError) (serverWide bool) {
	s.mu.Lock()
	o := &s.st.outage
	if o.deferred == nil {
		o.deferred, o.recipients, o.since = map[int64]string{}, map[string]bool{}, s.now()
	}
	o.deferred[it.ID] = se.Error()
	o.recipients[it.To] = true
	began := false
	if !o.serverWide && se.BeforeData && (se.Code == 0 || se.Code == codeServiceClosing || len(o.recipients) >= outageRecipients) {
		o.serverWide, began = true, true
	}
	serverWide = o.serverWide
	s.mu.Unlock()
	if began {
		s.Log.Warn().Err(se).Time("since", o.since).Msg("smtp server unreachable or deferring every mail: retries do not count against the mails until it accepts one again")
	}
	return serverWide
}

func (s *Sender) inOutage() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.outage.serverWide
}

// noteDelivered ends the outage, if any, and returns the mail it deferred
// when it was the server's.
func (s *Sender) noteDelivered() map[int64]string {
	s.mu.Lock()
	o := s.st.outage
	s.st.outage = outage{}
	s.mu.Unlock()
	if !o.serverWide {
		return nil
	}
	s.Log.Warn().Time("since", o.since).Int("deferred", len(o.deferred)).Msg("smtp server accepts mail again: what it deferred is due now")
	return o.deferred
}

// retryNow makes the mail an outage deferred due at now. It returns how
// many were made due; an item sent or given up meanwhile is left alone.
func (s *Sender) retryNow(ctx context.Context, deferred map[int64]string, now time.Time) (int, error) {
	n := 0
	for id, errText := range deferred {
		if err := s.Store.MarkRetry(ctx, id, now, errText); err != nil {
			if fault.IsSystem(err) {
				return n, s.storeFailed(fmt.Errorf("mark retry: %w", err))
			}
			continue // not the store's fault (the row is gone): it keeps its time
		}
		n++
	}
	return n, nil
}

// markRetry records a deferral: during a server-wide outage, a refusal
// before the message was handed over takes back the claim's attempt.
func (s *Sender) markRetry(ctx context.Context, id int64, next time.Time, se *SendError, serverWide bool) error {
	if r, ok := s.Store.(outboxRefunder); ok && serverWide && se.BeforeData {
		return r.MarkRetryUncounted(ctx, id, next, se.Error())
	}
	return s.Store.MarkRetry(ctx, id, next, se.Error())
}
