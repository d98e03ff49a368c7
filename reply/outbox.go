package reply

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"
)

// OutboxItem is one queued mail.
type OutboxItem struct {
	ID        int64
	MessageID string
	Kind      string
	To        string
	Raw       []byte
	Attempts  int // failed attempts so far
}

// OutboxStore is what the sender needs of the store.
type OutboxStore interface {
	// DueOutbox returns up to limit pending items whose next attempt is due
	// at now, oldest first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error)
	// MarkSent records the delivery.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// MarkRetry records one more failed attempt and the time of the next.
	MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error
	// MarkFailed gives the item up for good (staff are told).
	MarkFailed(ctx context.Context, id int64, errText string) error
	// SentCountSince counts mails sent to the address (any address when to
	// is "") since the given time.
	SentCountSince(ctx context.Context, to string, since time.Time) (int, error)
}

// Defaults of Sender.
const (
	DefaultMaxAttempts = 8
	DefaultBatch       = 50
	DefaultInterval    = 30 * time.Second
	DefaultBackoffBase = time.Minute
	DefaultBackoffMax  = 6 * time.Hour
	AuthBackoffBase    = 10 * time.Minute // never retry a login faster than this
	codeServiceClosing = 421              // the server is closing on us: stop the batch
	dailyCapPause      = 10 * time.Minute // Run's pause once GlobalPerDay is reached
)

// Sender delivers the outbox: every due item once per Flush, with retries
// and backoff for temporary failures, a per-recipient hourly cap and a
// global daily cap.
type Sender struct {
	Store               OutboxStore
	SMTP                SMTPConfig
	From                string // envelope sender
	MaxAttempts         int    // 0: DefaultMaxAttempts
	PerRecipientPerHour int    // 0: no cap
	GlobalPerDay        int    // 0: no cap
	Now                 func() time.Time
	Log                 zerolog.Logger
	// AppendSent, when set, stores a copy of each sent mail (the Sent
	// folder over IMAP); its failure is logged and nothing else.
	AppendSent func(ctx context.Context, raw []byte) error

	Interval    time.Duration   // Run's pause between flushes; 0: DefaultInterval
	Wake        <-chan struct{} // optional: flush now (new mail queued)
	BackoffBase time.Duration   // 0: DefaultBackoffBase
	BackoffMax  time.Duration   // 0: DefaultBackoffMax
	Rand        func() float64  // jitter source in [0,1); nil: math/rand/v2
	Batch       int             // items per DueOutbox call; 0: DefaultBatch
	// SendFunc replaces Send, for tests; nil uses Send.
	SendFunc func(ctx context.Context, cfg SMTPConfig, from string, to []string, raw []byte) error
}

// ErrDailyCap is returned by Flush when GlobalPerDay mails went out in
// the last 24 hours: the rest waits, nothing is dropped.
var ErrDailyCap = errors.New("daily sending cap reached")

// ErrAuth is returned by Flush when the server refused our login: every
// mail would fail the same way, so the batch stops.
var ErrAuth = errors.New("smtp authentication failed")

// Flush sends every item due now, once. It returns how many were sent; the
// error is a store failure, ErrDailyCap, or ErrAuth (wrapping the
// *SendError).
// Deliveries that fail are recorded on their item and are not errors here.
func (s *Sender) Flush(ctx context.Context) (sent int, err error) {
	now := s.now()
	items, err := s.Store.DueOutbox(ctx, now, s.batch())
	if err != nil {
		return 0, fmt.Errorf("due outbox: %w", err)
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		now = s.now()
		log := s.Log.With().Int64("outbox_id", it.ID).Str("message_id", it.MessageID).Str("kind", it.Kind).Logger()
		if s.GlobalPerDay > 0 {
			n, err := s.Store.SentCountSince(ctx, "", now.Add(-24*time.Hour))
			if err != nil {
				return sent, fmt.Errorf("count sent: %w", err)
			}
			if n >= s.GlobalPerDay {
				return sent, fmt.Errorf("%w: %d mails in 24 h", ErrDailyCap, n)
			}
		}
		if s.PerRecipientPerHour > 0 {
			n, err := s.Store.SentCountSince(ctx, it.To, now.Add(-time.Hour))
			if err != nil {
				return sent, fmt.Errorf("count sent: %w", err)
			}
			if n >= s.PerRecipientPerHour {
				// Not a failed attempt: leave the item due, it goes out once
				// the hour has room.
				log.Debug().Int("sent_1h", n).Msg("per-recipient hourly cap reached; deferred")
				continue
			}
		}
		sendErr := s.send(ctx, it)
		if sendErr == nil {
			if err := s.Store.MarkSent(ctx, it.ID, s.now()); err != nil {
				return sent, fmt.Errorf("mark sent: %w", err)
			}
			sent++
			log.Info().Msg("mail sent")
			if s.AppendSent != nil {
				if err := s.AppendSent(ctx, it.Raw); err != nil {
					log.Warn().Err(err).Msg("copy to sent folder failed")
				}
			}
			continue
		}
		se := classify(sendErr)
		if ctx.Err() != nil {
			// Our own shutdown is no attempt of the item's.
			return sent, ctx.Err()
		}
		attempts := it.Attempts + 1
		switch {
		case !se.Temporary || attempts >= s.maxAttempts():
			log.Error().Err(se).Int("attempts", attempts).Msg("mail given up")
			if err := s.Store.MarkFailed(ctx, it.ID, se.Error()); err != nil {
				return sent, fmt.Errorf("mark failed: %w", err)
			}
		default:
			delay := Backoff(attempts, s.backoffBase(), s.backoffMax(), s.rand())
			if se.Auth {
				// A refused login is retried no faster than AuthBackoffBase,
				// jitter included.
				delay = max(delay, AuthBackoffBase+Backoff(attempts, AuthBackoffBase, max(s.backoffMax(), AuthBackoffBase), s.rand())/2)
			}
			next := now.Add(delay)
			log.Warn().Err(se).Int("attempts", attempts).Time("next", next).Msg("mail deferred")
			if err := s.Store.MarkRetry(ctx, it.ID, next, se.Error()); err != nil {
				return sent, fmt.Errorf("mark retry: %w", err)
			}
		}
		if se.Auth {
			return sent, fmt.Errorf("%w: %w", ErrAuth, se)
		}
		if se.Temporary && (se.Code == 0 || se.Code == codeServiceClosing) {
			// The server is unreachable or closing on us: the rest of the
			// batch would fail alike; try again next round.
			return sent, nil
		}
	}
	return sent, nil
}

// Run flushes the outbox until ctx is done: every Interval, or at once
// when Wake fires. Errors are logged; an authentication failure pauses
// sending for AuthBackoffBase, the daily cap for ten minutes.
func (s *Sender) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.Wake:
		}
		wait := interval
		if _, err := s.Flush(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			switch {
			case errors.Is(err, ErrDailyCap):
				s.Log.Warn().Err(err).Int("cap", s.GlobalPerDay).Msg("outbox waits for the daily cap")
				wait = max(interval, dailyCapPause)
			case errors.Is(err, ErrAuth):
				s.Log.Error().Err(err).Msg("smtp login refused; sending paused")
				wait = AuthBackoffBase
			default:
				s.Log.Error().Err(err).Msg("outbox flush failed")
			}
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

func (s *Sender) send(ctx context.Context, it OutboxItem) error {
	if err := checkAddress(it.To); err != nil {
		return &SendError{Msg: err.Error()}
	}
	f := s.SendFunc
	if f == nil {
		f = Send
	}
	return f(ctx, s.SMTP, s.From, []string{it.To}, it.Raw)
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) rand() float64 {
	if s.Rand != nil {
		return s.Rand()
	}
	return rand.Float64()
}

func (s *Sender) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

func (s *Sender) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (s *Sender) backoffBase() time.Duration {
	if s.BackoffBase > 0 {
		return s.BackoffBase
	}
	return DefaultBackoffBase
}

func (s *Sender) backoffMax() time.Duration {
	if s.BackoffMax > 0 {
		return s.BackoffMax
	}
	return DefaultBackoffMax
}
