package mailbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"kaohe/internal/fault"
)

// Fetched is one message taken from the mailbox.
type Fetched struct {
	Mailbox      string
	UIDValidity  uint32
	UID          uint32
	InternalDate time.Time
	Size         int64  // RFC822.SIZE as reported by the server
	Raw          []byte // nil when Size > MaxMessageSize: too large, not fetched
	// Header is the message's header alone when it was too large to fetch
	// (so that the sender can be told); nil otherwise.
	Header []byte
}

// TooLarge reports whether the message was not fetched because of its size.
func (m Fetched) TooLarge() bool { return m.Raw == nil }

// Handler stores and processes one message. Returning nil means it is
// durably recorded, so the message may be marked done on the server; an
// error leaves it in place for a retry.
//
// After a UIDVALIDITY change every message in the mailbox is offered again
// (the Cursor is kept per UIDVALIDITY), and a message whose mark-done step
// failed after a crash may be offered twice: the Handler must deduplicate by
// Message-ID and content hash.
type Handler func(ctx context.Context, m Fetched) error

// Cursor remembers, per mailbox and UIDVALIDITY, the highest UID up to which
// every message has been handled. It is persisted by the caller (SQLite) so
// that restarts resume. LastUID returns 0 for an unknown pair.
type Cursor interface {
	LastUID(mailbox string, uidValidity uint32) (uint32, error)
	SetLastUID(mailbox string, uidValidity uint32, uid uint32) error
}

// ErrIncomplete is returned (wrapped) by Once when some message was left on
// the server for a retry: its Handler failed or it could not be marked done.
var ErrIncomplete = errors.New("some messages were left in the mailbox for a retry")

// Status is the health of a Watcher, for /healthz.
type Status struct {
	Connected   bool
	LastPoll    time.Time // last time the mailbox was searched successfully
	LastError   string    // empty when the last attempt succeeded
	LastErrorAt time.Time
	Failures    int // consecutive failed connection attempts

	// Claims is how the current (or last) session claims messages.
	Claims ClaimMode
	// OtherConsumer is set while another program takes mail from this
	// mailbox: its consumer id, or UnknownConsumer when only messages
	// vanishing under us betray it. It clears an hour after the last
	// evidence. OtherSince starts the episode; OtherEvidence is the last
	// thing seen.
	OtherConsumer string
	OtherSince    time.Time
	OtherLast     time.Time
	OtherEvidence string
}

// Watcher watches one mailbox. Run and Once must not be called
// concurrently on the same Watcher.
type Watcher struct {
	cfg Config
	cur Cursor
	h   Handler

	wake chan struct{} // EXISTS seen; capacity 1, coalesced

	running sync.Mutex

	statusMu sync.Mutex
	status   Status

	// In-memory state of the current UIDVALIDITY, owned by the running
	// Run/Once goroutine.
	memValidity uint32
	memDone     map[uint32]struct{} // handled UIDs above the cursor
	pendingMark []uint32            // handled but not yet marked done on the server
	reconciled  time.Time           // last full pass over the mailbox

	// foreign: when each message was first seen claimed by another
	// consumer (owned by the running goroutine too).
	foreign map[claimKey]time.Time

	// Evidence of another consumer, under statusMu.
	other    otherConsumer
	vanished []vanishedUID
}

// NewWatcher returns a Watcher. The configuration is completed with its
// defaults, IdleMax is capped at MaxIdleMax and AuthBackoff raised to one
// minute (unless AllowFastAuthRetry); call cfg.Validate first to report
// configuration errors.
func NewWatcher(cfg Config, cur Cursor, h Handler) *Watcher {
	cfg = cfg.WithDefaults()
	// Enforce the safety bounds even when Validate was not called.
	cfg.IdleMax = min(cfg.IdleMax, MaxIdleMax)
	if !cfg.AllowFastAuthRetry {
		cfg.AuthBackoff = max(cfg.AuthBackoff, time.Minute)
	}
	cfg.Logger = cfg.Logger.With().Str("mailbox", cfg.Mailbox).Logger()
	return &Watcher{cfg: cfg, cur: cur, h: h, wake: make(chan struct{}, 1), foreign: map[claimKey]time.Time{}}
}

// Status returns a snapshot of the Watcher's health.
func (w *Watcher) Status() Status {
	w.statusMu.Lock()
	defer w.statusMu.Unlock()
	st := w.status
	w.otherStatus(&st)
	return st
}

func (w *Watcher) setConnected(ok bool) {
	w.statusMu.Lock()
	w.status.Connected = ok
	w.statusMu.Unlock()
}

func (w *Watcher) notePoll() {
	w.statusMu.Lock()
	w.status.LastPoll = w.cfg.Now()
	w.status.LastError = ""
	w.status.Failures = 0
	w.statusMu.Unlock()
}

func (w *Watcher) noteError(err error) int {
	w.statusMu.Lock()
	defer w.statusMu.Unlock()
	w.status.Connected = false
	w.status.LastError = err.Error()
	w.status.LastErrorAt = w.cfg.Now()
	w.status.Failures++
	return w.status.Failures
}

// signalWake records new mail without blocking the client's reader.
func (w *Watcher) signalWake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// open connects, logs in, creates the Done mailbox when it will be used,
// and selects the watched mailbox.
func (w *Watcher) open(ctx context.Context) (*imapSession, error) {
	s, err := dialSession(ctx, w.cfg, w.cfg.Logger, w.signalWake)
	if err != nil {
		return nil, err
	}
	if s.usesDoneMailbox() {
		err := s.ensureDoneMailbox()
		var ierr *imap.Error
		switch {
		case errors.As(err, &ierr):
			// Keep ingesting: handled mail stays in the mailbox and its
			// move is retried on every pass.
			w.cfg.Logger.Error().Err(err).Str("done", w.cfg.Done).
				Msg("cannot create the done mailbox; processed mail stays in the watched mailbox")
		case err != nil:
			s.close(false)
			return nil, err
		}
	}
	if err := s.selectMailbox(false); err != nil {
		s.close(false)
		return nil, err
	}
	w.setConnected(true)
	w.setClaims(s.claims)
	if s.claims == ClaimUnavailable {
		w.cfg.Logger.Warn().Msg("the mailbox keeps no custom keywords: messages cannot be claimed, and a second consumer would answer them too")
	}
	w.cfg.Logger.Info().Uint32("uidvalidity", s.sel.UIDValidity).Uint32("uidnext", uint32(s.sel.UIDNext)).
		Uint32("exists", s.sel.NumMessages).Bool("idle", s.caps.Has(imap.CapIdle)).Bool("move", s.hasMove()).
		Bool("uidplus", s.hasUIDPlus()).Str("claims", string(s.claims)).Msg("mailbox selected")
	return s, nil
}

// Once connects, hands every waiting message to the Handler (each at most
// once), marks the handled ones done and logs out. It returns an error
// wrapping ErrIncomplete when some message was left for a retry.
func (w *Watcher) Once(ctx context.Context) error {
	if !w.running.TryLock() {
		return errors.New("imap watcher is already running")
	}
	defer w.running.Unlock()
	s, err := w.open(ctx)
	if err != nil {
		w.noteError(err)
		return err
	}
	defer w.setConnected(false)
	res, err := w.drain(ctx, s)
	if err != nil {
		s.close(false)
		w.noteError(err)
		return err
	}
	s.close(true)
	if res.failed > 0 || res.contended > 0 || len(w.pendingMark) > 0 || res.gated {
		return fmt.Errorf("%d handler failures, %d claims contended, %d not marked done, gate closed %v: %w", res.failed, res.contended, len(w.pendingMark), res.gated, ErrIncomplete)
	}
	return nil
}

// Run watches the mailbox until ctx is done: connect, log in, ID, select,
// drain, then IDLE (or poll) and drain again on new mail; on any error it
// closes the connection and reconnects after a capped exponential backoff
// with jitter (slow backoff after an authentication failure). It returns
// ctx.Err() once ctx is done, within a few seconds, because cancelling ctx
// closes the connection.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.TryLock() {
		return errors.New("imap watcher is already running")
	}
	defer w.running.Unlock()
	log := w.cfg.Logger
	for {
		err := w.session(ctx)
		w.setConnected(false)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		failures := w.noteError(err)
		delay := fault.Backoff(failures, w.cfg.MinBackoff, w.cfg.MaxBackoff, rand.Float64())
		switch {
		case !fault.IsTemporaryOrUnspec(err): // ErrAuthFailed, ErrUnsafeLogin
			delay = w.cfg.AuthBackoff
			log.Error().Err(err).Dur("retry_in", delay).Msg("imap login refused; check the user name, password (授权码) and IMAP access")
		default:
			log.Warn().Err(err).Int("failures", failures).Dur("retry_in", delay).Msg("imap session ended; reconnecting")
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// session runs one connection until it fails or ctx is done.
func (w *Watcher) session(ctx context.Context) error {
	s, err := w.open(ctx)
	if err != nil {
		return err
	}
	defer s.close(false)
	useIdle := s.caps.Has(imap.CapIdle) && s.sel.UIDNext != 0
	if !useIdle {
		w.cfg.Logger.Info().Dur("interval", w.cfg.PollInterval).Msg("no IDLE or no UIDNEXT: polling")
	}
	for {
		// Drain until no EXISTS arrived meanwhile.
		res, err := w.drain(ctx, s)
		if err != nil {
			return err
		}
		if res.gated {
			continue // the Gate waited out a pause: start again from the cursor
		}
		select {
		case <-w.wake:
			continue
		default:
		}
		wait := w.cfg.IdleMax
		if !useIdle || res.failed > 0 || res.contended > 0 || len(w.pendingMark) > 0 {
			wait = min(wait, w.cfg.PollInterval)
		}
		if useIdle {
			err = w.idle(ctx, s, wait)
		} else {
			err = w.pollWait(ctx, s, wait)
		}
		if err != nil {
			return err
		}
	}
}

// idle runs IDLE until new mail, wait, or ctx is done.
func (w *Watcher) idle(ctx context.Context, s *imapSession, wait time.Duration) error {
	var cmd interface {
		Close() error
		Wait() error
	}
	if err := s.do("idle", w.cfg.CommandTimeout, func() error {
		c, err := s.c.Idle()
		if err == nil {
			cmd = c
		}
		return err
	}); err != nil {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	var why error
	select {
	case <-w.wake:
	case <-t.C:
	case <-ctx.Done():
		why = ctx.Err()
	case <-s.c.Closed():
		why = errors.New("connection closed during IDLE")
	}
	err := s.do("idle done", w.cfg.CommandTimeout, func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if why != nil {
		return why
	}
	return err
}

// pollWait sleeps wait, then sends NOOP so the server reports new mail.
func (w *Watcher) pollWait(ctx context.Context, s *imapSession, wait time.Duration) error {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errors.New("connection closed while polling")
	case <-w.wake:
	case <-t.C:
	}
	return s.do("noop", w.cfg.CommandTimeout, func() error { return s.c.Noop().Wait() })
}

// callHandler runs the Handler, turning a panic into an error.
func (w *Watcher) callHandler(ctx context.Context, f Fetched) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return w.h(ctx, f)
}
