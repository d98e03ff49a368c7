package mailbox

import (
	"context"
	"sort"

	"github.com/emersion/go-imap/v2"
)

// CheckReport is what Inspect learned about the mailbox, for
// `serve --check-config`.
type CheckReport struct {
	Capabilities []string
	IDSent       bool      // the server has ID and it was sent
	Idle         bool      // IDLE is used (else polling)
	MarkMode     string    // "move", "copy+uid-expunge", "keyword" or "seen"
	Claims       ClaimMode // how the daemon claims messages; ClaimOff when EXAMINE cannot tell
	DoneExists   bool      // the Done mailbox exists (it is created on first use otherwise)
	UIDValidity  uint32
	UIDNext      uint32 // 0 when the server did not report it
	Messages     uint32
}

// Inspect logs in, reads the capabilities, looks for the Done mailbox and
// examines (read-only) the watched mailbox, then logs out. It changes
// nothing on the server.
func Inspect(ctx context.Context, cfg Config) (CheckReport, error) {
	var rep CheckReport
	s, cfg, err := errandSession(ctx, cfg)
	if err != nil {
		return rep, err
	}
	defer s.close(true)
	for c := range s.caps {
		rep.Capabilities = append(rep.Capabilities, string(c))
	}
	sort.Strings(rep.Capabilities)
	rep.IDSent = s.caps.Has(imap.CapID)
	if rep.DoneExists, err = s.doneMailboxExists(); err != nil {
		return rep, err
	}
	if err := s.selectMailbox(true); err != nil {
		return rep, err
	}
	rep.UIDValidity, rep.UIDNext, rep.Messages = s.sel.UIDValidity, uint32(s.sel.UIDNext), s.sel.NumMessages
	rep.Idle = s.caps.Has(imap.CapIdle) && s.sel.UIDNext != 0
	if len(s.sel.PermanentFlags) > 0 {
		// Under EXAMINE a server may list no permanent flags at all
		// (RFC 3501 §6.3.2: the mailbox is read-only); then it is unknown.
		rep.Claims = s.claimModeWithID()
	}
	switch {
	case s.hasMove():
		rep.MarkMode = "move"
	case s.hasUIDPlus():
		rep.MarkMode = "copy+uid-expunge"
	case s.keywords:
		rep.MarkMode = "keyword"
	default:
		rep.MarkMode = "seen"
	}
	return rep, nil
}

// Check runs Inspect and logs its report through cfg.Logger; it returns
// the first problem found (configuration, connection, login, mailbox).
func Check(ctx context.Context, cfg Config) error {
	rep, err := Inspect(ctx, cfg)
	if err != nil {
		return err
	}
	cfg.Logger.Info().Strs("capabilities", rep.Capabilities).Bool("id", rep.IDSent).Bool("idle", rep.Idle).
		Str("mark_mode", rep.MarkMode).Str("claims", string(rep.Claims)).Bool("done_exists", rep.DoneExists).Uint32("uidvalidity", rep.UIDValidity).
		Uint32("uidnext", rep.UIDNext).Uint32("messages", rep.Messages).Msg("imap check passed")
	return nil
}
