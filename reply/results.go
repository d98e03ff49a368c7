package reply

import (
	"fmt"
	"strings"
	"time"

	"kaohe/internal/cst"
	"kaohe/internal/display"
)

// KindResultNotice is the mail of the assessment result to an agency (考核结果
// 通知) and its 更正.
const KindResultNotice = "result"

// FailReason says why an agency's result is 不合格 whatever its score.
type FailReason string

const (
	FailNone    FailReason = ""        // graded by its score
	FailLate    FailReason = "late"    // the form came after the cut-off
	FailMissing FailReason = "missing" // no form came
	FailVeto    FailReason = "veto"    // 一票否决 (信息安全)
	// FailUnreadable: forms came in time, but none could be read.
	FailUnreadable FailReason = "unreadable"
)

// ResultNotice is an agency's approved result, as its notice tells it.
type ResultNotice struct {
	Agency string // the roster's name
	// Group names the agencies it was graded and ranked among, e.g.
	// 区（开发区）代办处; "" names none.
	Group string
	Grade string  // 优秀, 良好, 合格 or 不合格
	Final float64 // the final score
	Cap   float64 // the full score; 0 shows none
	// Rank is its place among Ranked agencies of its Group; 0 shows none.
	Rank, Ranked int
	Fail         FailReason
	// Cutoff is when forms were due, said to a late or missing agency.
	Cutoff   time.Time
	Sections []SectionResult
	Notes    []ReviewNote // the reviewers' notes, in the form's order
	// Quota is the agency's number of 优秀个人 it may recommend, due by
	// RecommendCutoff; PublicityDays the working days of the 公示 before
	// (0 says none).
	Quota           int
	RecommendCutoff time.Time
	PublicityDays   int
	// Attachment is a file sent with the notice (the 推荐表 prefilled for
	// the agency), named AttachmentName; nil sends none.
	Attachment     []byte
	AttachmentName string
}

// Failed reports whether the result is 不合格, for whatever reason: the
// agency then recommends nobody.
func (n ResultNotice) Failed() bool { return n.Fail != FailNone || n.Grade == "不合格" }

// Scored reports whether the agency has a score to tell: not when no form
// came, or none could be read.
func (n ResultNotice) Scored() bool { return n.Fail != FailMissing && n.Fail != FailUnreadable }

// SectionResult is one part of the form with its scores.
type SectionResult struct {
	Name     string   // e.g. 组织机构管理
	Cap      float64  // 标准分
	Self     *float64 // the agency's self-assessment; nil when blank
	Verified float64  // after the automatic check
	Reviewed *float64 // the reviewers' score; nil when they kept the verified one
}

// Final is the section's final score: reviewed where reviewed, else verified.
func (s SectionResult) Final() float64 {
	if s.Reviewed != nil {
		return *s.Reviewed
	}
	return s.Verified
}

// ReviewNote is one note of the reviewers: on an item of the form (Item
// names it, e.g. 2.3 会计核算), or on the agency as a whole (Item "").
type ReviewNote struct {
	Item string
	Text string
}

// Facts is what the notice says, the points a 更正 compares: the grade, the
// scores, the notes, the quota and its deadline. The attachment is not one:
// it follows from the agency and its quota.
func (n ResultNotice) Facts() []Fact {
	facts := []Fact{{"考核等级", n.Grade}}
	if n.Scored() {
		facts = append(facts, Fact{"最终得分", num(n.Final)})
	}
	if n.Rank > 0 {
		facts = append(facts, Fact{"排名", rankText(n)})
	}
	if n.Fail != FailNone {
		facts = append(facts, Fact{"不合格原因", failLabel(n.Fail)})
	}
	// A section's 得分 is its 审核分 or else its 核定分: a change to it is
	// a change to one of those, named once.
	for _, s := range n.Sections {
		name := display.Clean(s.Name, maxNameRunes)
		facts = append(facts, Fact{name + "自评分", selfText(s)}, Fact{name + "核定分", num(s.Verified)}, Fact{name + "审核分", reviewedText(s)})
	}
	notes := map[string][]string{}
	var items []string
	for _, r := range n.Notes {
		item := noteItem(r.Item)
		if _, ok := notes[item]; !ok {
			items = append(items, item)
		}
		notes[item] = append(notes[item], display.Clean(r.Text, display.MaxTextRunes))
	}
	for _, it := range items {
		facts = append(facts, Fact{"审核意见（" + it + "）", strings.Join(notes[it], "；")})
	}
	facts = append(facts, Fact{"优秀个人推荐名额", fmt.Sprintf("%d 名", n.Quota)})
	if !n.Failed() {
		facts = append(facts, Fact{"推荐材料报送截止", cnDeadline(n.RecommendCutoff)})
		if n.PublicityDays > 0 {
			facts = append(facts, Fact{"公示期", fmt.Sprintf("不少于 %d 个工作日", n.PublicityDays)})
		}
	}
	return facts
}

func noteItem(item string) string {
	if item = display.Clean(item, maxNameRunes); item == "" {
		return "总体"
	}
	return item
}

func selfText(s SectionResult) string {
	if s.Self == nil {
		return "空"
	}
	return num(*s.Self)
}

func reviewedText(s SectionResult) string {
	if s.Reviewed == nil {
		return "未调整"
	}
	return num(*s.Reviewed)
}

func rankText(n ResultNotice) string {
	s := fmt.Sprintf("第 %d 名", n.Rank)
	if n.Ranked > 0 {
		s += fmt.Sprintf("（共 %d 家）", n.Ranked)
	}
	if g := display.Clean(n.Group, maxNameRunes); g != "" {
		s = g + "中" + s
	}
	return s
}

func failLabel(f FailReason) string {
	switch f {
	case FailLate:
		return "逾期提交考核自评表"
	case FailMissing:
		return "未提交考核自评表"
	case FailVeto:
		return "信息安全一票否决"
	case FailUnreadable:
		return "报送的考核表无法读取"
	}
	return ""
}

// resultView is the data of the result notice templates.
type resultView struct {
	Agency, Season, Grade, Final, Cap, Rank, Group string
	Fail                                           string // a FailReason
	FailLabel, Cutoff                              string
	Failed, Scored                                 bool
	Sections                                       []sectionView
	SelfTotal, VerifiedTotal                       string // of the sections
	Notes                                          []noteView
	Quota                                          int
	RecommendCutoff                                string
	PublicityDays                                  int
	Attachment                                     string // its file name; "" when none
	Correction                                     correctionView
	Published, Contact, Office, OfficeAddr         string
}

type sectionView struct {
	Name, Cap, Self, Verified, Reviewed, Final string
	Changed                                    bool // the reviewers changed the verified score
}

type noteView struct{ Item, Text string }

// ComposeResultNotice composes issue iss of the agency's result notice to
// to, one of its registered addresses. key makes the Message-ID (the
// notice package's MailKey); the mail's date is iss.At, so composing again
// gives the same bytes.
func ComposeResultNotice(n ResultNotice, to string, iss Issue, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	if iss.At.IsZero() {
		iss.At = opts.Now
	}
	v := resultView{
		Agency: display.Clean(n.Agency, maxNameRunes), Season: opts.seasonPrefix(), Grade: display.Clean(n.Grade, 8),
		Final: num(n.Final), Group: display.Clean(n.Group, maxNameRunes),
		Fail: string(n.Fail), FailLabel: failLabel(n.Fail), Failed: n.Failed(), Scored: n.Scored(),
		Cutoff: cnDeadline(n.Cutoff), Quota: n.Quota, RecommendCutoff: cnDeadline(n.RecommendCutoff),
		PublicityDays: n.PublicityDays, Correction: issueView(iss), Published: cnDate(iss.At),
		Contact: opts.Contact, Office: opts.FromName, OfficeAddr: opts.From,
	}
	if n.Cap > 0 {
		v.Cap = num(n.Cap)
	}
	if n.Rank > 0 {
		v.Rank = rankText(n)
	}
	var self, verified float64
	for _, s := range n.Sections {
		sv := sectionView{Name: display.Clean(s.Name, maxNameRunes), Cap: num(s.Cap), Self: selfText(s), Verified: num(s.Verified),
			Reviewed: "—", Final: num(s.Final())}
		if s.Self != nil {
			self += *s.Self
		}
		verified += s.Verified
		if s.Reviewed != nil {
			sv.Reviewed = num(*s.Reviewed)
			sv.Changed = *s.Reviewed != s.Verified
		}
		v.Sections = append(v.Sections, sv)
	}
	v.SelfTotal, v.VerifiedTotal = num(self), num(verified)
	for _, r := range n.Notes {
		if t := display.Clean(r.Text, display.MaxTextRunes); t != "" {
			v.Notes = append(v.Notes, noteView{Item: noteItem(r.Item), Text: t})
		}
	}
	var atts []attachment
	if len(n.Attachment) > 0 {
		v.Attachment = cleanFilename(n.AttachmentName, "推荐表.xlsx")
		atts = append(atts, attachment{name: v.Attachment, contentType: xlsxType, data: n.Attachment})
	}
	subject := fmt.Sprintf("%s代办处考核结果通知（%s）", opts.seasonPrefix(), v.Agency)
	return composeSimple(issueEnvelope(KindResultNotice, key, subject, to, n.Agency, iss, opts), tmplResultText, v, atts, opts)
}

// cnDate is a day for Chinese readers, Beijing time.
func cnDate(t time.Time) string {
	if t.IsZero() {
		return "未知"
	}
	return t.In(cst.Location()).Format("2006年1月2日")
}
