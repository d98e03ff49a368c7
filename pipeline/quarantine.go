package pipeline

import (
	"context"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/store"
)

// heldReceipt composes the receipt of a message about to be quarantined:
// it proves when the mail arrived and whether on time, and says staff will
// look at it. It goes where a receipt would (the sender when on the
// roster, else only when unknown senders are answered), never to an
// automated sender, and not past the sender's hourly cap. Without a
// usable sender there is none: the message is quarantined all the same.
func (p *Pipeline) heldReceipt(ctx context.Context, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched, log zerolog.Logger) (out []store.OutgoingMail) {
	defer func() {
		// The message is here because it made something panic; its
		// receipt must not keep it from being quarantined.
		if r := recover(); r != nil {
			p.cfg.Metrics.Panic()
			log.Error().Interface("panic", r).Msg("the receipt of the quarantined message could not be composed")
			out = nil
		}
	}()
	if parsed == nil {
		return nil
	}
	sender := strings.ToLower(strings.TrimSpace(parsed.From.Addr))
	if sender == "" {
		return nil
	}
	if ok, why := reply.MayAutoReply(reply.Header(parsed.Header), parsed.From.Addr, returnPath(parsed), p.cfg.Own, p.cfg.Compose.MsgIDDomain); !ok {
		log.Info().Str("reason", why).Msg("automated mail: its quarantine gets no receipt")
		return nil
	}
	agency, known := p.cfg.Roster.BySender(sender)
	if !known {
		// The receipt proves an agency's form arrived on time. A stranger
		// gets none: it would echo an unauthenticated subject from the
		// office's address. Staff see the message all the same.
		log.Info().Msg("sender not on the roster: its quarantine gets no receipt")
		return nil
	}
	kind := store.KindReply
	if p.cfg.RepliesPerSenderPerHour > 0 {
		n, err := p.store.QueuedCountSince(ctx, sender, p.cfg.Now().Add(-time.Hour))
		if err != nil || n >= p.cfg.RepliesPerSenderPerHour {
			log.Warn().Err(err).Int("queued", n).Msg("the sender has had its replies for now: its quarantine gets no receipt")
			return nil
		}
	}
	in := reply.Incoming{
		MessageID: parsed.MessageID, References: parsed.References, InReplyTo: splitIDs(parsed.InReplyTo),
		RawSHA256: rec.Hash, Subject: parsed.Subject, FromAddr: parsed.From.Addr, FromName: parsed.From.Name,
		To: sender, ToName: parsed.From.Name, ReceivedAt: m.InternalDate, OnTime: p.onTime(m.InternalDate),
		Cutoff: p.cfg.Cutoff, Agency: agency.Name,
	}
	opts := p.cfg.Compose
	opts.Now = p.cfg.Now()
	mail, err := reply.ComposeQuarantined(in, opts)
	if err != nil {
		log.Warn().Err(err).Msg("the receipt of the quarantined message could not be composed; staff are told all the same")
		return nil
	}
	return []store.OutgoingMail{{MessageID: mail.MessageID, Kind: kind, To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID}}
}

// firstLine keeps an error's first line: a recovered panic's stack is for
// the log, not for the record staff read.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
