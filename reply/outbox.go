package reply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"kaohe/internal/fault"
	"kaohe/monitor"
	"kaohe/outbox"
)

// KindShare caps one kind of mail to a share of the daily cap.
type KindShare struct {
	Kind    string
	Percent int // of GlobalPerDay, rounded down: 10% of 9 is 0
}

// Defaults of Sender.
const (
	DefaultMaxAttempts   = 8
	DefaultBatch         = 50
	DefaultInterval      = 30 * time.Second
	DefaultBackoffBase   = time.Minute
	DefaultBackoffMax    = 6 * time.Hour
	DefaultProbeInterval = 5 * time.Second
	AuthBackoffBase      = 10 * time.Minute // never retry a login faster than this
	codeServiceClosing   = 421              // the server is closing on us: stop the batch
	dailyCapPause        = 10 * time.Minute // Run's pause once GlobalPerDay is reached
	recordTimeout        = 10 * time.Second // for recording an outcome after ctx is cancelled
)

// Sender delivers the outbox: every due item once per Flush, with retries
// and backoff for temporary failures, a per-recipient hourly cap, a global
// daily cap and shares of it per kind.
//
// Each attempt is claimed in the store before the server is contacted, so
// that no failure after the server's OK can make an item due at once: a
// crash there causes one identical resend (same bytes, same Message-ID)
// when the claim's backoff has passed. While the store cannot record the
// outbox's state, the sender sends nothing and probes the store every
// ProbeInterval; a mail the server accepted but that could not be recorded
// is recorded as sent, not sent again, once the store works.
type Sender struct {
	Store               outbox.Store
	SMTP                SMTPConfig
	From                string // envelope sender
	MaxAttempts         int    // 0: DefaultMaxAttempts
	PerRecipientPerHour int    // 0: no cap
	GlobalPerDay        int    // 0: no cap
	// Shares cap kinds of mail (replies to senders not on the roster) to a
	// share of GlobalPerDay in any 24 hours, so that strangers cannot spend
	// what agencies and staff need. Without GlobalPerDay they do nothing.
	Shares []KindShare
	// StaffKinds are the kinds of mail to the office's own staff: Status
	// reports the last refusal of one until one is delivered.
	StaffKinds []string
	Now        func() time.Time
	Log        zerolog.Logger
	// Metrics, when set, counts deliveries, deferrals and failures.
	Metrics *monitor.Metrics
	// Faults, when set, holds ComponentStore while the outbox cannot record
	// its state.
	Faults *monitor.Faults
	// AppendSent, when set, stores a copy of each sent mail (the Sent
	// folder over IMAP); its failure is logged and nothing else.
	AppendSent func(ctx context.Context, raw []byte) error

	Interval      time.Duration   // Run's pause between flushes; 0: DefaultInterval
	ProbeInterval time.Duration   // between store probes while it fails; 0: DefaultProbeInterval
	Wake          <-chan struct{} // optional: flush now (new mail queued)
	BackoffBase   time.Duration   // 0: DefaultBackoffBase
	BackoffMax    time.Duration   // 0: DefaultBackoffMax
	Rand          func() float64  // jitter source in [0,1); nil: math/rand/v2
	Batch         int             // items per DueOutbox call; 0: DefaultBatch
	// SendFunc replaces Send, for tests; nil uses Send.
	SendFunc func(ctx context.Context, cfg SMTPConfig, from string, to []string, raw []byte) error

	mu sync.Mutex
	st sendState
}

// Errors of Flush.
var (
	// ErrDailyCap means GlobalPerDay mails went out in the last 24 hours:
	// the rest waits, nothing is dropped.
	ErrDailyCap = errors.New("daily sending cap reached")
	// ErrAuth means the server refused our login: every mail would fail the
	// same way, so the batch stops.
	ErrAuth = errors.New("smtp authentication failed")
	// ErrStoreDown means the store cannot record the outbox's state: nothing
	// is sent until a probe write succeeds.
	ErrStoreDown = errors.New("outbox cannot record its state: sending paused")
)

// Flush sends every item due now, once. It returns how many the server
// accepted; the error is ErrStoreDown (wrapping the store's error),
// ErrDailyCap, or ErrAuth (wrapping the *SendError). Deliveries that fail
// are recorded on their item and are not errors here.
func (s *Sender) Flush(ctx context.Context) (sent int, err error) {
	if err := s.storeReady(ctx); err != nil {
		return 0, err
	}
	items, err := s.Store.DueOutbox(ctx, s.now(), s.batch())
	if err != nil {
		return 0, s.storeFailed(fmt.Errorf("due outbox: %w", err))
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if s.isUnrecorded(it.ID) {
			continue
		}
		log := s.Log.With().Int64("outbox_id", it.ID).Str("message_id", it.MessageID).Str("kind", it.Kind).Logger()
		now := s.now()
		if held, err := s.held(ctx, it, now, log); err != nil {
			return sent, err
		} else if held {
			continue
		}
		if it.Attempts >= s.maxAttempts() {
			// Claimed that often with no outcome recorded (the process died
			// each time): give up rather than try forever.
			se := &SendError{Msg: fmt.Sprintf("no outcome recorded after %d attempts", it.Attempts)}
			if err := s.failed(ctx, it, it.Attempts, se, log); err != nil {
				return sent, err
			}
			continue
		}
		attempts := it.Attempts + 1
		claimed, err := s.Store.ClaimOutbox(ctx, it.ID, now.Add(s.backoff(attempts)))
		if err != nil {
			return sent, s.storeFailed(fmt.Errorf("claim: %w", err))
		}
		if !claimed {
			continue
		}
		sendErr := s.send(ctx, it)
		if sendErr == nil {
			sent++
			if err := s.delivered(ctx, it, log); err != nil {
				return sent, err
			}
			if deferred := s.noteDelivered(); deferred != nil {
				// The server is back after an outage: what it deferred is due
				// now, and this flush goes on with it.
				n, err := s.retryNow(ctx, deferred, s.now())
				if err != nil {
					return sent, err
				}
				if n > 0 {
					more, err := s.Flush(ctx)
					return sent + more, err
				}
			}
			continue
		}
		se := asSendError(sendErr)
		if ctx.Err() != nil {
			// Our own shutdown: the claim keeps the attempt and the next
			// time; the outcome may be unknown, so it waits like one.
			return sent, ctx.Err()
		}
		if err := s.failed(ctx, it, attempts, se, log); err != nil {
			return sent, err
		}
		if se.Auth {
			return sent, fmt.Errorf("%w: %w", ErrAuth, se)
		}
		if se.Temporary && (se.Code == 0 || se.Code == codeServiceClosing || (se.BeforeData && s.inOutage())) {
			// The server is unreachable or closing on us: the rest of the
			// batch would fail alike; try again next round.
			return sent, nil
		}
	}
	return sent, nil
}

// held reports whether a cap holds it back now: a kind's share of the day
// or the recipient's hour (the item stays due, no attempt is counted). The
// daily cap stops the whole flush with ErrDailyCap.
func (s *Sender) held(ctx context.Context, it outbox.Item, now time.Time, log zerolog.Logger) (bool, error) {
	if s.GlobalPerDay > 0 {
		n, err := s.Store.SentAllSince(ctx, now.Add(-24*time.Hour))
		if err != nil {
			return false, s.storeFailed(fmt.Errorf("count sent: %w", err))
		}
		if n += s.unrecordedCount(); n >= s.GlobalPerDay {
			err := fmt.Errorf("%w: %d mails in 24 h", ErrDailyCap, n)
			s.setStatus(func(st *SendStatus) { st.LastError = err.Error() })
			return false, err
		}
		if limit, ok := s.share(it.Kind); ok {
			k, err := s.Store.SentKindSince(ctx, it.Kind, now.Add(-24*time.Hour))
			if err != nil {
				return false, s.storeFailed(fmt.Errorf("count sent: %w", err))
			}
			if k >= limit {
				log.Debug().Int("sent_24h", k).Int("share", limit).Msg("share of the daily cap used up; deferred")
				return true, nil
			}
		}
	}
	if s.PerRecipientPerHour > 0 {
		n, err := s.Store.SentCountSince(ctx, it.To, now.Add(-time.Hour))
		if err != nil {
			return false, s.storeFailed(fmt.Errorf("count sent: %w", err))
		}
		if n >= s.PerRecipientPerHour {
			// Not a failed attempt: leave the item due, it goes out once
			// the hour has room.
			log.Debug().Int("sent_1h", n).Msg("per-recipient hourly cap reached; deferred")
			return true, nil
		}
	}
	return false, nil
}

// share is the most mail of kind that may go out in 24 hours, if capped.
func (s *Sender) share(kind string) (int, bool) {
	for _, sh := range s.Shares {
		if sh.Kind == kind {
			return s.GlobalPerDay * sh.Percent / 100, true
		}
	}
	return 0, false
}

// delivered records an item the server accepted. When that record fails
// the item is remembered, recorded once the store works and never sent
// again by this process.
func (s *Sender) delivered(ctx context.Context, it outbox.Item, log zerolog.Logger) error {
	at := s.now()
	if s.Metrics != nil {
		s.Metrics.ReplySent()
	}
	staff := slices.Contains(s.StaffKinds, it.Kind)
	s.setStatus(func(st *SendStatus) {
		st.LastDelivery, st.LastError = at, ""
		if staff {
			st.StaffError = ""
		}
	})
	rctx, cancel := recordContext(ctx)
	err := s.Store.MarkSent(rctx, it.ID, at)
	cancel()
	if s.AppendSent != nil {
		if err := s.AppendSent(ctx, it.Raw); err != nil {
			log.Warn().Err(err).Msg("copy to sent folder failed")
		}
	}
	if err != nil {
		s.mu.Lock()
		if s.st.unrecorded == nil {
			s.st.unrecorded = map[int64]time.Time{}
		}
		s.st.unrecorded[it.ID] = at
		s.mu.Unlock()
		log.Error().Err(err).Msg("mail accepted by the server but not recorded as sent; it is recorded once the store works")
		return s.storeFailed(fmt.Errorf("mark sent: %w", err))
	}
	log.Info().Msg("mail sent")
	return nil
}

// failed records a refused or failed attempt: deferred when temporary and
// attempts remain, else given up.
func (s *Sender) failed(ctx context.Context, it outbox.Item, attempts int, se *SendError, log zerolog.Logger) error {
	staff := slices.Contains(s.StaffKinds, it.Kind)
	rctx, cancel := recordContext(ctx)
	defer cancel()
	serverWide := se.Temporary && !se.Auth && s.noteDeferred(it, se)
	if !se.Temporary || (attempts >= s.maxAttempts() && !(serverWide && se.BeforeData)) {
		log.Error().Err(se).Int("attempts", attempts).Msg("mail given up")
		if s.Metrics != nil {
			s.Metrics.ReplyFailed()
		}
		s.setStatus(func(st *SendStatus) {
			st.LastError = se.Error()
			if staff {
				st.StaffError = "to " + it.To + ": " + se.Error()
			}
		})
		if err := s.Store.MarkFailed(rctx, it.ID, se.Error()); err != nil {
			return s.storeFailed(fmt.Errorf("mark failed: %w", err))
		}
		return nil
	}
	delay := s.backoff(attempts)
	if serverWide && se.BeforeData {
		delay = s.backoff(1) // the outage is not the mail's: it does not grow its backoff
	}
	if se.Auth {
		// A refused login is retried no faster than AuthBackoffBase,
		// jitter included.
		delay = max(delay, AuthBackoffBase+fault.Backoff(attempts, AuthBackoffBase, max(s.backoffMax(), AuthBackoffBase), s.rand())/2)
	}
	next := s.now().Add(delay)
	ev := log.Warn()
	if serverWide {
		ev = log.Debug() // the outage was logged when it began and is when it ends
	}
	ev.Err(se).Int("attempts", attempts).Time("next", next).Msg("mail deferred")
	if s.Metrics != nil {
		s.Metrics.Deferred()
	}
	s.setStatus(func(st *SendStatus) { st.LastError = se.Error() })
	if err := s.markRetry(rctx, it.ID, next, se, serverWide); err != nil {
		return s.storeFailed(fmt.Errorf("mark retry: %w", err))
	}
	return nil
}

// recordContext outlives a cancelled ctx for a moment: an outcome the
// server gave is recorded even while the daemon stops.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

func (s *Sender) send(ctx context.Context, it outbox.Item) error {
	if err := checkAddress(it.To); err != nil {
		return &SendError{Msg: err.Error()}
	}
	f := s.SendFunc
	if f == nil {
		f = Send
	}
	return f(ctx, s.SMTP, s.From, []string{it.To}, it.Raw)
}
