package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/ingest"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/validate"
)

// process decides everything about one message. It is pure but for the
// rate check's read of the store, and it is repeatable: the same message
// yields the same result and the same reply bytes.
func (p *Pipeline) process(ctx context.Context, rec store.Message, parsed *ingest.Parsed, m ingest.Fetched) (store.Result, error) {
	res := store.Result{MessageID: rec.ID, OnTime: p.onTime(m.InternalDate)}
	if parsed == nil {
		res.Outcome = store.OutcomeUnparseable
		return res, nil
	}
	sender := strings.ToLower(strings.TrimSpace(parsed.From.Addr))
	agency, known := p.cfg.Roster.BySender(sender)
	if known {
		res.Agency = agency.Name
	}

	var atts []reply.Attachment
	for _, a := range parsed.Attachments {
		ar, ra, err := p.checkAttachment(a, sender, m)
		if err != nil {
			return res, err
		}
		res.Attachments = append(res.Attachments, ar)
		atts = append(atts, ra)
		if !known && ar.Agency != "" && res.Agency == "" {
			res.Agency = ar.Agency
		}
	}
	forms := 0
	for _, a := range res.Attachments {
		if a.Report != nil {
			forms++
		}
	}
	switch {
	case forms > 0:
		res.Outcome = store.OutcomeProcessed
	default:
		res.Outcome = store.OutcomeNoForm
	}
	if res.Agency == "" {
		res.Outcome = store.OutcomeUnknownSender
	}

	if err := p.answer(ctx, &res, rec, parsed, m, atts); err != nil {
		return res, err
	}
	return res, nil
}

// answer decides whether and to whom the message is answered, and queues
// the receipt in res. It may change res.Outcome to automated or
// rate_limited.
func (p *Pipeline) answer(ctx context.Context, res *store.Result, rec store.Message, parsed *ingest.Parsed, m ingest.Fetched, atts []reply.Attachment) error {
	sender := strings.ToLower(strings.TrimSpace(parsed.From.Addr))
	_, known := p.cfg.Roster.BySender(sender)
	answer, why := reply.Classify(reply.Header(parsed.Header), parsed.From.Addr, returnPath(parsed), p.cfg.Own, p.cfg.Compose.MsgIDDomain)
	if !answer {
		p.cfg.Log.Info().Str("reason", why).Int64("msg", rec.ID).Msg("automated mail: no reply")
		res.Outcome = store.OutcomeAutomated
		return nil
	}

	// A reply goes to the agency's registered address, never to an address
	// the mail itself names: a forged sender cannot have results sent to it.
	to, toName := "", ""
	registered, isRegistered := p.cfg.Roster.ByUnit(res.Agency)
	switch {
	case known:
		to, toName = sender, parsed.From.Name
	case isRegistered && len(registered.Emails) > 0:
		to, toName = registered.Emails[0], registered.Name
	case p.cfg.ReplyUnknownSenders:
		to, toName = sender, parsed.From.Name
	default:
		return nil
	}
	if p.cfg.RepliesPerSenderPerHour > 0 {
		// Checked here so that a capped reply is not composed, and again
		// by the store when the result is saved (ReplyCap), where messages
		// handled at once cannot together pass it.
		since := p.cfg.Now().Add(-time.Hour)
		n, err := p.store.QueuedCountSince(ctx, to, since)
		if err != nil {
			return err
		}
		if n >= p.cfg.RepliesPerSenderPerHour {
			res.Outcome = store.OutcomeRateLimited
			return nil
		}
		res.ReplyCap = store.ReplyCap{Max: p.cfg.RepliesPerSenderPerHour, Since: since}
	}
	in := reply.Incoming{
		MessageID: parsed.MessageID, References: parsed.References, InReplyTo: splitIDs(parsed.InReplyTo),
		RawSHA256: rec.Hash, Subject: parsed.Subject, FromAddr: parsed.From.Addr, FromName: parsed.From.Name,
		To: to, ToName: toName, ReceivedAt: m.InternalDate, OnTime: res.OnTime, Cutoff: p.cfg.Cutoff,
		Agency: res.Agency, Attachments: atts,
	}
	opts := p.cfg.Compose
	opts.Now = p.cfg.Now()
	var mail reply.Mail
	var err error
	if res.Agency == "" {
		mail, err = reply.ComposeUnknownSender(in, opts)
	} else {
		mail, err = reply.Compose(in, opts)
	}
	if err != nil {
		return err
	}
	for _, w := range mail.Warnings {
		p.cfg.Log.Warn().Int64("msg", rec.ID).Str("warning", w).Msg("reply composed with a gap")
	}
	res.Outbox = append(res.Outbox, store.OutgoingMail{MessageID: mail.MessageID, Kind: store.KindReply,
		To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID})
	return nil
}

// checkAttachment checks one attachment when it can hold a form.
func (p *Pipeline) checkAttachment(a ingest.Attachment, sender string, m ingest.Fetched) (store.AttachmentResult, reply.Attachment, error) {
	sum := sha256.Sum256(a.Data)
	ar := store.AttachmentResult{Filename: a.Filename, Kind: string(a.Kind), Size: int64(len(a.Data)), Hash: hex.EncodeToString(sum[:]), Note: a.Path}
	ra := reply.Attachment{Filename: a.Filename, Kind: reply.AttachOther}
	switch a.Kind {
	case ingest.KindXLSX, ingest.KindLegacy, ingest.KindEncrypted:
	case ingest.KindArchive:
		ra.Kind = reply.AttachArchive
		return ar, ra, nil
	default:
		return ar, ra, nil
	}
	var resolved roster.Agency
	var readErr error
	rep := assess.Check(a.Data, assess.Options{
		Validate: validate.Options{Form: p.cfg.Form, Filename: a.Filename, ReceivedAt: m.InternalDate, Cutoff: p.cfg.Cutoff,
			MaxFileSize: p.cfg.MaxFileSize, MaxUnzipSize: p.cfg.MaxUnzipSize},
		Reader: func(data []byte, o validate.Options) (*validate.Submission, []validate.Finding) {
			sub, fs, err := p.cfg.Reader(data, o)
			readErr = err
			return sub, fs
		},
		Resolve: func(unit string) assess.Agency {
			ag, known, mismatch := p.cfg.Roster.Resolve(sender, unit)
			if !known {
				return assess.Agency{}
			}
			resolved = ag
			return assess.Agency{Name: ag.Name, Type: ag.Type, Known: true, Mismatch: mismatch}
		},
	})
	if readErr != nil {
		return ar, ra, fmt.Errorf("read %s: %w", a.Filename, readErr)
	}
	ar.Report, ar.Agency = rep, resolved.Name
	ra.Report, ra.Data, ra.Kind = rep, a.Data, reply.AttachXLSX
	if hasCode(rep, validate.CodeLegacyFormat) {
		ra.Kind = reply.AttachLegacy
	}
	return ar, ra, nil
}

func hasCode(rep *assess.Report, c validate.Code) bool {
	for _, f := range rep.Findings {
		if f.Code == c {
			return true
		}
	}
	return false
}

func returnPath(p *ingest.Parsed) string {
	if v, ok := p.Header["Return-Path"]; ok && len(v) > 0 {
		return v[0]
	}
	return p.ReturnPath
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
