package mailbox

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"
)

// drainResult counts what one pass over the mailbox did.
type drainResult struct {
	offered int  // handed to the Handler
	done    int  // handled and marked (or remembered) done
	failed  int  // Handler errors: left in place for a retry
	gated   bool // the Gate ended the pass: the rest waits in the mailbox
	// contended: claimed by us and another consumer at once, ours to
	// stay; looked at again soon.
	contended int
}

// cursorEvery is how many retired messages may go before the cursor is
// written.
const cursorEvery = 50

// drain searches the mailbox for UIDs above the cursor and handles each new
// message once, in ascending UID order. Network errors end the pass (the
// caller reconnects); Handler errors are logged and the pass moves on.
func (w *Watcher) drain(ctx context.Context, s *imapSession) (drainResult, error) {
	uv := s.sel.UIDValidity
	w.forgetOnNewValidity(uv)
	if err := w.retryPendingMarks(s); err != nil {
		return drainResult{}, err
	}
	cursor, err := w.cur.LastUID(w.cfg.Mailbox, uv)
	if err != nil {
		return drainResult{}, fmt.Errorf("read cursor: %w", err)
	}
	from := w.searchFrom(cursor)
	uids, err := w.poll(s, from)
	if err != nil || len(uids) == 0 {
		return drainResult{}, err
	}
	w.cfg.Logger.Debug().Int("new", len(uids)).Uint32("after_uid", from).Msg("messages to handle")
	p := &pass{w: w, ctx: ctx, s: s, uv: uv, cursor: cursor}
	defer p.finish()
	err = p.run(uids)
	return p.res, err
}

// forgetOnNewValidity drops what the watcher remembers as done when the
// mailbox's UIDVALIDITY is not the one it was remembered under.
func (w *Watcher) forgetOnNewValidity(uv uint32) {
	if uv == w.memValidity && w.memDone != nil {
		return
	}
	if w.memDone != nil {
		w.cfg.Logger.Warn().Uint32("old", w.memValidity).Uint32("new", uv).
			Msg("UIDVALIDITY changed: every message is offered again; the handler deduplicates")
	}
	w.memValidity, w.memDone, w.pendingMark = uv, map[uint32]struct{}{}, nil
}

// searchFrom is the UID the search starts above: the cursor, or 0 when a
// full pass is due. A full pass offers everything still in the mailbox that
// is not known done; the Handler answers at once for what it has.
func (w *Watcher) searchFrom(cursor uint32) uint32 {
	if w.cfg.ReconcileEvery > 0 && w.cfg.Now().Sub(w.reconciled) >= w.cfg.ReconcileEvery {
		w.cfg.Logger.Debug().Uint32("cursor", cursor).Msg("reconcile: searching the whole mailbox")
		w.reconciled = w.cfg.Now()
		return 0
	}
	return cursor
}

// poll searches for the UIDs above from and reports the poll.
func (w *Watcher) poll(s *imapSession, from uint32) ([]imap.UID, error) {
	start := time.Now()
	uids, err := w.searchAbove(s, from)
	if err != nil {
		return nil, err
	}
	w.notePoll()
	if w.cfg.OnPoll != nil {
		w.cfg.OnPoll(time.Since(start))
	}
	return uids, nil
}

// pass is one drain over the UIDs a search found.
//
// Up to Workers fetched messages are handled at once, each on its own
// goroutine, while the next ones are fetched. They are retired (marked done,
// counted, the cursor moved) strictly in UID order, so the cursor never
// passes a message that is not done.
//
// The cursor only narrows the next search. One left behind by a crash makes
// that search start lower, and what it finds again is done: moved out of the
// mailbox, carrying the done keyword, or recognised by the Handler. So it is
// written every cursorEvery messages and when the pass ends, not after each
// message (a commit, with its disk sync).
type pass struct {
	w   *Watcher
	ctx context.Context
	s   *imapSession
	uv  uint32
	res drainResult

	window []*inFlight // launched, not yet retired, in UID order

	cursor     uint32 // as last saved
	unsaved    uint32 // where the cursor goes at the next save; 0: nowhere
	sinceSaved int    // messages advanced over since the last save
	blocked    bool   // a message left behind keeps the cursor from passing it
}

// inFlight is a message handed to the Handler and not yet retired.
type inFlight struct {
	f    Fetched
	log  zerolog.Logger
	err  error
	done chan struct{}
}

// run offers the messages batch by batch, then retires the last of them and
// saves the cursor.
func (p *pass) run(uids []imap.UID) error {
	for batch := range slices.Chunk(uids, metaBatch) {
		if stop, err := p.batch(batch); stop || err != nil {
			return err
		}
	}
	if err := p.flush(); err != nil {
		return err
	}
	return p.saveCursor()
}

// batch fetches the metadata of one batch and offers its messages in order.
// stop is true when the pass ends here.
func (p *pass) batch(batch []imap.UID) (stop bool, err error) {
	var need []imap.UID
	for _, uid := range batch {
		if _, ok := p.w.memDone[uint32(uid)]; !ok {
			need = append(need, uid)
		}
	}
	metas, err := p.w.fetchMeta(p.s, need)
	if err != nil {
		return true, err
	}
	for _, uid := range batch {
		if stop, err := p.offer(uid, metas[uid]); stop || err != nil {
			return true, err
		}
	}
	return false, nil
}

// offer decides what becomes of one message: skipped (known done, too old,
// carrying the done keyword), left behind (vanished, claimed elsewhere), or
// fetched and launched. A closed gate stops the pass.
func (p *pass) offer(uid imap.UID, m *msgMeta) (stop bool, err error) {
	if err := p.ctx.Err(); err != nil {
		return true, err
	}
	w, u := p.w, uint32(uid)
	if _, ok := w.memDone[u]; ok {
		return false, p.skip(u)
	}
	log := w.cfg.Logger.With().Uint32("uid", u).Uint32("uidvalidity", p.uv).Logger()
	switch {
	case m == nil:
		// Gone (expunged by someone) or a glitch: the cursor stays below
		// it; the next search shows which.
		log.Warn().Msg("message vanished before it could be fetched")
		w.noteVanished(log, uid)
		return false, p.holdBack()
	case !w.cfg.Since.IsZero() && !m.date.IsZero() && m.date.Before(w.cfg.Since):
		log.Debug().Time("internal_date", m.date).Msg("older than the configured start; ignored")
		return false, p.skip(u)
	case hasFlag(m.flags, imap.Flag(w.cfg.DoneKeyword)):
		log.Debug().Msg("already carries the done keyword; skipped")
		w.memDone[u] = struct{}{}
		return false, p.skip(u)
	}
	if open, err := p.gate(log); !open {
		return true, err
	}
	if owned, err := p.claim(log, m); err != nil || !owned {
		return err != nil, err
	}
	f, found, err := p.fetch(uid, m, log)
	if err != nil {
		return true, err
	}
	if !found {
		return false, p.holdBack()
	}
	return false, p.launch(f, log)
}

// gate asks the intake gate for this message. A closed gate ends the pass:
// this message and the rest wait in the mailbox, what was launched is
// retired and the cursor saved.
func (p *pass) gate(log zerolog.Logger) (open bool, err error) {
	if p.w.cfg.Gate == nil {
		return true, nil
	}
	gerr := p.w.cfg.Gate(p.ctx)
	if gerr == nil {
		return true, nil
	}
	if p.ctx.Err() != nil {
		return false, p.ctx.Err()
	}
	log.Info().Err(gerr).Msg("intake gate: this message and the rest wait in the mailbox")
	p.res.gated = true
	if err := p.flush(); err != nil {
		return false, err
	}
	return false, p.saveCursor()
}

// claim claims the message for this consumer. A message left to another
// consumer, or gone, is held back: the cursor stays below it until it is
// moved or marked done.
func (p *pass) claim(log zerolog.Logger, m *msgMeta) (owned bool, err error) {
	v, err := p.w.claim(p.s, log, m)
	if err != nil {
		return false, err
	}
	if v == claimOwned {
		return true, nil
	}
	if v == claimWait {
		p.res.contended++
	}
	return false, p.holdBack()
}

// fetch fetches what the Handler gets of a claimed message: all of it, or
// only the header of one too large. found is false when the message
// vanished meanwhile.
func (p *pass) fetch(uid imap.UID, m *msgMeta, log zerolog.Logger) (f Fetched, found bool, err error) {
	w := p.w
	f = Fetched{Mailbox: w.cfg.Mailbox, UIDValidity: p.uv, UID: uint32(uid), InternalDate: m.date, Size: m.size}
	if m.size > w.cfg.MaxMessageSize {
		log.Info().Int64("size", m.size).Int64("max", w.cfg.MaxMessageSize).Msg("message too large; only its header is fetched")
		head, found, err := w.fetchHeader(p.s, uid)
		if err != nil {
			return f, false, err
		}
		if found && int64(len(head)) <= maxHeaderSize {
			f.Header = head
		}
		return f, true, nil
	}
	raw, found, err := w.fetchBody(p.s, uid, m.size)
	if err != nil || !found {
		if err == nil {
			log.Warn().Msg("message vanished before its body could be fetched")
			w.noteVanished(log, uid)
		}
		return f, false, err
	}
	if int64(len(raw)) > w.cfg.MaxMessageSize {
		log.Warn().Int64("rfc822_size", m.size).Msg("body larger than RFC822.SIZE said; handled as too large")
		f.Size = int64(len(raw))
	} else {
		f.Raw = raw
	}
	return f, true, nil
}

// launch hands f to the Handler on a goroutine of its own, after retiring
// the oldest messages while the window is full.
func (p *pass) launch(f Fetched, log zerolog.Logger) error {
	for len(p.window) >= p.w.cfg.Workers {
		if err := p.retire(); err != nil {
			return err
		}
	}
	m := &inFlight{f: f, log: log, done: make(chan struct{})}
	p.window = append(p.window, m)
	go func() {
		defer close(m.done)
		m.err = p.w.callHandler(p.ctx, m.f)
	}()
	return nil
}

// retire waits for the oldest message in flight, then marks it done and
// moves the cursor over it, or, when its Handler failed, leaves it in the
// mailbox and the cursor below it.
func (p *pass) retire() error {
	m := p.window[0]
	<-m.done
	p.window = p.window[1:]
	p.res.offered++
	if m.err != nil {
		p.res.failed++
		p.blocked = true
		// The Handler logged the cause where it handled it.
		m.log.Warn().Err(m.err).Msg("handler failed; message left in the mailbox for a retry")
		return nil
	}
	// Mark first, then move the cursor: after a crash in between the
	// message is offered again (the Handler dedups) rather than left
	// unmarked forever.
	p.w.memDone[m.f.UID] = struct{}{}
	p.res.done++
	if err := p.w.markDone(p.s, m.log, m.f.UID); err != nil {
		return err
	}
	return p.advance(m.f.UID)
}

// flush retires everything launched so far, in order.
func (p *pass) flush() error {
	for len(p.window) > 0 {
		if err := p.retire(); err != nil {
			return err
		}
	}
	return nil
}

// skip moves the cursor over a message that needs no handling, after the
// messages before it are done.
func (p *pass) skip(uid uint32) error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.advance(uid)
}

// holdBack leaves a message behind: the messages before it are retired and
// the cursor moves no further in this pass.
func (p *pass) holdBack() error {
	if err := p.flush(); err != nil {
		return err
	}
	p.blocked = true
	return nil
}

// advance moves the cursor over uid, saving it every cursorEvery messages.
// A reconcile pass below the cursor never moves it back.
func (p *pass) advance(uid uint32) error {
	if p.blocked || uid <= max(p.cursor, p.unsaved) {
		return nil
	}
	p.unsaved = uid
	if p.sinceSaved++; p.sinceSaved >= cursorEvery {
		return p.saveCursor()
	}
	return nil
}

// saveCursor writes the cursor where advance moved it.
func (p *pass) saveCursor() error {
	if p.unsaved == 0 {
		return nil
	}
	if err := p.w.cur.SetLastUID(p.w.cfg.Mailbox, p.uv, p.unsaved); err != nil {
		return fmt.Errorf("write cursor: %w", err)
	}
	p.cursor, p.unsaved, p.sinceSaved = p.unsaved, 0, 0
	return nil
}

// finish ends the pass however it ended. When it ended early (a broken
// connection, a cancel) the handlers running finish, and what they stored
// is remembered as done, to be marked by the next session, never handed
// over again. Then the cursor is saved as far as it got.
func (p *pass) finish() {
	for _, m := range p.window {
		<-m.done
		if m.err == nil {
			p.w.memDone[m.f.UID] = struct{}{}
			p.w.pendingMark = append(p.w.pendingMark, m.f.UID)
		}
	}
	p.window = nil
	if err := p.saveCursor(); err != nil {
		p.w.cfg.Logger.Warn().Err(err).Msg("cursor not saved; the next pass searches from the previous one")
	}
}
