package reply

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/internal/display"
	"kaohe/internal/mailaddr"
)

// UnknownSenderSubject is the fixed subject of the reply to a sender who
// is not on the roster.
const UnknownSenderSubject = "回执：您的邮件已收到"

// ComposeUnknownSender is the short reply to a sender who is not on the
// roster: the mail was received and passed to staff, no automatic check.
// The caller decides whether such replies are sent at all (only to a
// sender whose domain our server authenticated).
//
// The reply quotes nothing of the incoming mail, neither its subject nor
// its body nor the sender's display name: a forged From must not make the
// office's mailbox relay a stranger's words to a third party. It carries
// no attachment.
func ComposeUnknownSender(in Incoming, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	key := receiptKey(in)
	if key == "" {
		return Mail{}, errors.New("compose: incoming mail has neither Message-ID nor hash")
	}
	// Greeting and Subject stay in the view, fixed, so that a template
	// override written for an older version still renders.
	view := struct {
		Greeting, Received, Subject, Contact, Office, OfficeAddr string
	}{
		Greeting: "您好", Received: cnTime(in.ReceivedAt), Subject: "您的来信",
		Contact: opts.Contact, Office: opts.FromName, OfficeAddr: opts.From,
	}
	irt, refs := threadIDs(in.MessageID, in.References, in.InReplyTo)
	return composeSimple(envelope{
		kind: KindUnknownSender, msgID: MessageID(KindUnknownSender, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: in.To,
		subject: UnknownSenderSubject, date: opts.Now, inReplyTo: irt, references: refs, autoReply: true,
	}, tmplUnknownText, view, nil, opts)
}

// ForeignNotice tells an agency that a form naming it came from an address
// the roster does not register for it, and was not filed (名册外来件).
type ForeignNotice struct {
	Agency     string    // the roster's name of the agency
	To         string    // one of the agency's registered addresses
	Sender     string    // the address the form came from
	ReceivedAt time.Time // the server's receipt time
	// Form is what the mail held: "考核表" (also when empty), "推荐表", or
	// "考核表和推荐表".
	Form string
}

// ForeignNoticeSubject is the fixed subject of a ForeignNotice.
const ForeignNoticeSubject = "提示：有一份填写贵单位名称的考核表来自未登记的邮箱，未予登记"

// ComposeForeignNotice composes the notice to one registered address of
// the agency. key makes the Message-ID (e.g. "foreign|<hash>|agency|addr").
// It carries no attachment and quotes nothing of the mail but the sender's
// address (links defanged), which the agency needs to recognise it.
func ComposeForeignNotice(n ForeignNotice, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	form := n.Form
	if form == "" {
		form = "考核表"
	}
	view := struct {
		Agency, Received, Sender, Registered, Contact, Office, Form string
	}{
		Agency: display.Clean(n.Agency, maxNameRunes), Received: cnTime(n.ReceivedAt), Sender: display.Untrusted(n.Sender, maxNameRunes),
		Registered: n.To, Contact: opts.Contact, Office: opts.FromName, Form: display.Clean(form, 16),
	}
	return composeSimple(envelope{
		kind: KindForeignNotice, msgID: MessageID(KindForeignNotice, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: n.To, toName: n.Agency,
		subject: strings.Replace(ForeignNoticeSubject, "考核表", view.Form, 1), date: opts.Now,
	}, tmplForeignText, view, nil, opts)
}

// ComposeQuarantined is the receipt of a message the system could not
// check, however often it tried: it proves when the mail arrived and
// whether that was on time, and says that staff will look at it by hand.
// The caller decides whom it goes to (in.To), as for a receipt.
func ComposeQuarantined(in Incoming, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	key := receiptKey(in)
	if key == "" {
		return Mail{}, errors.New("compose: incoming mail has neither Message-ID nor hash")
	}
	subj := display.Clean(in.Subject, maxSubjectRunes)
	if subj == "" {
		subj = "考核表"
	}
	view := struct {
		Greeting, Received, Cutoff, Subject, Contact, Office string
		OnTime                                               bool
	}{
		Greeting: display.Clean(firstNonEmpty(in.Agency, in.ToName, in.FromName, in.FromAddr), maxNameRunes),
		Received: cnTime(in.ReceivedAt), Cutoff: cnDeadline(in.Cutoff), Subject: display.Untrusted(firstNonEmpty(in.Subject, "（无主题）"), maxSubjectRunes),
		Contact: opts.Contact, Office: opts.FromName, OnTime: in.OnTime,
	}
	irt, refs := threadIDs(in.MessageID, in.References, in.InReplyTo)
	return composeSimple(envelope{
		kind: KindQuarantined, msgID: MessageID(KindQuarantined, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: in.To, toName: in.ToName,
		subject: "回执：" + subj + "（已转人工核对）", date: opts.Now, inReplyTo: irt, references: refs, autoReply: true,
	}, tmplHeldText, view, nil, opts)
}

// StaffEventKind says what a staff notice line is about.
type StaffEventKind string

const (
	EventLate          StaffEventKind = "late"           // received after the cut-off
	EventUnknownSender StaffEventKind = "unknown_sender" // not on the roster
	EventUnreadable    StaffEventKind = "unreadable"     // no form could be read
	EventReplyFailed   StaffEventKind = "reply_failed"   // a reply could not be delivered
	EventNoReply       StaffEventKind = "no_reply"       // MayAutoReply refused an automatic reply
	EventForeign       StaffEventKind = "foreign"        // a form naming an agency from an address not registered for it (名册外来件)
	EventNoSender      StaffEventKind = "no_sender"      // no usable From address: nobody can be answered
	EventWords         StaffEventKind = "words"          // an agency wrote a question or note in its mail
	EventDuplicate     StaffEventKind = "duplicate"      // a person proposed by more than one agency (duplicate_person)
	EventOther         StaffEventKind = "other"
)

// Label is the kind in Chinese, as the notice groups it.
func (k StaffEventKind) Label() string {
	switch k {
	case EventLate:
		return "逾期提交"
	case EventUnknownSender:
		return "名册外发件人"
	case EventUnreadable:
		return "无法读取的文件"
	case EventReplyFailed:
		return "回执发送失败"
	case EventNoReply:
		return "未自动回复的邮件"
	case EventForeign:
		return "名册外来件（未登记为该单位的报送，请核实后处理）"
	case EventNoSender:
		return "没有有效发件地址的邮件（无法回复）"
	case EventWords:
		return "来信中的问题或说明（请阅读，需要的请答复）"
	case EventDuplicate:
		return "重复推荐的人员（同一姓名和出生年月由多个代办处推荐，请核实）"
	}
	return "其他事项"
}

// StaffEvent is one line of a staff notice.
type StaffEvent struct {
	Kind    StaffEventKind
	At      time.Time
	Agency  string
	Sender  string
	Subject string
	File    string
	Detail  string // e.g. the SMTP error or the classifier's reason
	// Words is what the sender wrote beyond greetings and signature
	// (SenderWords), quoted to staff; "" for none.
	Words string
	// Archive is where the raw mail is kept, relative to the data folder
	// (archive/aa/<sha256>.eml), for staff to open it by hand; "" for none.
	Archive string
}

// Recipient is one addressee of a staff mail. Addr may be written as the
// configuration writes it, "王明 <wangming@example.org>": composing reads
// the name out of it.
type Recipient struct {
	Addr, Name string
}

// ParseRecipient reads an address as the configuration writes it, bare
// ("wangming@example.org") or with a name ("王明 <wangming@example.org>"),
// with the parser composing uses.
func ParseRecipient(s string) (Recipient, error) {
	a, err := mailaddr.Parse(s)
	if err != nil {
		return Recipient{}, err
	}
	return Recipient{Addr: a.Address, Name: a.Name}, nil
}

// parsed is r with Addr reduced to the bare address; an explicit Name wins
// over the one written in Addr.
func (r Recipient) parsed() (Recipient, error) {
	p, err := ParseRecipient(r.Addr)
	if err != nil {
		return r, err
	}
	if r.Name != "" {
		p.Name = r.Name
	}
	return p, nil
}

// ComposeStaffNotice is the batched notice to staff: questions and notes
// agencies wrote, late submissions, unknown senders, unreadable files,
// failed replies, grouped by kind, questions first. key
// makes the Message-ID (e.g. "notice|2022-01-05T10:00"), the same key
// giving the same Message-ID.
func ComposeStaffNotice(events []StaffEvent, to Recipient, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	if len(events) == 0 {
		return Mail{}, errors.New("compose staff notice: no events")
	}
	to, err := to.parsed()
	if err != nil {
		return Mail{}, fmt.Errorf("compose %s: to: %w", KindStaffNotice, err)
	}
	type group struct {
		Label string
		Lines []noticeLine
	}
	order := []StaffEventKind{EventWords, EventLate, EventDuplicate, EventForeign, EventUnknownSender, EventNoSender, EventUnreadable, EventReplyFailed, EventNoReply, EventOther}
	var groups []group
	for _, k := range order {
		g := group{Label: k.Label()}
		for _, e := range events {
			ek := e.Kind
			if !slices.Contains(order, ek) {
				ek = EventOther
			}
			if ek == k {
				g.Lines = append(g.Lines, staffLine(e))
			}
		}
		if len(g.Lines) > 0 {
			groups = append(groups, g)
		}
	}
	view := struct {
		Count  int
		Groups []group
		Office string
	}{len(events), groups, opts.FromName}
	return composeSimple(envelope{
		kind: KindStaffNotice, msgID: MessageID(KindStaffNotice, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: to.Addr, toName: to.Name,
		subject: fmt.Sprintf("%s考核表收取情况提示（%d 项）", opts.seasonPrefix(), len(events)), date: opts.Now,
	}, tmplNoticeText, view, nil, opts)
}

// noticeLine is one event of a staff notice: what happened, and the
// sender's own words quoted on a line of their own.
type noticeLine struct {
	Head  string
	Words string
}

// String is the line as one string, for a template override written when
// lines were strings.
func (l noticeLine) String() string {
	if l.Words == "" {
		return l.Head
	}
	return l.Head + "，来信原文：「" + l.Words + "」"
}

func staffLine(e StaffEvent) noticeLine {
	parts := []string{cnTime(e.At)}
	for _, s := range []string{e.Agency, e.Sender} {
		if s = display.Untrusted(s, maxNameRunes); s != "" {
			parts = append(parts, s)
		}
	}
	if s := display.Untrusted(e.Subject, maxSubjectRunes); s != "" {
		parts = append(parts, "主题《"+s+"》")
	}
	detail := display.Untrusted(e.Detail, display.MaxTextRunes)
	// An unreadable file's reason names the file already.
	if s := display.Defang(cleanFilename(e.File, "")); s != "" && !strings.Contains(detail, s) {
		parts = append(parts, "附件 "+s)
	}
	if detail != "" {
		if e.Kind == EventReplyFailed {
			// Often the mail server's own English words: quoted as such.
			detail = "失败原因（系统记录的原文）：「" + detail + "」"
		}
		parts = append(parts, detail)
	}
	if s := display.Clean(e.Archive, display.MaxTextRunes); s != "" {
		parts = append(parts, "原始邮件存于数据目录下的 "+s)
	}
	return noticeLine{Head: strings.Join(parts, "，"), Words: display.Untrusted(e.Words, MaxWordsRunes)}
}

// Reminder is a polite reminder to an agency that has not submitted.
type Reminder struct {
	Agency    string
	To        string // the roster address
	DaysLeft  int
	Cutoff    time.Time
	BlankForm []byte // the blank 考核表, attached when not nil
	FormName  string // its file name, e.g. 2021年度职工互助保障工作代办处考核表.xlsx
}

// ComposeReminder reminds an agency of the deadline, with the blank form
// attached. key makes the Message-ID (e.g. "reminder|agency|2022-01-03").
func ComposeReminder(r Reminder, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	view := struct {
		Agency, Cutoff, Contact, Office, OfficeAddr, FormName string
		DaysLeft                                              int
		Attached                                              bool
	}{
		Agency: display.Clean(r.Agency, maxNameRunes), Cutoff: cnDeadline(r.Cutoff), Contact: opts.Contact,
		Office: opts.FromName, OfficeAddr: opts.From, FormName: cleanFilename(r.FormName, "考核表.xlsx"),
		DaysLeft: r.DaysLeft, Attached: len(r.BlankForm) > 0,
	}
	var atts []attachment
	if view.Attached {
		atts = append(atts, attachment{name: view.FormName, contentType: xlsxType, data: r.BlankForm})
	}
	return composeSimple(envelope{
		kind: KindReminder, msgID: MessageID(KindReminder, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: r.To, toName: r.Agency,
		subject: "提醒：请按时报送考核表", date: opts.Now,
	}, tmplReminderText, view, atts, opts)
}

// Consolidated is the staff mail carrying the 汇总 workbook.
type Consolidated struct {
	To       Recipient
	Summary  []string // lines such as "已提交 85 家，其中逾期 3 家"
	Workbook []byte
	Filename string // e.g. 考核汇总-2022-01-06.xlsx
}

// ComposeConsolidated sends the consolidated workbook to staff. key makes
// the Message-ID (e.g. "summary|2022-01-06").
func ComposeConsolidated(c Consolidated, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	to, err := c.To.parsed()
	if err != nil {
		return Mail{}, fmt.Errorf("compose %s: to: %w", KindConsolidated, err)
	}
	name := cleanFilename(c.Filename, "考核汇总.xlsx")
	view := struct {
		Summary  []string
		Filename string
		Office   string
		Date     string
	}{Filename: name, Office: opts.FromName, Date: cnTime(opts.Now)}
	for _, s := range c.Summary {
		view.Summary = append(view.Summary, display.Clean(s, display.MaxTextRunes))
	}
	var atts []attachment
	if len(c.Workbook) > 0 {
		atts = append(atts, attachment{name: name, contentType: xlsxType, data: c.Workbook})
	}
	return composeSimple(envelope{
		kind: KindConsolidated, msgID: MessageID(KindConsolidated, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: to.Addr, toName: to.Name,
		subject: opts.seasonPrefix() + "考核表汇总（" + cnTime(opts.Now) + "）", date: opts.Now,
	}, tmplSummaryText, view, atts, opts)
}

// composeSimple renders a text template, its HTML twin when one exists
// (name with .html.tmpl), else the text wrapped in plain HTML.
func composeSimple(e envelope, textName string, view any, atts []attachment, opts ComposeOptions) (Mail, error) {
	r := renderer{override: opts.Templates}
	text, err := r.text(textName, view)
	if err != nil {
		return Mail{}, err
	}
	htmlName := strings.TrimSuffix(textName, ".txt.tmpl") + ".html.tmpl"
	var html string
	if _, serr := r.source(htmlName); serr == nil {
		html, err = r.html(htmlName, view)
	} else {
		html, err = r.plainHTML(e.subject, text)
	}
	if err != nil {
		return Mail{}, err
	}
	m, err := build(e, text, html, atts)
	if err != nil {
		return Mail{}, fmt.Errorf("compose %s: %w", e.kind, err)
	}
	return m, nil
}
