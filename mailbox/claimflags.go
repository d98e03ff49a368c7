package mailbox

import (
	"errors"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// flagState is what the server said of one message's flags.
type flagState struct {
	found  bool
	flags  []imap.Flag
	modseq uint64
}

// storeClaim adds the claim keyword, UNCHANGEDSINCE since when not zero,
// and returns the flags the server reported back. Per RFC 7162 a message
// that fails the test is not stored and, normally, not reported.
func (w *Watcher) storeClaim(s *imapSession, uid imap.UID, own imap.Flag, since uint64) (flagState, error) {
	var st flagState
	var opts *imap.StoreOptions
	if since != 0 {
		opts = &imap.StoreOptions{UnchangedSince: since}
	}
	err := s.do("uid store claim", w.cfg.CommandTimeout, func() error {
		cmd := s.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{own}}, opts)
		st = readFlagState(cmd, uid)
		return cmd.Close()
	})
	return st, err
}

// fetchFlags reads the flags (and mod-sequence) of one message.
func (w *Watcher) fetchFlags(s *imapSession, uid imap.UID) (flagState, error) {
	var st flagState
	err := s.do("uid fetch flags", w.cfg.CommandTimeout, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, Flags: true, ModSeq: s.condstore})
		st = readFlagState(cmd, uid)
		return cmd.Close()
	})
	return st, err
}

// dropFlags removes flags from one message. A refusal is logged: the
// caller's verdict stands either way.
func (w *Watcher) dropFlags(s *imapSession, uid imap.UID, flags []imap.Flag) error {
	err := s.do("uid store unclaim", w.cfg.CommandTimeout, func() error {
		return s.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: flags}, nil).Close()
	})
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		w.cfg.Logger.Warn().Err(err).Uint32("uid", uint32(uid)).Strs("flags", flagStrings(flags)).Msg("could not remove claim keywords")
		return nil
	}
	return err
}

// readFlagState merges the FETCH data of uid; data of other messages (a
// server's unsolicited flag updates) is skipped.
func readFlagState(cmd *imapclient.FetchCommand, uid imap.UID) flagState {
	var st flagState
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var got imap.UID
		var flags []imap.Flag
		var modseq uint64
		haveFlags := false // FLAGS () is a nil slice
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				got = it.UID
			case imapclient.FetchItemDataFlags:
				flags, haveFlags = it.Flags, true
			case imapclient.FetchItemDataModSeq:
				modseq = it.ModSeq
			}
		}
		if got == uid && haveFlags {
			st.found, st.flags = true, flags
			if modseq != 0 {
				st.modseq = modseq
			}
		}
	}
	return st
}

func flagStrings(flags []imap.Flag) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = string(f)
	}
	return out
}
