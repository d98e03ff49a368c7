package reply

import (
	"context"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/templates"
	"kaohe/validate"
)

// statusKey is one verdict as the receipt words it: the check's outcome
// and whether the mail came in time.
type statusKey struct {
	status ReceiptStatus
	late   bool
}

// statusPhrases are sentences the receipt templates write for one verdict
// only. A receipt must say all of its own and none of another's: this is
// what keeps 下一步 from contradicting 状态.
var statusPhrases = map[statusKey][]string{
	{ReceiptAccepted, false}:   {"状态：通过", "您的考核表已按期收到，并通过了系统的自动核对。", "不需要再次发送"},
	{ReceiptNeedsFix, false}:   {"状态：需修改", "系统核对发现需要改正的地方，请按下文改正后重新发送。", `请在您的原表上改正上面列为“错误”的单元格`},
	{ReceiptUnreadable, false}: {"状态：无法读取", "系统无法读取您发来的文件，这次报送还没有完成", `请按上面“原因”中的说明处理，然后`},
	{ReceiptNoForm, false}:     {"状态：无考核表", "本邮件没有附上考核表，不算作报送。", "请把填好的考核表（Excel 工作簿 .xlsx 文件）作为附件"},
	{ReceiptAccepted, true}:    {"状态：逾期（表格核对通过）", "您的考核表已登记，系统核对通过。", "这份考核表已登记，供办事处考核领导小组审核。"},
	{ReceiptNeedsFix, true}:    {"状态：逾期（表格需修改）", "系统核对发现需要改正的地方（见下文）", `如需改正，请在原表上改正上面列为“错误”的单元格`},
	{ReceiptUnreadable, true}:  {"状态：逾期（表格无法读取）", "系统无法读取您发来的文件（原因见下文）", `如需补交，请按上面“原因”中的说明处理`},
	// A mail without a form is no submission, late or not: a question
	// after the cut-off is not 逾期.
	{ReceiptNoForm, true}: {"状态：无考核表（截止后收到）", "本邮件在报送截止时间之后收到，没有附上考核表，不算作报送。",
		"报送截止时间已过。如果贵单位已在截止前报送", "如需补交考核表，请先与工作人员联系说明情况", "截止后收到（本邮件没有考核表）"},
}

// Sentences of every receipt of a late form, and of no other.
var latePhrases = []string{"属于逾期报送", "视为考核成绩不合格", "由办事处考核领导小组决定", "如逾期有特殊原因"}

// Sentences no receipt may say: the office forwards what agencies write,
// and only listed cells can be corrected.
var neverPhrases = []string{"请勿直接回复", "没有可以读取的考核表", "改正上面列出的单元格"}

const wordsPhrase = "您在邮件正文中写的内容（问题或说明），系统不能自动答复，已转给工作人员"

// checkedAttachment runs the real check on data, as the pipeline does.
func checkedAttachment(t *testing.T, name string, data []byte) Attachment {
	t.Helper()
	rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: templates.MustLoad(2021), Filename: name}})
	a := Attachment{Filename: name, Kind: AttachXLSX, Report: rep, Data: data}
	if hasFinding(rep, validate.CodeLegacyFormat) {
		a.Kind = AttachLegacy
	}
	return a
}

func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func notAFormWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetCellValue("Sheet1", "A1", "培训签到表"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wrongYearWorkbook is testWorkbook titled with last year's form.
func wrongYearWorkbook(t *testing.T) []byte {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(testWorkbook(t, false))))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetCellValue(formSheet, "A1", strings.Replace(templates.MustLoad(2021).Title, "2021", "2020", 1)); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type receiptSituation struct {
	name   string
	atts   func(t *testing.T) []Attachment
	text   string
	status ReceiptStatus
	blank  bool // the blank form is attached
	words  bool // the receipt says the words went to staff
}

func receiptSituations() []receiptSituation {
	accepted := func() *assess.Report {
		r := testReport()
		r.Status, r.Findings, r.VerifiedTotal = assess.StatusAccepted, nil, r.SelfTotal
		return r
	}
	return []receiptSituation{
		{name: "accepted", status: ReceiptAccepted, text: "您好，附件是我单位2021年度考核表，请查收。\n张三",
			atts: func(t *testing.T) []Attachment {
				return []Attachment{{Filename: "朝阳区考核表.xlsx", Kind: AttachXLSX, Report: accepted(), Data: testWorkbook(t, false)}}
			}},
		{name: "accepted with a warning and a question", status: ReceiptAccepted, words: true,
			text: "王老师好：\n附件是考核表，盖章页下周寄出可以吗？\n谢谢",
			atts: func(t *testing.T) []Attachment {
				r := accepted()
				r.Findings = testReport().Findings[:1] // the 总分值 warning
				return []Attachment{{Filename: "朝阳区考核表.xlsx", Kind: AttachXLSX, Report: r, Data: testWorkbook(t, false)}}
			}},
		{name: "needs fixing", status: ReceiptNeedsFix,
			atts: func(t *testing.T) []Attachment {
				return []Attachment{{Filename: "朝阳区考核表.xlsx", Kind: AttachXLSX, Report: testReport(), Data: testWorkbook(t, false)}}
			}},
		{name: "xls", status: ReceiptUnreadable, text: "附件为考核表。",
			atts: func(t *testing.T) []Attachment {
				return []Attachment{checkedAttachment(t, "考核表.xls", readTestdata(t, "../validate/testdata/legacy.xls"))}
			}},
		{name: "xls not checked", status: ReceiptUnreadable,
			atts: func(*testing.T) []Attachment { return []Attachment{{Filename: "考核表.et", Kind: AttachLegacy}} }},
		{name: "encrypted", status: ReceiptUnreadable,
			atts: func(t *testing.T) []Attachment {
				return []Attachment{checkedAttachment(t, "考核表.xlsx", readTestdata(t, "../validate/testdata/encrypted.xlsx"))}
			}},
		{name: "not a form", status: ReceiptUnreadable, blank: true,
			atts: func(t *testing.T) []Attachment {
				return []Attachment{checkedAttachment(t, "签到表.xlsx", notAFormWorkbook(t))}
			}},
		{name: "wrong year", status: ReceiptUnreadable, blank: true,
			atts: func(t *testing.T) []Attachment {
				return []Attachment{checkedAttachment(t, "2020考核表.xlsx", wrongYearWorkbook(t))}
			}},
		{name: "rar", status: ReceiptUnreadable,
			atts: func(*testing.T) []Attachment { return []Attachment{{Filename: "考核表.rar", Kind: AttachArchive}} }},
		{name: "question without form", status: ReceiptNoForm, blank: true, words: true,
			text: "您好，请问今年的考核表在哪里下载？谢谢。\n大兴区代办处\n电话：69243611",
			atts: func(*testing.T) []Attachment { return nil }},
		{name: "empty mail", status: ReceiptNoForm, blank: true,
			atts: func(*testing.T) []Attachment { return nil }},
		{name: "only a word file", status: ReceiptNoForm, blank: true, text: "附件是说明材料，请查收。",
			atts: func(*testing.T) []Attachment { return []Attachment{{Filename: "说明.docx", Kind: AttachOther}} }},
		{name: "a form and an xls", status: ReceiptAccepted,
			atts: func(t *testing.T) []Attachment {
				return []Attachment{
					{Filename: "朝阳区考核表.xlsx", Kind: AttachXLSX, Report: accepted(), Data: testWorkbook(t, false)},
					checkedAttachment(t, "旧表.xls", readTestdata(t, "../validate/testdata/legacy.xls")),
				}
			}},
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

// visible is what a reader sees of an HTML body, to compare with phrases.
func visible(h string) string {
	return html.UnescapeString(tags.ReplaceAllString(h, ""))
}

// TestReceiptStatusConsistent renders every verdict in every situation, on
// time and late, as text and as HTML, and checks that the receipt says the
// sentences of its own verdict and none of another's.
func TestReceiptStatusConsistent(t *testing.T) {
	t.Parallel()
	for _, sit := range receiptSituations() {
		for _, late := range []bool{false, true} {
			name := sit.name
			if late {
				name += ", late"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				in := testIncoming(t)
				in.OnTime = !late
				in.Text = sit.text
				in.Attachments = sit.atts(t)
				m, err := Compose(in, testOptions())
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Warnings) > 0 {
					t.Fatalf("warnings: %v", m.Warnings)
				}
				pm := parseMail(t, m.Raw)
				own := statusKey{sit.status, late}
				for kind, body := range map[string]string{"text": pm.text, "html": visible(pm.html)} {
					for _, p := range statusPhrases[own] {
						if !strings.Contains(body, p) {
							t.Errorf("%s lacks %q of its own status:\n%s", kind, p, body)
						}
					}
					for k, ps := range statusPhrases {
						if k == own {
							continue
						}
						for _, p := range ps {
							if strings.Contains(body, p) && !ownSays(statusPhrases[own], p) {
								t.Errorf("%s says %q of status %v (late %v):\n%s", kind, p, k.status, k.late, body)
							}
						}
					}
					lateForm := late && sit.status != ReceiptNoForm
					for _, p := range latePhrases {
						if strings.Contains(body, p) != lateForm {
							t.Errorf("%s: %q present = %v, want %v", kind, p, !lateForm, lateForm)
						}
					}
					for _, p := range neverPhrases {
						if strings.Contains(body, p) {
							t.Errorf("%s says %q", kind, p)
						}
					}
					if strings.Contains(body, wordsPhrase) != sit.words {
						t.Errorf("%s: words passed to staff = %v, want %v", kind, !sit.words, sit.words)
					}
					if n := strings.Count(body, "另存为"); n > 1 {
						t.Errorf("%s gives the save-as steps %d times", kind, n)
					}
					if strings.Contains(body, "空白考核表《") != sit.blank {
						t.Errorf("%s: blank form mentioned = %v, want %v", kind, !sit.blank, sit.blank)
					}
				}
				blanks := 0
				for _, a := range pm.atts {
					if a.name == templates.MustLoad(2021).Title+".xlsx" {
						blanks++
						if _, err := excelize.OpenReader(strings.NewReader(string(a.data))); err != nil {
							t.Errorf("the blank form does not open: %v", err)
						}
					}
				}
				if (blanks == 1) != sit.blank || blanks > 1 {
					t.Errorf("%d blank forms attached, want blank = %v", blanks, sit.blank)
				}
			})
		}
	}
}

// ownSays reports whether the phrase p of another status is part of one of
// the receipt's own phrases (a shorter sentence inside a longer one).
func ownSays(own []string, p string) bool {
	for _, o := range own {
		if strings.Contains(o, p) {
			return true
		}
	}
	return false
}
