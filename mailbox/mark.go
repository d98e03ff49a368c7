package mailbox

import (
	"errors"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"
)

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
