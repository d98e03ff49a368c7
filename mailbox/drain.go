package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/rs/zerolog"
)

// metaBatch is how many UIDs one metadata FETCH asks for.
const metaBatch = 100

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

// msgMeta is the metadata of one message, merged by UID because servers may
// split a message's FETCH data over several responses.
type msgMeta struct {
	uid      imap.UID
	size     int64
	date     time.Time
	flags    []imap.Flag
	modseq   uint64 // with CONDSTORE
	haveSize bool
}

// drain searches the mailbox for UIDs above the cursor and handles each new
// message once, in ascending UID order. Network errors end the pass (the
// caller reconnects); Handler errors are logged and the pass moves on.
func (w *Watcher) drain(ctx context.Context, s *imapSession) (drainResult, error) {
	var res drainResult
	uv := s.sel.UIDValidity
	if uv != w.memValidity || w.memDone == nil {
		if w.memDone != nil {
			w.cfg.Logger.Warn().Uint32("old", w.memValidity).Uint32("new", uv).
				Msg("UIDVALIDITY changed: every message is offered again; the handler deduplicates")
		}
		w.memValidity, w.memDone, w.pendingMark = uv, map[uint32]struct{}{}, nil
	}
	if err := w.retryPendingMarks(s); err != nil {
		return res, err
	}
	last, err := w.cur.LastUID(w.cfg.Mailbox, uv)
	if err != nil {
		return res, fmt.Errorf("read cursor: %w", err)
	}
	cursor := last
	if w.cfg.ReconcileEvery > 0 && w.cfg.Now().Sub(w.reconciled) >= w.cfg.ReconcileEvery {
		// A full pass: everything still in the mailbox that is not known
		// done is offered; the Handler answers at once for what it has.
		w.cfg.Logger.Debug().Uint32("cursor", last).Msg("reconcile: searching the whole mailbox")
		w.reconciled, last = w.cfg.Now(), 0
	}
	searchStart := time.Now()
	uids, err := w.searchAbove(s, last)
	if err != nil {
		return res, err
	}
	w.notePoll()
	if w.cfg.OnPoll != nil {
		w.cfg.OnPoll(time.Since(searchStart))
	}
	if len(uids) == 0 {
		return res, nil
	}
	w.cfg.Logger.Debug().Int("new", len(uids)).Uint32("after_uid", last).Msg("messages to handle")

	blocked := false // a failure below keeps the cursor from moving past it
	// The cursor only narrows the next search. One left behind by a crash
	// makes that search start lower, and what it finds again is done: moved
	// out of the mailbox, carrying the done keyword, or recognised by the
	// Handler. So it is written every cursorEvery messages and when the
	// pass ends, not after each message (a commit, with its disk sync).
	unsaved, sinceSaved := uint32(0), 0
	saveCursor := func() error {
		if unsaved == 0 {
			return nil
		}
		if err := w.cur.SetLastUID(w.cfg.Mailbox, uv, unsaved); err != nil {
			return fmt.Errorf("write cursor: %w", err)
		}
		cursor, unsaved, sinceSaved = unsaved, 0, 0
		return nil
	}
	defer func() {
		if err := saveCursor(); err != nil {
			w.cfg.Logger.Warn().Err(err).Msg("cursor not saved; the next pass searches from the previous one")
		}
	}()
	advance := func(uid uint32) error {
		if blocked || uid <= max(cursor, unsaved) {
			return nil // a reconcile pass below the cursor never moves it back
		}
		unsaved = uid
		if sinceSaved++; sinceSaved >= cursorEvery {
			return saveCursor()
		}
		return nil
	}
	// Up to Workers fetched messages are handled at once, each on its own
	// goroutine, while the next ones are fetched. They are retired (marked
	// done, counted, the cursor moved) strictly in UID order, so the cursor
	// never passes a message that is not done.
	type fetched struct {
		f    Fetched
		log  zerolog.Logger
		err  error
		done chan struct{}
	}
	var window []*fetched // launched, not yet retired, in UID order
	defer func() {
		// The pass ends early (a broken connection, a cancel): the handlers
		// running finish, and what they stored is remembered as done, to be
		// marked by the next session, never handed over again.
		for _, p := range window {
			<-p.done
			if p.err == nil {
				w.memDone[p.f.UID] = struct{}{}
				w.pendingMark = append(w.pendingMark, p.f.UID)
			}
		}
	}()
	retire := func() error {
		p := window[0]
		<-p.done
		window = window[1:]
		res.offered++
		if p.err != nil {
			res.failed++
			blocked = true
			// The Handler logged the cause where it handled it.
			p.log.Warn().Err(p.err).Msg("handler failed; message left in the mailbox for a retry")
			return nil
		}
		// Mark first, then move the cursor: after a crash in between the
		// message is offered again (the Handler dedups) rather than left
		// unmarked forever.
		w.memDone[p.f.UID] = struct{}{}
		res.done++
		if err := w.markDone(s, p.log, p.f.UID); err != nil {
			return err
		}
		return advance(p.f.UID)
	}
	launch := func(f Fetched, log zerolog.Logger) error {
		for len(window) >= w.cfg.Workers {
			if err := retire(); err != nil {
				return err
			}
		}
		p := &fetched{f: f, log: log, done: make(chan struct{})}
		window = append(window, p)
		go func() {
			defer close(p.done)
			p.err = w.callHandler(ctx, p.f)
		}()
		return nil
	}
	// flush retires everything launched so far, in order.
	flush := func() error {
		for len(window) > 0 {
			if err := retire(); err != nil {
				return err
			}
		}
		return nil
	}
	// skip moves the cursor over a message that needs no handling, after
	// the messages before it are done.
	skip := func(u uint32) error {
		if err := flush(); err != nil {
			return err
		}
		return advance(u)
	}
	for batch := range slices.Chunk(uids, metaBatch) {
		var need []imap.UID
		for _, uid := range batch {
			if _, ok := w.memDone[uint32(uid)]; !ok {
				need = append(need, uid)
			}
		}
		metas, err := w.fetchMeta(s, need)
		if err != nil {
			return res, err
		}
		for _, uid := range batch {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			u := uint32(uid)
			if _, ok := w.memDone[u]; ok {
				if err := skip(u); err != nil {
					return res, err
				}
				continue
			}
			m := metas[uid]
			log := w.cfg.Logger.With().Uint32("uid", u).Uint32("uidvalidity", uv).Logger()
			if m == nil {
				// Gone (expunged by someone) or a glitch: the cursor stays
				// below it; the next search shows which.
				log.Warn().Msg("message vanished before it could be fetched")
				w.noteVanished(log, uid)
				if err := flush(); err != nil {
					return res, err
				}
				blocked = true
				continue
			}
			if !w.cfg.Since.IsZero() && !m.date.IsZero() && m.date.Before(w.cfg.Since) {
				log.Debug().Time("internal_date", m.date).Msg("older than the configured start; ignored")
				if err := skip(u); err != nil {
					return res, err
				}
				continue
			}
			if hasFlag(m.flags, imap.Flag(w.cfg.DoneKeyword)) {
				log.Debug().Msg("already carries the done keyword; skipped")
				w.memDone[u] = struct{}{}
				if err := skip(u); err != nil {
					return res, err
				}
				continue
			}
			if w.cfg.Gate != nil {
				if err := w.cfg.Gate(ctx); err != nil {
					if ctx.Err() != nil {
						return res, ctx.Err()
					}
					log.Info().Err(err).Msg("intake gate: this message and the rest wait in the mailbox")
					res.gated = true
					if err := flush(); err != nil {
						return res, err
					}
					return res, saveCursor()
				}
			}
			if v, err := w.claim(s, log, m); err != nil {
				return res, err
			} else if v != claimOwned {
				// Left to another consumer, or gone: the cursor stays
				// below it until it is moved or marked done.
				if v == claimWait {
					res.contended++
				}
				if err := flush(); err != nil {
					return res, err
				}
				blocked = true
				continue
			}
			f := Fetched{Mailbox: w.cfg.Mailbox, UIDValidity: uv, UID: u, InternalDate: m.date, Size: m.size}
			if m.size <= w.cfg.MaxMessageSize {
				raw, found, err := w.fetchBody(s, uid, m.size)
				if err != nil {
					return res, err
				}
				if !found {
					log.Warn().Msg("message vanished before its body could be fetched")
					w.noteVanished(log, uid)
					if err := flush(); err != nil {
						return res, err
					}
					blocked = true
					continue
				}
				if int64(len(raw)) > w.cfg.MaxMessageSize {
					log.Warn().Int64("rfc822_size", m.size).Msg("body larger than RFC822.SIZE said; handled as too large")
					f.Size = int64(len(raw))
				} else {
					f.Raw = raw
				}
			} else {
				log.Info().Int64("size", m.size).Int64("max", w.cfg.MaxMessageSize).Msg("message too large; only its header is fetched")
				head, found, err := w.fetchHeader(s, uid)
				if err != nil {
					return res, err
				}
				if found && int64(len(head)) <= maxHeaderSize {
					f.Header = head
				}
			}
			if err := launch(f, log); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, saveCursor()
}

// cursorEvery is how many retired messages may go before the cursor is
// written.
const cursorEvery = 50

// callHandler runs the Handler, turning a panic into an error.
func (w *Watcher) callHandler(ctx context.Context, f Fetched) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return w.h(ctx, f)
}

// searchAbove returns the UIDs above last in ascending order. The set
// "last+1:*" always matches the highest message even when last+1 is above
// it (RFC 3501 §6.4.8), so the results are filtered.
func (w *Watcher) searchAbove(s *imapSession, last uint32) ([]imap.UID, error) {
	if last == ^uint32(0) {
		return nil, nil
	}
	var data *imap.SearchData
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}}}}
	err := s.do("uid search", w.cfg.CommandTimeout, func() error {
		var err error
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []imap.UID
	for _, uid := range data.AllUIDs() {
		if uint32(uid) > last {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// fetchMeta fetches UID, FLAGS, RFC822.SIZE and INTERNALDATE of uids,
// streaming the responses.
func (w *Watcher) fetchMeta(s *imapSession, uids []imap.UID) (map[imap.UID]*msgMeta, error) {
	metas := make(map[imap.UID]*msgMeta, len(uids))
	if len(uids) == 0 {
		return metas, nil
	}
	opts := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true, ModSeq: s.condstore}
	err := s.do("uid fetch meta", w.cfg.CommandTimeout, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uids...), opts)
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var m msgMeta
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					m.uid = it.UID
				case imapclient.FetchItemDataRFC822Size:
					m.size, m.haveSize = it.Size, true
				case imapclient.FetchItemDataInternalDate:
					m.date = it.Time
				case imapclient.FetchItemDataFlags:
					m.flags = it.Flags
				case imapclient.FetchItemDataModSeq:
					m.modseq = it.ModSeq
				}
			}
			if m.uid == 0 {
				continue
			}
			prev := metas[m.uid]
			if prev == nil {
				prev = &msgMeta{uid: m.uid}
				metas[m.uid] = prev
			}
			if m.haveSize {
				prev.size, prev.haveSize = m.size, true
			}
			if !m.date.IsZero() {
				prev.date = m.date
			}
			if m.flags != nil {
				prev.flags = m.flags
			}
			if m.modseq != 0 {
				prev.modseq = m.modseq
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	for uid, m := range metas {
		if !m.haveSize {
			// Without a size we cannot bound the fetch; treat it as vanished
			// for this pass.
			delete(metas, uid)
		}
	}
	return metas, nil
}

// fetchBody fetches BODY.PEEK[] of one message (so \Seen is untouched),
// reading at most MaxMessageSize+1 bytes. found is false when the server
// returned no body (the message was expunged meanwhile).
func (w *Watcher) fetchBody(s *imapSession, uid imap.UID, size int64) (raw []byte, found bool, err error) {
	return w.fetchSection(s, uid, size, &imap.FetchItemBodySection{Peek: true}, w.cfg.MaxMessageSize)
}

// maxHeaderSize bounds the header fetched of a message too large to fetch.
const maxHeaderSize = 256 << 10

// fetchHeader fetches only the header of a message (BODY.PEEK[HEADER]), so
// that a message too large to fetch can still be answered.
func (w *Watcher) fetchHeader(s *imapSession, uid imap.UID) (raw []byte, found bool, err error) {
	return w.fetchSection(s, uid, maxHeaderSize, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}, maxHeaderSize)
}

func (w *Watcher) fetchSection(s *imapSession, uid imap.UID, size int64, section *imap.FetchItemBodySection, limit int64) (raw []byte, found bool, err error) {
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}
	err = s.do("uid fetch body", bodyDeadline(w.cfg.CommandTimeout, size), func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uid), opts)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var got imap.UID
			var body []byte
			var have bool
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					got = it.UID
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil {
						continue
					}
					b, err := io.ReadAll(io.LimitReader(it.Literal, limit+1))
					if err != nil {
						// The connection broke inside the literal. Abandon
						// the command without Close: draining the failed
						// literal would race with the client's reader
						// goroutine (go-imap beta.8). The session is dead.
						s.c.Close()
						return fmt.Errorf("read body: %w", err)
					}
					if n := int64(len(b)); n < it.Literal.Size() && n <= limit {
						// io.EOF from a dropped connection ends the literal
						// early without an error: same treatment.
						s.c.Close()
						return fmt.Errorf("read body: got %d of %d bytes: %w", n, it.Literal.Size(), io.ErrUnexpectedEOF)
					}
					body, have = b, true
				}
			}
			// The UID may come after the literal; accept it in any position.
			if have && (got == uid || got == 0) {
				raw, found = body, true
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, false, err
	}
	return raw, found, nil
}

// markDone records on the server that uid is processed:
//   - MOVE to the Done mailbox when the server has MOVE;
//   - else with UIDPLUS: UID COPY (checked), UID STORE +FLAGS \Deleted and
//     UID EXPUNGE of exactly that UID;
//   - else nothing is expunged: the DoneKeyword (or \Seen when the mailbox
//     takes no custom keywords) is set and the cursor remembers it.
//
// go-imap's Move is never called without MOVE: its fallback sends an
// unscoped EXPUNGE. A server refusal (NO/BAD) is logged and the UID is kept
// for a later retry; a network error is returned.
func (w *Watcher) markDone(s *imapSession, log zerolog.Logger, uid uint32) error {
	err := w.markOne(s, uid)
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		log.Error().Err(err).Str("done", w.cfg.Done).Msg("could not mark the message done; will retry")
		w.pendingMark = append(w.pendingMark, uid)
		return nil
	}
	if err != nil {
		w.pendingMark = append(w.pendingMark, uid)
		return err
	}
	log.Debug().Msg("marked done")
	return nil
}

func (w *Watcher) markOne(s *imapSession, uid uint32) error {
	set := imap.UIDSetNum(imap.UID(uid))
	t := w.cfg.CommandTimeout
	switch {
	case s.hasMove():
		return s.do("uid move", t, func() error { _, err := s.c.Move(set, w.cfg.Done).Wait(); return err })
	case s.hasUIDPlus():
		if err := s.do("uid copy", t, func() error { _, err := s.c.Copy(set, w.cfg.Done).Wait(); return err }); err != nil {
			return err
		}
		if err := s.do("uid store deleted", t, func() error {
			return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
		}); err != nil {
			return err
		}
		return s.do("uid expunge", t, func() error { return s.c.UIDExpunge(set).Close() })
	default:
		flag := imap.FlagSeen
		if s.keywords {
			flag = imap.Flag(w.cfg.DoneKeyword)
		}
		return s.do("uid store done flag", t, func() error {
			return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag}}, nil).Close()
		})
	}
}

// retryPendingMarks retries marking messages whose Handler succeeded but
// whose mark-done step failed earlier in this UIDVALIDITY.
func (w *Watcher) retryPendingMarks(s *imapSession) error {
	pending := w.pendingMark
	w.pendingMark = nil
	for i, uid := range pending {
		err := w.markOne(s, uid)
		var ierr *imap.Error
		switch {
		case errors.As(err, &ierr):
			w.cfg.Logger.Warn().Err(err).Uint32("uid", uid).Msg("still cannot mark the message done")
			w.pendingMark = append(w.pendingMark, uid)
		case err != nil:
			w.pendingMark = append(w.pendingMark, pending[i:]...)
			return err
		}
	}
	return nil
}

// hasFlag reports whether flags holds f; flags and keywords are
// case-insensitive (servers may lower-case keywords).
func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, g := range flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}
