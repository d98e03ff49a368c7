package reply

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaohe/annotate"
	"kaohe/assess"
	"kaohe/internal/display"
	"kaohe/templates"
	"kaohe/validate"
)

// AttachmentKind is what the caller found an attachment to be.
type AttachmentKind string

const (
	AttachXLSX     AttachmentKind = "xlsx"      // a workbook that was checked: Report is set
	AttachLegacy   AttachmentKind = "legacy"    // .xls, .et and other formats to save as .xlsx
	AttachArchive  AttachmentKind = "archive"   // .zip, .rar, .7z
	AttachOther    AttachmentKind = "other"     // not a spreadsheet
	AttachTooLarge AttachmentKind = "too-large" // over the size limit, not read
)

// Attachment is the outcome of one attachment of the incoming mail.
type Attachment struct {
	Filename string
	Kind     AttachmentKind
	// Report is the check of a workbook (Kind AttachXLSX); nil otherwise.
	Report *assess.Report
	// Data is the workbook as received, for the annotated copy; may be nil.
	Data []byte
	// Recommend is the check of a 推荐表 (Kind AttachRecommend); nil
	// otherwise.
	Recommend *Recommendation
}

// Incoming is what a receipt answers.
type Incoming struct {
	MessageID  string   // the original Message-ID, with or without brackets; "" when none
	References []string // the original References IDs
	InReplyTo  []string // the original In-Reply-To IDs
	RawSHA256  string   // hex hash of the raw message: the key when there is no Message-ID
	Subject    string   // decoded
	FromAddr   string   // the sender as in From
	FromName   string
	// To is the one recipient of the reply: the roster's registered address
	// when the agency is known, else the sender. ToName is shown beside it.
	To, ToName  string
	ReceivedAt  time.Time // the server's receipt time (INTERNALDATE)
	OnTime      bool
	Cutoff      time.Time
	Agency      string // the roster's name of the agency; "" when unknown
	Attachments []Attachment
	// Text is the body as mailparse extracted it (plain text, or HTML turned
	// into text). The receipt says whether it held words staff will read
	// (SenderWords); it never quotes them back.
	Text string
}

// ComposeOptions are the office's settings for composing mail.
type ComposeOptions struct {
	From     string // the office mailbox
	FromName string // e.g. 北京办事处组织机构部
	Contact  string // 联系人、电话, one line
	// Now is the Date of the mail: pass the stored processing time, so that
	// composing again yields identical bytes.
	Now         time.Time
	MsgIDDomain string
	// Templates overrides the built-in wording by file name (see
	// TemplateNames); nil uses the built-in templates.
	Templates fs.FS
	// Form names the fields and indicators; nil loads the form of each
	// report's year.
	Form *templates.Form
	// Annotate writes the annotated copy of a checked form; nil is
	// Annotate in this process. The daemon passes its sandbox's, so that
	// values from an agency's file are written only in a limited worker.
	Annotate func(rep *assess.Report, form *templates.Form) ([]byte, error)
	// Season is the campaign year staff mail names in its subject, so that
	// mail of two seasons is not taken for one; 0 names none.
	Season int
}

// seasonPrefix begins the subject of a staff mail: "2022年度", or "".
func (o ComposeOptions) seasonPrefix() string {
	if o.Season == 0 {
		return ""
	}
	return fmt.Sprintf("%d年度", o.Season)
}

// Compose builds the receipt for an incoming mail: what arrived and when,
// whether it was on time, the check of every workbook with its findings,
// what to do next, and the annotated workbooks as attachments.
func Compose(in Incoming, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	key := receiptKey(in)
	if key == "" {
		return Mail{}, errors.New("compose: incoming mail has neither Message-ID nor hash")
	}
	msgID := MessageID(KindReceipt, key, opts.MsgIDDomain)
	view, atts, warnings := receiptView(in, opts)
	textName, htmlName := tmplReceiptText, tmplReceiptHTML
	if len(view.Recommends) > 0 {
		// One receipt answers the mail: with a 推荐表 in it, the receipt
		// of the 推荐表, which covers the 考核表 it also held.
		textName, htmlName = tmplRecommendText, tmplRecommendHTML
	}
	r := renderer{override: opts.Templates}
	text, err := r.text(textName, view)
	if err != nil {
		return Mail{}, err
	}
	html, err := r.html(htmlName, view)
	if err != nil {
		return Mail{}, err
	}
	irt, refs := threadIDs(in.MessageID, in.References, in.InReplyTo)
	subj := display.Clean(in.Subject, maxSubjectRunes)
	if subj == "" {
		subj = "考核表"
		if len(view.Recommends) > 0 {
			subj = "推荐表"
		}
	}
	subject := "回执：" + subj
	if len(view.Recommends) > 0 {
		subject = recommendSubject(subj, len(view.Forms) > 0)
	}
	m, err := build(envelope{
		kind: KindReceipt, msgID: msgID,
		from: opts.From, fromName: opts.FromName,
		to: in.To, toName: firstNonEmpty(in.Agency, in.ToName),
		subject: subject, date: opts.Now,
		inReplyTo: irt, references: refs, autoReply: true,
	}, text, html, atts)
	if err != nil {
		return Mail{}, fmt.Errorf("compose receipt: %w", err)
	}
	m.Warnings = warnings
	return m, nil
}

// cleaned returns the options with the office's name and contact line on
// one line each, so no setting can add a line to a mail.
func (o ComposeOptions) cleaned() ComposeOptions {
	o.FromName = display.Clean(o.FromName, maxNameRunes)
	o.Contact = display.Clean(o.Contact, display.MaxTextRunes)
	return o
}

// receiptKey identifies the incoming mail as the store does: by its
// Message-ID and the hash of its bytes together, since two different mails
// can carry the same Message-ID and each deserves its own receipt.
func receiptKey(in Incoming) string {
	id := normMsgID(in.MessageID)
	hash := strings.ToLower(in.RawSHA256)
	switch {
	case id != "" && hash != "":
		return id + "|sha256:" + hash
	case id != "":
		return id
	case hash != "":
		return "sha256:" + hash
	}
	return ""
}

func receiptView(in Incoming, opts ComposeOptions) (ReceiptView, []attachment, []string) {
	v := ReceiptView{
		Greeting:   display.Clean(firstNonEmpty(in.Agency, in.ToName, in.FromName, in.FromAddr), maxNameRunes),
		Subject:    display.Untrusted(in.Subject, maxSubjectRunes),
		Received:   cnTime(in.ReceivedAt),
		Cutoff:     cnDeadline(in.Cutoff),
		OnTime:     in.OnTime,
		Words:      SenderWords(in.Text, in.FromName, in.ToName, in.Agency) != "",
		Contact:    opts.Contact,
		Office:     opts.FromName,
		OfficeAddr: opts.From,
	}
	var atts []attachment
	var warnings []string
	wantBlank := false
	// Beside a 推荐表, a workbook holding neither form is one more file (a
	// list of 事迹, say), not a 考核表 that could not be read.
	recommending := slices.ContainsFunc(in.Attachments, func(a Attachment) bool { return a.Kind == AttachRecommend && a.Recommend != nil })
	for i, a := range in.Attachments {
		name := cleanFilename(a.Filename, fmt.Sprintf("附件%d", i+1))
		fv := FileView{Name: display.Defang(name)}
		if recommending && a.Kind == AttachXLSX && hasFinding(a.Report, validate.CodeFormNotFound) {
			a.Kind = AttachOther
		}
		switch a.Kind {
		case AttachRecommend:
			if a.Recommend == nil {
				fv.Note = notAForm
				break
			}
			rv, copyAtt := recommendView(len(v.Forms)+len(v.Recommends)+1, name, a.Recommend)
			if copyAtt != nil {
				atts = append(atts, *copyAtt)
				v.Annotated = true
			}
			if len(v.Recommends) == 0 {
				v.RecCutoff, v.RecOnTime = "", a.Recommend.OnTime
				if !a.Recommend.Cutoff.IsZero() {
					v.RecCutoff = cnDeadline(a.Recommend.Cutoff)
				}
			}
			v.RecWarnings += rv.Warnings
			fv.Note = recommendNote(rv.Index)
			v.Recommends = append(v.Recommends, rv)
		case AttachXLSX, AttachLegacy, AttachArchive, AttachTooLarge:
			form := formFor(a.Report, opts.Form)
			fm := formView(len(v.Forms)+len(v.Recommends)+1, name, a, form)
			// A form without errors or warnings has nothing to mark: no
			// annotated copy goes back.
			if a.Report != nil && a.Report.Submission != nil && len(a.Data) > 0 && needsMarking(a.Report) {
				annotateCopy := opts.Annotate
				if annotateCopy == nil {
					annotateCopy = annotate.Copy
				}
				out, err := annotateCopy(a.Report, form)
				if err != nil {
					warnings = append(warnings, fmt.Sprintf("annotate %s: %v", name, err))
				} else {
					fm.Annotated = annotatedName(name)
					atts = append(atts, attachment{name: fm.Annotated, contentType: xlsxType, data: out})
					v.Annotated = true
				}
			}
			fv.Note = fmt.Sprintf("已核对，结果见下文【%d】。", fm.Index)
			if fm.Unreadable {
				fv.Note = fmt.Sprintf("无法读取，原因见下文【%d】。", fm.Index)
			}
			if a.Kind == AttachLegacy || hasFinding(a.Report, validate.CodeLegacyFormat) {
				v.Legacy = true
			}
			// The wrong form, or none at all: the right blank form helps.
			if hasFinding(a.Report, validate.CodeFormNotFound) || hasFinding(a.Report, validate.CodeWrongYear) {
				wantBlank = true
			}
			if !fm.Unreadable {
				v.Warnings += fm.Warnings
			}
			v.Forms = append(v.Forms, fm)
		default:
			fv.Note = notAForm
		}
		v.Files = append(v.Files, fv)
	}
	readable, passed := 0, 0
	for _, f := range v.Forms {
		if !f.Unreadable {
			readable++
			if f.Accepted {
				passed++
			}
		}
	}
	var st ReceiptStatus
	switch {
	case readable > 0 && passed == readable:
		st = ReceiptAccepted
	case readable > 0:
		st = ReceiptNeedsFix
	case len(v.Forms) > 0:
		st = ReceiptUnreadable
	default:
		st = ReceiptNoForm
		wantBlank = true
	}
	v.Status, v.StatusLabel = string(st), st.Label(in.OnTime)
	v.AllPassed = st == ReceiptAccepted
	v.NeedsFix = !v.AllPassed
	v.NoForm = readable == 0
	if len(v.Recommends) > 0 {
		for i := range v.Files {
			if v.Files[i].Note == notAForm {
				v.Files[i].Note = "不是考核表或推荐表，未处理。"
			}
		}
		rst, label := recommendStatus(v.Recommends, v.RecOnTime)
		v.RecStatus, v.RecStatusLabel = string(rst), label
		// A 推荐表 is what was sent: no blank 考核表.
		wantBlank = false
	}
	if wantBlank {
		if blank, name, err := blankForm(opts.Form); err != nil {
			warnings = append(warnings, fmt.Sprintf("blank form: %v", err))
		} else if blank != nil {
			v.BlankForm = name
			atts = append(atts, attachment{name: name, contentType: xlsxType, data: blank})
		}
	}
	return v, atts, warnings
}

// notAForm is the attachment list's note on a file that held no form.
const notAForm = "不是考核表，未处理。"

// blankForm is the blank form to attach and its file name; nil when the
// options name no form.
func blankForm(form *templates.Form) ([]byte, string, error) {
	if form == nil {
		return nil, "", nil
	}
	var b bytes.Buffer
	if err := templates.WriteBlank(form, &b); err != nil {
		return nil, "", err
	}
	return b.Bytes(), cleanFilename(form.Title+".xlsx", "考核表.xlsx"), nil
}

func hasFinding(rep *assess.Report, code validate.Code) bool {
	return rep != nil && slices.ContainsFunc(rep.Findings, func(f validate.Finding) bool { return f.Code == code })
}

// saveAsSteps are the steps from .xls or .et to .xlsx, as validate words
// them for the files it reads.
const saveAsSteps = `请用 Excel 或 WPS 打开该文件，点击"文件"→"另存为"，保存类型选择"Excel 工作簿(*.xlsx)"，再把新保存的 .xlsx 文件作为附件发送。`

// needsMarking reports whether a report has something to highlight.
func needsMarking(rep *assess.Report) bool {
	errs, warns := rep.Counts()
	return errs+warns > 0
}

func formFor(rep *assess.Report, form *templates.Form) *templates.Form {
	if form != nil || rep == nil {
		return form
	}
	if y, err := strconv.Atoi(rep.Form); err == nil {
		if f, err := templates.Load(y); err == nil {
			return f
		}
	}
	return nil
}

func annotatedName(name string) string {
	base := name
	if dot := strings.LastIndexByte(base, '.'); dot > 0 {
		base = base[:dot]
	}
	return base + "（核对结果）.xlsx"
}

func formView(index int, file string, a Attachment, form *templates.Form) FormView {
	fv := FormView{Index: index, File: display.Defang(file), Status: assess.StatusUnreadable.Label(), Unreadable: true, Errors: 1}
	rep := a.Report
	if rep == nil {
		switch a.Kind {
		case AttachLegacy:
			fv.Reason = "这是旧版格式（如 Excel 97-2003 的 .xls、WPS 的 .et），系统只能读取 .xlsx。" + saveAsSteps
		case AttachArchive:
			fv.Reason = "这是压缩包，系统不解压。请直接把考核表（.xlsx 文件）作为附件发送。"
		case AttachTooLarge:
			fv.Reason = "文件过大，系统没有读取。请确认附件是填好的考核表（.xlsx），删除其中的图片等大内容后再发送。"
		default:
			fv.Reason = "请确认它是用 Excel 或 WPS 保存的考核表（.xlsx）。"
		}
		return fv
	}
	fv.Status = rep.Status.Label()
	fv.Accepted = rep.Status == assess.StatusAccepted
	fv.Unreadable = rep.Status == assess.StatusUnreadable
	fv.Unit = display.Untrusted(rep.Unit, maxNameRunes)
	fv.SelfTotal = num(rep.SelfTotal)
	fv.VerifiedTotal = num(rep.VerifiedTotal)
	if form != nil {
		fv.TotalCap = num(form.TotalCap)
	}
	fv.Errors, fv.Warnings = rep.Counts()
	fv.Infos = max(0, len(rep.Findings)-fv.Errors-fv.Warnings)
	var guide []string
	for _, g := range []struct {
		n    int
		text string
	}{{fv.Errors, "错误必须改正"}, {fv.Warnings, "提醒请核实"}, {fv.Infos, "说明只是告诉您系统如何读取，不需要处理"}} {
		if g.n > 0 {
			guide = append(guide, g.text)
		}
	}
	if len(guide) > 0 {
		fv.Guide = strings.Join(guide, "，") + "。"
	}
	if fv.Unreadable {
		// One reason, in words: the table of cells has nothing to show.
		var reasons []string
		for _, f := range rep.Findings {
			if f.Severity == validate.SeverityError {
				reasons = append(reasons, display.Untrusted(display.StripCellPrefix(f.Message, f.Cell), display.MaxTextRunes))
			}
		}
		fv.Reason = strings.Join(reasons, " ")
		if fv.Reason == "" {
			fv.Reason = "请确认它是用 Excel 或 WPS 保存的考核表（.xlsx）。"
		}
		return fv
	}
	inds := map[string]assess.IndicatorResult{}
	for _, ir := range rep.Indicators {
		inds[ir.ID] = ir
	}
	findings := slices.Clone(rep.Findings)
	slices.SortStableFunc(findings, func(a, b validate.Finding) int { return a.Severity.Rank() - b.Severity.Rank() })
	for _, f := range findings {
		row := RowView{
			Severity: f.Severity.Label(),
			Level:    string(f.Severity),
			Item:     display.ItemLabel(f, form),
			Cell:     display.Clean(f.Cell, 16),
			Message:  display.Untrusted(display.StripCellPrefix(f.Message, f.Cell), display.MaxTextRunes),
		}
		if f.Cell != "" && f.Sheet != "" && rep.Submission != nil && f.Sheet != rep.Submission.Sheet {
			row.Cell = display.Clean(f.Sheet, 31) + "!" + row.Cell
		}
		if ir, ok := inds[f.Indicator]; ok && f.Indicator != "" {
			row.Self = "空"
			if ir.Self != nil {
				row.Self = num(*ir.Self)
			}
			row.Cap = num(ir.Cap)
			row.Verified = num(ir.Verified)
		}
		fv.Rows = append(fv.Rows, row)
	}
	return fv
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
