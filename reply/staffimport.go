package reply

import (
	"fmt"
	"time"

	"kaohe/internal/display"
)

// Kinds of the mail about staff workbooks mailed back.
const (
	KindStaffImport         = "import"       // the 导入 reply to the staff member who sent a workbook
	KindStaffWorkbookNotice = "wb-untrusted" // staff told of a workbook that was not imported
)

// StaffImportReply answers a staff member who mailed back a workbook
// (审核汇总表, 考核结果表): what was imported, or why nothing was.
type StaffImportReply struct {
	To, ToName string
	Title      string    // the workbook's name, e.g. 审核汇总表
	ReceivedAt time.Time // the server's receipt time
	// MessageID, References and InReplyTo of the staff member's mail, for
	// threading.
	MessageID  string
	References []string
	InReplyTo  []string

	Imported bool
	Summary  []string // what the import changed, when Imported
	Refused  []string // the refused cells, each with its reason
	// Problem refuses the workbook as a whole (its token), when not
	// Imported and Refused is empty.
	Problem string
	// OthersTold says other staff were sent the notice of this refusal.
	OthersTold bool
	// Others counts further staff workbooks of the mail, not read.
	Others int
	// Next says what follows an import, and Latest where staff get the
	// copy to fill in: the kinds of workbook differ (a results workbook
	// comes from kaohe results -o, not the summary mail). Empty: the
	// review workbook's wording.
	Next, Latest string
}

// The review workbook's wording of StaffImportReply.Next and Latest.
const (
	reviewNext   = "系统下次寄出的汇总表会带上这些审核结果。"
	reviewLatest = "汇总邮件的附件，或 kaohe consolidate -o 生成的文件"
)

// ComposeStaffImport composes the 导入 reply; key makes the Message-ID.
// The subject always contains 导入, so that staff can find these replies.
func ComposeStaffImport(r StaffImportReply, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	title := display.Clean(r.Title, maxNameRunes)
	view := struct {
		Received, Title, Problem, Office, Contact string
		Next, Latest                              string
		Imported, OthersTold                      bool
		Summary, Refused                          []string
		Others                                    int
	}{Received: cnTime(r.ReceivedAt), Title: title, Imported: r.Imported, OthersTold: r.OthersTold, Others: r.Others,
		Problem: display.Clean(r.Problem, display.MaxTextRunes), Office: opts.FromName, Contact: opts.Contact,
		Next: firstOr(r.Next, reviewNext), Latest: firstOr(r.Latest, reviewLatest)}
	for _, s := range r.Summary {
		view.Summary = append(view.Summary, display.Clean(s, display.MaxTextRunes))
	}
	// The cells quote what was typed into the workbook: defanged.
	for _, s := range r.Refused {
		view.Refused = append(view.Refused, display.Untrusted(s, display.MaxTextRunes))
	}
	var subject string
	switch {
	case r.Imported:
		subject = "导入完成：" + title + "已导入"
	case len(r.Refused) > 0:
		subject = fmt.Sprintf("导入未完成：%s有 %d 处问题，全部未导入", title, len(r.Refused))
	default:
		subject = "导入未完成：" + title + "未能核实，未导入"
	}
	irt, refs := threadIDs(r.MessageID, r.References, r.InReplyTo)
	return composeSimple(envelope{
		kind: KindStaffImport, msgID: MessageID(KindStaffImport, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: r.To, toName: r.ToName,
		subject: opts.seasonPrefix() + subject, date: opts.Now, inReplyTo: irt, references: refs, autoReply: true,
	}, tmplStaffImportText, view, nil, opts)
}

// StaffWorkbookNotice tells a staff member that a staff workbook arrived
// and was not imported: from an address not on the staff list, with a
// forged or missing token, or failing the receiving server's checks.
type StaffWorkbookNotice struct {
	To         Recipient
	Title      string // the workbook's name, e.g. 审核汇总表
	Sender     string // the From address, "" when it had none
	FromStaff  bool   // the From address is a staff address
	Replied    bool   // the sender was answered with what to do (a staff address with a token problem)
	ReceivedAt time.Time
	Reason     string // Chinese, why it was not imported
	Archive    string // where the raw mail is kept, relative to the data folder
}

// ComposeStaffWorkbookNotice composes the notice to one staff address. It
// quotes nothing of the mail but its sender's address (defanged): neither
// subject, nor body, nor attachment name, which a forger chooses.
func ComposeStaffWorkbookNotice(n StaffWorkbookNotice, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	to, err := n.To.parsed()
	if err != nil {
		return Mail{}, fmt.Errorf("compose %s: to: %w", KindStaffWorkbookNotice, err)
	}
	title := display.Clean(n.Title, maxNameRunes)
	view := struct {
		Received, Title, Sender, Reason, Archive, Office string
		FromStaff, Replied                               bool
	}{Received: cnTime(n.ReceivedAt), Title: title, Sender: display.Untrusted(n.Sender, maxNameRunes),
		Reason: display.Clean(n.Reason, display.MaxTextRunes), Archive: display.Clean(n.Archive, display.MaxTextRunes),
		Office: opts.FromName, FromStaff: n.FromStaff, Replied: n.Replied}
	if view.Sender == "" {
		view.Sender = "（无有效寄件地址）"
	}
	return composeSimple(envelope{
		kind: KindStaffWorkbookNotice, msgID: MessageID(KindStaffWorkbookNotice, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: to.Addr, toName: to.Name,
		subject: opts.seasonPrefix() + "提示：收到一份来源未能核实的" + title + "，未导入", date: opts.Now,
	}, tmplStaffWorkbookText, view, nil, opts)
}

// firstOr is s, or def when s is empty.
func firstOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
