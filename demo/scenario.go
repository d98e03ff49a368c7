package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"time"

	"kaohe/internal/cst"
	"kaohe/internal/sample"
	"kaohe/templates"
)

//go:embed legacy.xls
var legacyXLS []byte

// MinAgencies is the smallest roster a scenario can play every role with.
const MinAgencies = 16

// Office and Staff are the demo's office mailbox and one staff member.
const (
	Office = "zzjgb@kaohe-demo.example.org"
	Staff  = "wangming@kaohe-demo.example.org"
)

// Mail is one mail of the campaign.
type Mail struct {
	Raw    []byte
	At     time.Time // when the office's server received it (INTERNALDATE)
	From   string
	Agency string // the roster name; "" for a stranger
	What   string // what it is, in Chinese, for the progress output
	// Answered says whether the office should reply to it.
	Answered bool
}

// Scenario is a whole campaign's mail.
type Scenario struct {
	Agencies  []sample.Agency
	RosterCSV []byte // UTF-8 with BOM, as Excel saves "CSV UTF-8"
	Mails     []Mail // in receipt order
	Cutoff    time.Time
	// Expected outcomes, for the test and the summary.
	Missing  []string // roster agencies that never submit on time (late ones included)
	Late     []string
	Accepted []string // agencies whose current form is correct
	// Unreadable sent only a file no form could be read from.
	Unreadable []string

	// After the deadline: staff mail their review back at ReviewAt;
	// the results are computed at ResultsAt, approved (审定) at
	// ApproveAt and published at PublishAt.
	Review                                    StaffReview
	ReviewAt, ResultsAt, ApproveAt, PublishAt time.Time

	// Then the recommendations: three agencies mail their 推荐表 before
	// RecommendCutoff; staff mail the 主任办公会's decisions at DecideAt,
	// and the final lists go out at FinalAt.
	Recommendations                    []Recommendation
	RecommendCutoff, DecideAt, FinalAt time.Time
}

func day(month time.Month, d, hour, minute int) time.Time {
	year := 2021
	if month == time.January {
		year = 2022
	}
	return time.Date(year, month, d, hour, minute, 0, 0, cst.Location())
}

// Build writes the campaign of n agencies (at least MinAgencies) for form.
func Build(form *templates.Form, n int) (*Scenario, error) {
	if n < MinAgencies {
		return nil, fmt.Errorf("a demo campaign needs at least %d agencies", MinAgencies)
	}
	ags := sample.RandomAgencies(n, 2021)
	sc := &Scenario{Agencies: ags, Cutoff: time.Date(2022, 1, 6, 0, 0, 0, 0, cst.Location())}
	sc.RosterCSV = rosterCSV(ags)
	b := builder{form: form, sc: sc}

	// Roles by position; the rest of the roster submits correct forms
	// spread over the campaign, and the last three never do.
	roles := []func(sample.Agency) error{
		b.problemsThenFixed, b.problemsOnly, b.late, b.legacy, b.questionThenFoxmail,
		b.forwarded, b.outOfOffice, b.sectorClaimsLoan,
	}
	missingFrom := n - 3
	for i, a := range ags {
		var err error
		switch {
		case i < len(roles):
			err = roles[i](a)
		case i >= missingFrom:
			sc.Missing = append(sc.Missing, a.Name)
		default:
			err = b.good(a, day(time.December, 14+i%20, 9+i%8, 7*i%60))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
	}
	if err := b.stranger(); err != nil {
		return nil, err
	}
	sort.SliceStable(sc.Mails, func(i, j int) bool { return sc.Mails[i].At.Before(sc.Mails[j].At) })
	sort.Strings(sc.Missing)
	sort.Strings(sc.Accepted)
	sc.Review = review(sc)
	sc.ReviewAt, sc.ResultsAt, sc.ApproveAt, sc.PublishAt = reviewAt, resultsAt, approveAt, publishAt
	sc.Recommendations = recommendations(sc)
	sc.RecommendCutoff, sc.DecideAt, sc.FinalAt = recommendCutoff, decideAt, finalAt
	return sc, nil
}

type builder struct {
	form *templates.Form
	sc   *Scenario
	seq  int
}

func (b *builder) msgID(a string) string {
	b.seq++
	return fmt.Sprintf("%d.%s@mail.example.org", b.seq, a)
}

// workbook fills the form, dated the day the campaign's forms went online
// so that no 填报日期 lies after the mail that carries it.
func (b *builder) workbook(v sample.Values) ([]byte, error) {
	v.Date = "2021-12-14"
	data, err := sample.Workbook(b.form, v)
	if err != nil {
		return nil, err
	}
	return canonicalXLSX(data)
}

func (b *builder) add(raw []byte, at time.Time, a sample.Agency, what string, answered bool) {
	b.sc.Mails = append(b.sc.Mails, Mail{Raw: raw, At: at, From: a.Email, Agency: a.Name, What: what, Answered: answered})
}

func (b *builder) formLetter(a sample.Agency, at time.Time, subject, text string, data []byte) letter {
	return letter{fromName: a.Contact, from: a.Email, to: Office, subject: subject, text: text, date: at,
		msgID: b.msgID("kh"), attachments: []attachment{{name: a.Name + "考核表.xlsx", contentType: xlsxType, data: data}}}
}

// mailForm adds the form letter of a, sent from Outlook at at with the
// workbook of v attached.
func (b *builder) mailForm(a sample.Agency, v sample.Values, at time.Time, subject, text, what string) error {
	data, err := b.workbook(v)
	if err != nil {
		return err
	}
	raw, err := b.formLetter(a, at, subject, text, data).outlook()
	if err != nil {
		return err
	}
	b.add(raw, at, a, what, true)
	return nil
}

func (b *builder) good(a sample.Agency, at time.Time) error {
	if err := b.mailForm(a, sample.Good(a.Name, a.District), at, a.Name+"2021年度考核表", "您好，附件是我单位2021年度考核表，请查收。\n"+a.Contact, "正确的考核表"); err != nil {
		return err
	}
	b.sc.Accepted = append(b.sc.Accepted, a.Name)
	return nil
}

// spoiled is a good form with the named problem recipes applied.
func (b *builder) spoiled(a sample.Agency, codes ...string) (sample.Values, error) {
	v := sample.Good(a.Name, a.District)
	for _, code := range codes {
		found := false
		for _, p := range sample.Problems(b.form, a.District) {
			if p.Code == code {
				v, found = v.Spoil(p), true
				break
			}
		}
		if !found {
			return v, fmt.Errorf("no problem recipe %s", code)
		}
	}
	return v, nil
}

func (b *builder) problemsThenFixed(a sample.Agency) error {
	v, err := b.spoiled(a, "score_above_cap", "missing_field", "coverage_mismatch")
	if err != nil {
		return err
	}
	at := day(time.December, 20, 10, 12)
	if err := b.mailForm(a, v, at, "考核表", "考核表见附件。", "有错误的考核表（超过标准分、缺签字、覆盖率不符）"); err != nil {
		return err
	}
	at = day(time.December, 28, 15, 40)
	if err := b.mailForm(a, sample.Good(a.Name, a.District), at, "考核表（已修改）", "根据回执已修改，请查收。", "按回执改正后重新发送"); err != nil {
		return err
	}
	b.sc.Accepted = append(b.sc.Accepted, a.Name)
	return nil
}

func (b *builder) problemsOnly(a sample.Agency) error {
	v, err := b.spoiled(a, "score_not_allowed", "inconsistent_counts", "score_inconsistent", "total_mismatch")
	if err != nil {
		return err
	}
	at := day(time.December, 22, 16, 5)
	return b.mailForm(a, v, at, a.Name+"考核表", "请查收。", "有错误的考核表（分值不在标准内、人数矛盾、自评与基本情况不符），未改正")
}

func (b *builder) late(a sample.Agency) error {
	at := day(time.January, 7, 9, 30)
	if err := b.mailForm(a, sample.Good(a.Name, a.District), at, "补交考核表", "抱歉，晚交了两天。", "截止后才收到的考核表（逾期）"); err != nil {
		return err
	}
	b.sc.Late = append(b.sc.Late, a.Name)
	b.sc.Missing = append(b.sc.Missing, a.Name)
	return nil
}

func (b *builder) legacy(a sample.Agency) error {
	at := day(time.December, 23, 11, 0)
	l := letter{fromName: a.Contact, from: a.Email, to: Office, subject: "考核表", text: "附件为考核表。", date: at,
		msgID: b.msgID("xls"), attachments: []attachment{{name: a.Name + "考核表.xls", contentType: "application/vnd.ms-excel", data: legacyXLS}}}
	raw, err := l.outlook()
	if err != nil {
		return err
	}
	b.add(raw, at, a, "旧格式 .xls 文件", true)
	b.sc.Unreadable = append(b.sc.Unreadable, a.Name) // never sends the .xlsx
	return nil
}

func (b *builder) questionThenFoxmail(a sample.Agency) error {
	at := day(time.December, 16, 14, 20)
	q := letter{fromName: a.Contact, from: a.Email, to: Office, subject: "请问考核表在哪里下载？",
		text: "您好，请问今年的考核表在哪里下载？谢谢。", date: at, msgID: b.msgID("q")}
	raw, err := q.outlook()
	if err != nil {
		return err
	}
	b.add(raw, at, a, "没有附件的询问邮件", true)
	data, err := b.workbook(sample.Good(a.Name, a.District))
	if err != nil {
		return err
	}
	at = day(time.January, 3, 10, 45)
	raw, err = b.formLetter(a, at, "2021年度考核表——"+a.Name, "您好：\n    附件是我单位的考核表，请审核。\n"+a.Contact, data).foxmail()
	if err != nil {
		return err
	}
	b.add(raw, at, a, "Foxmail 发送的 GBK 编码邮件", true)
	b.sc.Accepted = append(b.sc.Accepted, a.Name)
	return nil
}

func (b *builder) forwarded(a sample.Agency) error {
	data, err := b.workbook(sample.Good(a.Name, a.District))
	if err != nil {
		return err
	}
	at := day(time.January, 2, 8, 50)
	inner, err := b.formLetter(a, at.Add(-20*time.Hour), "考核表", "主任已签字。", data).outlook()
	if err != nil {
		return err
	}
	outer := letter{fromName: a.Contact, from: a.Email, to: Office, subject: "转发：考核表", text: "转发同事的邮件，考核表在里面。",
		date: at, msgID: b.msgID("fwd")}
	raw, err := outer.forward(inner)
	if err != nil {
		return err
	}
	b.add(raw, at, a, "转发的邮件，考核表在被转发的邮件里", true)
	b.sc.Accepted = append(b.sc.Accepted, a.Name)
	return nil
}

func (b *builder) outOfOffice(a sample.Agency) error {
	if err := b.good(a, day(time.December, 15, 9, 5)); err != nil {
		return err
	}
	at := day(time.December, 30, 18, 0)
	l := letter{fromName: a.Contact, from: a.Email, to: Office, subject: "自动回复：考核表回执",
		text: "您好，我正在休假，1月3日返回。", date: at, msgID: b.msgID("ooo"),
		header: map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}}
	raw, err := l.outlook()
	if err != nil {
		return err
	}
	b.add(raw, at, a, "休假自动回复（不应回复）", false)
	return nil
}

// sectorClaimsLoan is a sector agency that claims the district-only 4.6.
func (b *builder) sectorClaimsLoan(a sample.Agency) error {
	v := sample.Good(a.Name, a.District)
	if !a.District {
		for _, p := range sample.Problems(b.form, false) {
			if p.Code == "score_not_eligible" {
				v = v.Spoil(p)
			}
		}
	}
	v.SignaturePicture = map[string]bool{"seal": true}
	data, err := b.workbook(v)
	if err != nil {
		return err
	}
	at := day(time.December, 27, 10, 10)
	raw, err := b.formLetter(a, at, "考核表", "考核表（已盖章）请查收。", data).outlook()
	if err != nil {
		return err
	}
	if a.District {
		b.add(raw, at, a, "盖章为图片的考核表", true)
		b.sc.Accepted = append(b.sc.Accepted, a.Name)
	} else {
		b.add(raw, at, a, "盖章为图片、但申报了只限区县的小额贷款加分", true)
	}
	return nil
}

func (b *builder) stranger() error {
	a := sample.Agency{Name: "某某街道工会", Email: "someone@unknown-mail.example.com", Contact: "李四"}
	data, err := b.workbook(sample.Good(a.Name, false))
	if err != nil {
		return err
	}
	at := day(time.December, 29, 13, 0)
	l := b.formLetter(a, at, "考核表", "你好，这是我们的考核表。", data)
	// A stranger is answered only when the office's receiving server found
	// its domain authenticated; a real server stamps this on arrival.
	l.header = map[string]string{"Authentication-Results": "mx.kaohe-demo.example.org; spf=pass smtp.mailfrom=" + a.Email}
	raw, err := l.outlook()
	if err != nil {
		return err
	}
	b.sc.Mails = append(b.sc.Mails, Mail{Raw: raw, At: at, From: a.Email, What: "名册外发件人（发件域名已验证：回复一段固定的话）", Answered: true})
	return nil
}

func rosterCSV(ags []sample.Agency) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff考核单位,类型,邮箱,联系人\r\n")
	for _, a := range ags {
		typ := "局总公司"
		if a.District {
			typ = "区"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s\r\n", a.Name, typ, a.Email, a.Contact)
	}
	return b.Bytes()
}
