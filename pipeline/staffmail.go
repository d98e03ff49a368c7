package pipeline

import (
	"context"
	"errors"
	"fmt"

	"kaohe/internal/authres"
	"kaohe/internal/fault"
	"kaohe/internal/wbtoken"
	"kaohe/internal/xlsxpeek"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
)

// foundWorkbook is a staff workbook among a mail's attachments.
type foundWorkbook struct {
	att  mailparse.Attachment
	book StaffWorkbook
	pkg  *xlsxpeek.Package
}

// findStaffWorkbooks returns the attachments that are staff workbooks, by
// their sheets and labels. Only xlsx packages are looked into, and only
// through xlsxpeek.
func (p *Pipeline) findStaffWorkbooks(parsed *mailparse.Parsed) []foundWorkbook {
	if len(p.cfg.StaffWorkbooks) == 0 {
		return nil
	}
	var out []foundWorkbook
	for _, a := range parsed.Attachments {
		if a.Kind != mailparse.KindXLSX {
			continue
		}
		pkg, err := xlsxpeek.Open(a.Data)
		if err != nil {
			continue // not readable as a package: the form reader says why
		}
		for _, b := range p.cfg.StaffWorkbooks {
			if b.Recognise(pkg) {
				out = append(out, foundWorkbook{att: a, book: b, pkg: pkg})
				break
			}
		}
	}
	return out
}

// trustProblem is why a staff workbook is not imported although it may be
// well filled in: its sender or its token cannot be trusted.
type trustProblem int

const (
	trustOK       trustProblem = iota
	trustNoSender              // no usable From address
	trustNotStaff              // From is not a staff address
	trustAuthFail              // our receiving server's checks failed
	trustToken                 // no token, or one that does not verify
)

// staffVerdict is what is decided about a mail carrying a staff workbook
// before anything of the workbook is imported.
type staffVerdict struct {
	wb       foundWorkbook
	others   int    // further staff workbooks of the mail, not read
	sender   string // canonical From, "" when unusable
	problem  trustProblem
	auth     string // the failing result, e.g. "dkim=fail"
	token    wbtoken.Token
	tokenErr error
}

// judgeStaff decides whether the first staff workbook of a mail may be
// imported: a staff sender, no failing authentication, a token that
// verifies for this season and kind. The checks that need nothing of the
// workbook come first.
func (p *Pipeline) judgeStaff(parsed *mailparse.Parsed, found []foundWorkbook, key *wbtoken.Key) staffVerdict {
	v := staffVerdict{wb: found[0], others: len(found) - 1}
	sender, usable := senderAddress(parsed)
	if !usable {
		v.problem = trustNoSender
		return v
	}
	v.sender = sender
	if !p.isStaff(sender) {
		v.problem = trustNotStaff
		return v
	}
	if failed, what := authres.Failed(parsed.Header["Authentication-Results"], domainOf(sender), p.cfg.AuthServID); failed {
		v.problem, v.auth = trustAuthFail, what
		return v
	}
	v.token, v.tokenErr = key.VerifyTokens(wbtoken.ReadPackage(v.wb.pkg), p.store.Season(), v.wb.book.Kind())
	if v.tokenErr != nil {
		v.problem = trustToken
	}
	return v
}

// isStaff reports whether addr (canonical) is one of campaign.staff,
// compared as the roster compares addresses.
func (p *Pipeline) isStaff(addr string) bool {
	for _, s := range p.staff {
		if s.Addr == addr {
			return true
		}
	}
	return false
}

// reason is the problem in Chinese, for staff.
func (v staffVerdict) reason() string {
	switch v.problem {
	case trustNoSender:
		return "邮件没有有效的寄件地址。"
	case trustNotStaff:
		return "寄件地址不是登记的工作人员地址。"
	case trustAuthFail:
		return "收件服务器对寄件人的验证未通过（" + v.auth + "）。"
	case trustToken:
		return tokenReason(v.tokenErr)
	}
	return ""
}

func tokenReason(err error) string {
	switch {
	case errors.Is(err, wbtoken.ErrNoToken):
		return "表中没有系统寄出时写入的校验码：它不是系统寄出的工作簿，或内容被复制到了新建的工作簿中。"
	case errors.Is(err, wbtoken.ErrOtherSeason):
		return "表中的校验码属于另一个考核年度，这是往年的工作簿。"
	case errors.Is(err, wbtoken.ErrOtherKind):
		return "表中的校验码属于另一种工作簿。"
	}
	return "表中的校验码不对：表的校验信息被改动过，或是系统密钥（数据目录中的 " + wbtoken.KeyFile +
		"）丢失或更换之前寄出的旧表，密钥更换后此前寄出的工作簿都不能再导入。"
}

// staffMail handles a mail carrying a staff workbook: it imports the
// workbook, or refuses it and tells staff. Nothing else of the mail is
// checked. retry turns a save error that means the workbook no longer
// fits the store into a refusal to save instead.
func (p *Pipeline) staffMail(ctx context.Context, res *store.Result, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched, found []foundWorkbook) (retry func(error) (store.Result, bool), err error) {
	key, err := p.workbookKey()
	if err != nil {
		return nil, fault.Systemic(fmt.Errorf("workbook key: %w", err))
	}
	v := p.judgeStaff(parsed, found, key)
	log := p.cfg.Log.With().Int64("msg", rec.ID).Str("sender", v.sender).Str("workbook", string(v.wb.book.Kind())).Logger()
	base := reply.StaffImportReply{To: v.sender, ToName: parsed.From.Name, Title: v.wb.book.Title(), ReceivedAt: m.InternalDate,
		MessageID: parsed.MessageID, References: parsed.References, InReplyTo: splitIDs(parsed.InReplyTo), Others: v.others}
	if w, ok := v.wb.book.(ImportWording); ok {
		base.Next, base.Latest = w.ImportWording()
	}
	if v.problem != trustOK {
		res.Outcome = store.OutcomeStaffUntrusted
		log.Warn().Str("reason", v.reason()).AnErr("token", v.tokenErr).Msg("staff workbook not imported: its sender or token cannot be trusted")
		// A staff sender whose token fails is told what to do, and
		// spared the notice; a forged From reaches the real owner
		// either way.
		skip := ""
		if v.problem == trustToken {
			r := base
			r.Problem, r.OthersTold = v.reason(), len(p.staff) > 1
			if err := p.staffReply(ctx, res, rec, parsed, r); err != nil {
				return nil, err
			}
			skip = v.sender
		}
		return nil, p.untrustedNotices(ctx, res, rec, m, v, skip)
	}
	imp, err := v.wb.book.Import(ctx, v.wb.att.Data, StaffImportInput{Sender: v.sender, Filename: v.wb.att.Filename,
		Source: "邮件 " + firstNonEmpty(parsed.MessageID, rec.Hash), Token: v.token, Now: p.cfg.Now()})
	if err != nil {
		return nil, fault.Systemic(fmt.Errorf("import %s: %w", v.wb.book.Kind(), err))
	}
	refused := func(cells []string) (store.Result, error) {
		out := store.Result{MessageID: res.MessageID, OnTime: res.OnTime, Outcome: store.OutcomeStaffRefused}
		r := base
		r.Refused = cells
		err := p.staffReply(ctx, &out, rec, parsed, r)
		return out, err
	}
	if len(imp.Refused) > 0 {
		out, err := refused(imp.Refused)
		*res = out
		log.Info().Int("refused", len(imp.Refused)).Msg("staff workbook refused: nothing imported")
		return nil, err
	}
	res.Outcome = store.OutcomeStaffImported
	res.Effects = append(res.Effects, imp.Effect)
	r := base
	r.Imported, r.Summary = true, imp.Summary
	if err := p.staffReply(ctx, res, rec, parsed, r); err != nil {
		return nil, err
	}
	log.Info().Strs("summary", imp.Summary).Str("token_id", v.token.ID).Msg("staff workbook accepted: imported with the message's result")
	if imp.Conflict == nil {
		return nil, nil
	}
	return func(saveErr error) (store.Result, bool) {
		why := imp.Conflict(saveErr)
		if why == "" {
			return store.Result{}, false
		}
		out, err := refused([]string{why})
		if err != nil {
			return store.Result{}, false
		}
		log.Info().Str("conflict", why).Msg("staff workbook refused at saving: nothing imported")
		return out, true
	}, nil
}

// staffReply queues the 导入 reply to the staff member who sent the
// workbook, unless the mail is automated or the address is over its cap.
func (p *Pipeline) staffReply(ctx context.Context, res *store.Result, rec store.Message, parsed *mailparse.Parsed, r reply.StaffImportReply) error {
	// Staff are among the office's own addresses, which are never
	// answered; here the reply is the point. The other rules still hold.
	if ok, why := reply.MayAutoReply(reply.Header(parsed.Header), parsed.From.Addr, returnPath(parsed), nil, p.cfg.Compose.MsgIDDomain); !ok {
		p.cfg.Log.Info().Int64("msg", rec.ID).Str("reason", why).Msg("automated mail with a staff workbook: no reply")
		return nil
	}
	capped, err := p.overCap(ctx, res, r.To)
	if err != nil || capped {
		return err
	}
	opts := p.cfg.Compose
	opts.Now = p.cfg.Now()
	mail, err := reply.ComposeStaffImport(r, "import|"+rec.Hash, opts)
	if err != nil {
		return err
	}
	res.Outbox = append(res.Outbox, store.OutgoingMail{MessageID: mail.MessageID, Kind: store.KindReply,
		To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID})
	return nil
}

// untrustedNotices tells every staff address but skip that a staff
// workbook was not imported, and why. Each notice counts against its
// recipient's hourly cap, so that a forger cannot flood staff.
func (p *Pipeline) untrustedNotices(ctx context.Context, res *store.Result, rec store.Message, m mailbox.Fetched, v staffVerdict, skip string) error {
	for _, s := range p.staff {
		if s.Addr == skip {
			continue
		}
		capped, err := p.overCap(ctx, res, s.Addr)
		if err != nil {
			return err
		}
		if capped {
			p.cfg.Log.Warn().Int64("msg", rec.ID).Str("to", s.Addr).Msg("untrusted staff workbook notice over the recipient's hourly cap: not sent")
			continue
		}
		opts := p.cfg.Compose
		opts.Now = p.cfg.Now()
		mail, err := reply.ComposeStaffWorkbookNotice(reply.StaffWorkbookNotice{To: s, Title: v.wb.book.Title(),
			Sender: v.sender, FromStaff: v.problem != trustNotStaff && v.problem != trustNoSender, Replied: skip != "", ReceivedAt: m.InternalDate,
			Reason: v.reason(), Archive: store.ArchivedPath(rec.Hash)}, "wb-untrusted|"+rec.Hash+"|"+s.Addr, opts)
		if err != nil {
			return err
		}
		res.Outbox = append(res.Outbox, store.OutgoingMail{MessageID: mail.MessageID, Kind: store.KindStaffWorkbookNotice,
			To: mail.To, Raw: mail.Raw, RelatedMessage: rec.ID})
	}
	return nil
}

// workbookKey is Config.WorkbookKey, else the data folder's key, loaded
// once.
func (p *Pipeline) workbookKey() (*wbtoken.Key, error) {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	if p.key != nil {
		return p.key, nil
	}
	k, err := wbtoken.LoadKey(p.store.Dir())
	if err != nil {
		return nil, err
	}
	p.key = k
	return k, nil
}

// staffRecipients parses campaign.staff as composing does, keeping the
// canonical address for comparison; an entry that does not parse is left
// out (kaohe config check names it).
func staffRecipients(staff []string) []reply.Recipient {
	var out []reply.Recipient
	for _, s := range staff {
		r, err := reply.ParseRecipient(s)
		if err != nil {
			continue
		}
		if addr, ok := roster.CanonicalAddress(r.Addr); ok {
			r.Addr = addr
			out = append(out, r)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
