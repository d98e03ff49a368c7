package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/internal/authres"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/validate"
)

// process decides everything about one message. It is pure but for the
// rate check's read of the store, and it is repeatable: the same message
// yields the same result and the same reply bytes.
//
// A form counts for an agency only when it comes from an address the
// roster registered for the agency (roster.Resolve). A form naming a
// roster agency from any other address is held as 名册外来件: stored under
// no agency, the agency's registered addresses told, the sender treated as
// an unknown sender.
func (p *Pipeline) process(ctx context.Context, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched) (store.Result, func(error) (store.Result, bool), error) {
	res := store.Result{MessageID: rec.ID, OnTime: p.onTime(m.InternalDate)}
	if parsed == nil {
		res.Outcome = store.OutcomeUnparseable
		return res, nil, nil
	}
	if found := p.findStaffWorkbooks(parsed); len(found) > 0 {
		retry, err := p.staffMail(ctx, &res, rec, parsed, m, found)
		return res, retry, err
	}
	res, err := p.processForms(ctx, res, rec, parsed, m)
	return res, nil, err
}

// processForms checks the forms of a mail that carries no staff workbook.
func (p *Pipeline) processForms(ctx context.Context, res store.Result, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched) (store.Result, error) {
	sender, usable := senderAddress(parsed)
	agency, known := p.cfg.Roster.BySender(sender)
	if known {
		res.Agency = agency.Name
	}

	var atts []reply.Attachment
	var named []roster.Agency // agencies named by forms held as 名册外来件
	for _, a := range parsed.Attachments {
		ar, ra, foreign, err := p.checkAttachment(ctx, a, sender, m)
		if err != nil {
			return res, err
		}
		if foreign != nil {
			ar.Foreign = true
			if !slices.ContainsFunc(named, func(n roster.Agency) bool { return n.Name == foreign.Name }) {
				named = append(named, *foreign)
			}
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
	case !usable:
		res.Outcome = store.OutcomeNoSender
	case res.Agency == "" && len(named) > 0:
		res.Outcome = store.OutcomeForeign
	case res.Agency == "":
		res.Outcome = store.OutcomeUnknownSender
	case forms > 0:
		res.Outcome = store.OutcomeProcessed
	default:
		res.Outcome = store.OutcomeNoForm
	}
	if len(named) > 0 {
		names := make([]string, len(named))
		for i, n := range named {
			names[i] = n.Name
		}
		p.cfg.Log.Warn().Int64("msg", rec.ID).Str("sender", sender).Strs("named", names).
			Msg("form naming a roster agency from an address not registered for it: held for staff, not filed")
	}
	if !usable {
		// Nobody can be answered, and a notice to the agency could not say
		// who sent the form: staff see the message.
		return res, nil
	}
	if err := p.noticeForeign(ctx, &res, rec, m, sender, named); err != nil {
		return res, err
	}
	if err := p.answer(ctx, &res, rec, parsed, m, atts); err != nil {
		return res, err
	}
	return res, nil
}

// senderAddress is the From address in the form the roster compares, and
// whether it is one a reply could be sent to. A mail without From, with an
// empty or malformed one, has no usable sender.
func senderAddress(parsed *mailparse.Parsed) (string, bool) {
	addr, ok := roster.CanonicalAddress(parsed.From.Addr)
	if !ok {
		return "", false
	}
	if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr || strings.ContainsAny(addr, "\r\n<>,;\" \t") {
		return "", false
	}
	return addr, true
}

// noticeForeign queues, for each agency a 名册外来件 form names, a notice to
// each of its registered addresses. The notices count against the
// recipient's hourly cap like receipts do, so that a stranger sending form
// after form cannot flood an agency's mailbox: past the cap staff still
// see every such mail.
func (p *Pipeline) noticeForeign(ctx context.Context, res *store.Result, rec store.Message, m mailbox.Fetched, sender string, named []roster.Agency) error {
	for _, ag := range named {
		for _, e := range ag.Emails {
			to, ok := roster.CanonicalAddress(e)
			if !ok {
				continue
			}
			capped, err := p.overCap(ctx, res, to)
			if err != nil {
				return err
			}
			if capped {
				p.cfg.Log.Warn().Int64("msg", rec.ID).Str("agency", ag.Name).Str("to", to).Msg("foreign-form notice over the recipient's hourly cap: not sent")
				continue
			}
			opts := p.cfg.Compose
			opts.Now = p.cfg.Now()
			mail, err := reply.ComposeForeignNotice(reply.ForeignNotice{Agency: ag.Name, To: to, Sender: sender, ReceivedAt: m.InternalDate},
				"foreign|"+rec.Hash+"|"+ag.Name+"|"+to, opts)
			if err != nil {
				return err
			}
			res.Outbox = append(res.Outbox, store.OutgoingMail{MessageID: mail.MessageID, Kind: store.KindForeignNotice,
				To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID})
		}
	}
	return nil
}

// overCap reports whether mail to the address is over the hourly cap, and
// arms the store's check of the same cap in res.
func (p *Pipeline) overCap(ctx context.Context, res *store.Result, to string) (bool, error) {
	if p.cfg.RepliesPerSenderPerHour <= 0 {
		return false, nil
	}
	// Checked here so that a capped mail is not composed, and again by the
	// store when the result is saved (ReplyCap), where messages handled at
	// once cannot together pass it.
	since := p.cfg.Now().Add(-time.Hour)
	n, err := p.store.QueuedCountSince(ctx, to, since)
	if err != nil {
		return false, err
	}
	for _, o := range res.Outbox {
		if o.To == to {
			n++
		}
	}
	res.ReplyCap = store.ReplyCap{Max: p.cfg.RepliesPerSenderPerHour, Since: since}
	return n >= p.cfg.RepliesPerSenderPerHour, nil
}

// answer decides whether and to whom the message is answered, and queues
// the reply in res. It may change res.Outcome to automated or
// rate_limited, except for a 名册外来件, which staff must see as such.
//
// An agency's receipt goes to the sender, an address the roster registered
// for the agency (never to a Reply-To or another address the mail names).
// Anyone else gets at most a short note that quotes nothing of the mail,
// and only when our receiving server authenticated the From domain (SPF
// or DKIM pass, aligned): a forged From never makes the office write to a
// third party.
func (p *Pipeline) answer(ctx context.Context, res *store.Result, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched, atts []reply.Attachment) error {
	to, usable := senderAddress(parsed)
	if !usable {
		return nil
	}
	keep := res.Outcome == store.OutcomeForeign
	answer, why := reply.MayAutoReply(reply.Header(parsed.Header), parsed.From.Addr, returnPath(parsed), p.cfg.Own, p.cfg.Compose.MsgIDDomain)
	if !answer {
		p.cfg.Log.Info().Str("reason", why).Int64("msg", rec.ID).Msg("automated mail: no reply")
		if !keep {
			res.Outcome = store.OutcomeAutomated
		}
		return nil
	}
	if res.Agency == "" {
		if !p.cfg.ReplyUnknownSenders {
			return nil
		}
		v := authres.Check(parsed.Header["Authentication-Results"], domainOf(to), p.cfg.AuthServID)
		if !v.Pass {
			p.cfg.Log.Info().Int64("msg", rec.ID).Str("auth", v.Reason).Int("auth_fields", v.Trusted).Msg("unknown sender not authenticated: no reply")
			return nil
		}
	}
	capped, err := p.overCap(ctx, res, to)
	if err != nil {
		return err
	}
	if capped {
		if !keep {
			res.Outcome = store.OutcomeRateLimited
		}
		return nil
	}
	in := reply.Incoming{
		MessageID: parsed.MessageID, References: parsed.References, InReplyTo: splitIDs(parsed.InReplyTo),
		RawSHA256: rec.Hash, Subject: parsed.Subject, FromAddr: parsed.From.Addr, FromName: parsed.From.Name,
		To: to, ToName: parsed.From.Name, ReceivedAt: m.InternalDate, OnTime: res.OnTime, Cutoff: p.cfg.Cutoff,
		Agency: res.Agency, Attachments: atts, Text: parsed.Text,
	}
	opts := p.cfg.Compose
	opts.Now = p.cfg.Now()
	var mail reply.Mail
	kind := store.KindReply
	if res.Agency == "" {
		mail, err = reply.ComposeUnknownSender(in, opts)
		kind = store.KindUnknownReply
	} else {
		mail, err = reply.Compose(in, opts)
	}
	if err != nil {
		return err
	}
	for _, w := range mail.Warnings {
		p.cfg.Log.Warn().Int64("msg", rec.ID).Str("warning", w).Msg("reply composed with a gap")
	}
	res.Outbox = append(res.Outbox, store.OutgoingMail{MessageID: mail.MessageID, Kind: kind,
		To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID})
	return nil
}

// domainOf is the domain of an addr-spec.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// checkAttachment checks one attachment when it can hold a form. foreign
// is the roster agency the form names when it does not count for it (the
// sender is not registered for it); nil otherwise.
func (p *Pipeline) checkAttachment(ctx context.Context, a mailparse.Attachment, sender string, m mailbox.Fetched) (ar store.AttachmentResult, ra reply.Attachment, foreign *roster.Agency, err error) {
	sum := sha256.Sum256(a.Data)
	ar = store.AttachmentResult{Filename: a.Filename, Kind: string(a.Kind), Size: int64(len(a.Data)), Hash: hex.EncodeToString(sum[:]), Note: a.Path}
	ra = reply.Attachment{Filename: a.Filename, Kind: reply.AttachOther}
	switch a.Kind {
	case mailparse.KindXLSX, mailparse.KindLegacy, mailparse.KindEncrypted:
	case mailparse.KindArchive:
		ra.Kind = reply.AttachArchive
		return ar, ra, nil, nil
	default:
		return ar, ra, nil, nil
	}
	var resolved, named roster.Agency
	rep, err := assess.Check(ctx, a.Data, assess.Options{
		Validate: validate.Options{Form: p.cfg.Form, Filename: a.Filename, ReceivedAt: m.InternalDate, Cutoff: p.cfg.Cutoff,
			MaxFileSize: p.cfg.MaxFileSize, MaxUnzipSize: p.cfg.MaxUnzipSize},
		Reader: p.cfg.Reader,
		Resolve: func(unit string) assess.Agency {
			ag, known, mismatch := p.cfg.Roster.Resolve(sender, unit)
			if !known {
				if n, ok := p.cfg.Roster.ByUnit(unit); ok {
					// Checked as the agency it names would be (its type
					// decides the caps), but not filed under it.
					named = n
					return assess.Agency{Type: n.Type}
				}
				return assess.Agency{}
			}
			resolved = ag
			return assess.Agency{Name: ag.Name, Type: ag.Type, Known: true, Mismatch: mismatch}
		},
	})
	if err != nil {
		return ar, ra, nil, fmt.Errorf("read %s: %w", a.Filename, err)
	}
	ar.Report, ar.Agency = rep, resolved.Name
	ra.Report, ra.Data, ra.Kind = rep, a.Data, reply.AttachXLSX
	if hasCode(rep, validate.CodeLegacyFormat) {
		ra.Kind = reply.AttachLegacy
	}
	if named.Name != "" {
		foreign = &named
	}
	return ar, ra, foreign, nil
}

func hasCode(rep *assess.Report, c validate.Code) bool {
	for _, f := range rep.Findings {
		if f.Code == c {
			return true
		}
	}
	return false
}

func returnPath(p *mailparse.Parsed) string {
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
