package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
	"kaohe/internal/recsample"
	"kaohe/mailparse"
	"kaohe/outbox"
	"kaohe/recommend"
	"kaohe/roster"
	"kaohe/scoring"
	"kaohe/store"
	"kaohe/validate"
)

var (
	recDef    = recommend.MustLoad(2021)
	recCutoff = time.Date(2022, 4, 1, 0, 0, 0, 0, cst.Location())
	// recReceived is a Friday, after a 公示 of 2022-03-01 to 03-07.
	recReceived = time.Date(2022, 3, 11, 2, 0, 0, 0, time.UTC)
)

var bjDay = recsample.Day

type person = recsample.Candidate

func cand(name, sex string, birth any, title string, years any, deeds string) person {
	return person{Name: name, Sex: sex, Birth: birth, Title: title, Years: years, Deeds: deeds}
}

// recForm is a 推荐表 as a test fills it.
type recForm recsample.RecommendForm

func goodRecForm(unit string, persons ...person) recForm {
	return recForm(recsample.GoodRecommendation(unit, persons...))
}

// workbook writes the form on the office's blank, as excelize fills it.
func (rf recForm) workbook(t *testing.T) []byte {
	t.Helper()
	data, err := recsample.Workbook(recDef, recsample.RecommendForm(rf))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// file is one attachment of a test mail.
type file struct {
	name string
	data []byte
}

// multiMail is a mail with several attachments.
func multiMail(from, subject, msgID string, files ...file) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", from, office, subject, msgID)
	b.WriteString("Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件请查收\r\n")
	for _, f := range files {
		fmt.Fprintf(&b, "--zz\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", f.name)
		b.WriteString(base64.StdEncoding.EncodeToString(f.data))
		b.WriteString("\r\n")
	}
	b.WriteString("--zz--\r\n")
	return []byte(b.String())
}

// newRecFixture is a pipeline taking 推荐表, and when quotas is not nil,
// the season's computed results giving each agency its quota.
func newRecFixture(t *testing.T, quotas map[string]int) *fixture {
	f := newFixture(t, func(c *Config) {
		c.Recommend = RecommendConfig{Definition: recDef, Season: 2021, Cutoff: recCutoff, PublicityDays: 5}
	})
	f.clock = recReceived.Add(2 * time.Minute)
	if quotas != nil {
		var rs []store.FinalResult
		for agency, q := range quotas {
			rs = append(rs, store.FinalResult{Agency: agency, Type: scoring.District, Grade: store.GradeGood, Quota: q, Scored: true})
		}
		if err := f.st.SaveComputedResults(f.ctx, rs, store.ResultsRun{By: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// receipt is the one reply queued for message m, parsed.
func (f *fixture) receipt(m store.Message) (outbox.Item, *mailparse.Parsed) {
	f.t.Helper()
	var got []outbox.Item
	for _, it := range f.outbox() {
		if it.Kind == store.KindReply && it.RelatedMessage == m.ID {
			got = append(got, it)
		}
	}
	if len(got) != 1 {
		f.t.Fatalf("%d receipts for message %d, want 1", len(got), m.ID)
	}
	p, err := mailparse.Parse(got[0].Raw, mailparse.Limits{})
	if err != nil {
		f.t.Fatal(err)
	}
	return got[0], p
}

func codes(fs []store.ProposalFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Code))
	}
	return out
}

func TestRecommendGood(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	raw := mailSpec{from: "张三 <chaoyang@example.org>", subject: "朝阳区推荐表", msgID: "rec1@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw()
	m := f.handle(raw, recReceived)
	if m.Outcome != store.OutcomeProcessed || m.Agency != "朝阳区代办处" || !m.OnTime {
		t.Errorf("message %s agency %q on time %v", m.Outcome, m.Agency, m.OnTime)
	}
	it, p := f.receipt(m)
	if it.To != "chaoyang@example.org" || p.Subject != "推荐表 回执：朝阳区推荐表" {
		t.Errorf("receipt to %s, subject %q", it.To, p.Subject)
	}
	for _, s := range []string{"状态：通过", "未发现问题", "推荐优秀个人：2 人（张伟、刘丽）", "优秀个人名额：2 人", "推荐为优秀单位：是"} {
		if !strings.Contains(p.Text, s) {
			t.Errorf("receipt lacks %q:\n%s", s, p.Text)
		}
	}
	if len(p.Attachments) != 0 {
		t.Errorf("%d attachments on a receipt with nothing to mark", len(p.Attachments))
	}
	got, ok, err := f.st.AgencyProposal(f.ctx, "朝阳区代办处")
	if err != nil || !ok {
		t.Fatalf("proposal: %v %v", ok, err)
	}
	if len(got.Findings) != 0 || len(got.Persons) != 2 || got.Persons[0].Birth != "1980-05" || got.Persons[1].Birth != "1988-11" ||
		got.Persons[1].Years == nil || *got.Persons[1].Years != 8 || got.Publicity.End != "2022-03-07" || !got.OnTime || got.MessageID != m.ID {
		t.Errorf("stored %+v", got)
	}
	if subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{}); len(subs) != 0 {
		t.Errorf("a 推荐表 was filed as a 考核表: %+v", subs)
	}
	// Exactly once: the same mail again under another UID answers nothing new.
	f.handle(raw, recReceived)
	if n := len(f.outbox()); n != 1 {
		t.Errorf("%d mails queued after the mail came twice", n)
	}
	if all, _ := f.st.Proposals(f.ctx, store.ProposalFilter{}); len(all) != 1 {
		t.Errorf("%d proposals after the mail came twice", len(all))
	}
}

func TestRecommendFindings(t *testing.T) {
	three := []person{
		cand("张伟", "男", bjDay(1980, 5, 1), "主任", 12, "事迹一"),
		cand("刘丽", "女", "1988年11月", "专管员", 8, "事迹二"),
		cand("王强", "男", "1979-02", "干事", 10, "事迹三"),
	}
	cases := []struct {
		name  string
		form  recForm
		quota map[string]int
		want  []validate.Code
		text  []string
	}{
		{"over quota", goodRecForm("朝阳区代办处", three...), map[string]int{"朝阳区代办处": 2},
			[]validate.Code{validate.CodeOverQuota}, []string{"需修改", "推荐名额为2名", "超出1名", "推荐优秀个人"}},
		{"three-day 公示", func() recForm {
			rf := goodRecForm("朝阳区代办处")
			rf.Fields[recommend.FieldPublicityEnd] = bjDay(2022, 3, 3)
			return rf
		}(), map[string]int{"朝阳区代办处": 2},
			[]validate.Code{validate.CodePublicityTooShort}, []string{"共3个工作日", "少于规定的5个工作日", "公示结束日期"}},
		{"another agency's name from this agency's address", goodRecForm("市建工局代办处"), map[string]int{"朝阳区代办处": 2},
			[]validate.Code{validate.CodeUnitMismatch}, []string{"发件邮箱登记的是“朝阳区代办处”", "1. [提醒] 推荐单位"}},
		{"quota unknown before results", goodRecForm("朝阳区代办处", three...), nil,
			nil, []string{"状态：通过", "尚未确定", "未核对推荐人数"}},
		{"不合格 agency proposing itself", goodRecForm("朝阳区代办处"), map[string]int{"朝阳区代办处": 0},
			[]validate.Code{validate.CodeOverQuota, validate.CodeNotEligible}, []string{"不能推荐本单位为优秀单位"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t, c.quota)
			if c.name == "不合格 agency proposing itself" {
				if err := f.st.ApproveResults(f.ctx, []store.FinalResult{{Agency: "朝阳区代办处", Grade: store.GradeFail}}, store.ResultsRun{By: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "f@x", attachment: c.form.workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
			got, ok, err := f.st.AgencyProposal(f.ctx, "朝阳区代办处")
			if err != nil || !ok {
				t.Fatalf("proposal: %v %v", ok, err)
			}
			var want []string
			for _, c := range c.want {
				want = append(want, string(c))
			}
			if gc := codes(got.Findings); !slices.Equal(sorted(gc), sorted(want)) {
				t.Errorf("stored codes %v, want %v", gc, want)
			}
			_, p := f.receipt(m)
			for _, s := range c.text {
				if !strings.Contains(p.Text, s) {
					t.Errorf("receipt lacks %q:\n%s", s, p.Text)
				}
			}
		})
	}
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// The same person proposed by two agencies: the second agency is told the
// person is proposed elsewhere, and learns nothing of the other agency's
// proposal; staff see both (store flags, staff notice).
func TestRecommendDuplicateAcrossAgencies(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2, "市建工局代办处": 2})
	f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "d1@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	mine := []person{cand("张 伟", "男", "1980.05", "工会主席", 20, "长期负责互助保障工作。"), cand("赵敏", "女", "1990-01", "干事", 5, "事迹。")}
	m := f.handle(mailSpec{from: "<jiangong@example.org>", subject: "推荐表", msgID: "d2@x", attachment: goodRecForm("市建工局代办处", mine...).workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived.Add(time.Hour))
	_, p := f.receipt(m)
	if !strings.Contains(p.Text, "张 伟（出生年月 1980年5月）也由其他代办处推荐") {
		t.Errorf("receipt does not say the person is proposed elsewhere:\n%s", p.Text)
	}
	for _, s := range []string{"朝阳区代办处", "代办处主任", "组织开展会员服务", "刘丽"} {
		if strings.Contains(p.Text, s) {
			t.Errorf("receipt names the other agency's %q", s)
		}
	}
	cur, err := f.st.CurrentProposals(f.ctx)
	if err != nil || len(cur) != 2 {
		t.Fatalf("current %d %v", len(cur), err)
	}
	for _, pr := range cur {
		other := map[string]string{"朝阳区代办处": "市建工局代办处", "市建工局代办处": "朝阳区代办处"}[pr.Agency]
		if got := pr.Persons[0].AlsoProposedBy; !slices.Equal(got, []string{other}) {
			t.Errorf("%s's first person also proposed by %v", pr.Agency, got)
		}
		if got := pr.Persons[1].AlsoProposedBy; got != nil {
			t.Errorf("%s's second person flagged: %v", pr.Agency, got)
		}
	}
	jg, _, _ := f.st.AgencyProposal(f.ctx, "市建工局代办处")
	if c := codes(jg.Findings); !slices.Equal(c, []string{string(validate.CodeDuplicatePerson)}) || jg.Findings[0].Person != 0 {
		t.Errorf("second agency's findings %+v", jg.Findings)
	}
}

// Another agency's 推荐表 saved while a receipt is being composed: the
// receipt is composed again and says what the store says.
func TestRecommendDuplicateSavedMeanwhile(t *testing.T) {
	var f *fixture
	interfered := false
	f = newFixture(t, func(c *Config) {
		c.Recommend = RecommendConfig{Definition: recDef, Season: 2021, Cutoff: recCutoff,
			Annotate: func(*recommend.Filled, []validate.Finding, *recommend.Definition) ([]byte, error) {
				if !interfered {
					interfered = true
					f.saveOtherProposal("市建工局代办处", "张伟", "1980-05")
				}
				return []byte("annotated"), nil
			}}
	})
	f.clock = recReceived
	rf := goodRecForm("朝阳区代办处")
	rf.Fields[recommend.FieldPhone] = "12" // a finding, so that a copy is made
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "race@x", attachment: rf.workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	if !interfered {
		t.Fatal("the other agency's proposal was not saved meanwhile")
	}
	_, p := f.receipt(m)
	if !strings.Contains(p.Text, "张伟（出生年月 1980年5月）也由其他代办处推荐") {
		t.Errorf("receipt composed before the other proposal was saved:\n%s", p.Text)
	}
	if n := len(f.outbox()); n != 1 {
		t.Errorf("%d mails queued, want 1", n)
	}
}

// saveOtherProposal stores, as another mail would, an agency's proposal of
// one person.
func (f *fixture) saveOtherProposal(agency, name, birth string) {
	f.t.Helper()
	ctx := context.Background()
	m, _, err := f.st.RecordMessage(ctx, store.Message{MessageID: "other@x", Hash: strings.Repeat("f", 64), Sender: "jiangong@example.org", ReceivedAt: recReceived})
	if err != nil {
		f.t.Fatal(err)
	}
	pr := &store.Proposal{OnTime: true, Persons: []store.PersonProposal{{Name: name, Birth: birth}}}
	if err := f.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Proposal: pr}}}); err != nil {
		f.t.Fatal(err)
	}
}

func TestRecommendLate(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	late := recCutoff.Add(time.Hour)
	f.clock = late.Add(time.Minute)
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "late@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), late)
	if m.OnTime || m.Outcome != store.OutcomeProcessed {
		t.Errorf("message on time %v outcome %s", m.OnTime, m.Outcome)
	}
	_, p := f.receipt(m)
	if strings.Contains(p.Text, "已过推荐材料报送截止时间") {
		t.Errorf("lateness listed as a finding, not said as for the 考核表:\n%s", p.Text)
	}
	for _, s := range []string{"状态：逾期（表格核对通过）", "属于逾期报送", "是否按期：逾期", "2022年3月31日 24:00", "未发现问题"} {
		if !strings.Contains(p.Text, s) {
			t.Errorf("receipt lacks %q:\n%s", s, p.Text)
		}
	}
	got, _, _ := f.st.AgencyProposal(f.ctx, "朝阳区代办处")
	if got.OnTime || !slices.Contains(codes(got.Findings), string(validate.CodeLate)) {
		t.Errorf("stored on time %v, codes %v", got.OnTime, codes(got.Findings))
	}
}

// A 推荐表 alone, after the 考核表's deadline but before its own, is on time.
func TestRecommendOnTimeByItsOwnDeadline(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "own@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	if !recReceived.After(testCutoff) || !m.OnTime {
		t.Errorf("a 推荐表 before its deadline counted late (message on time %v)", m.OnTime)
	}
}

func TestRecommendResubmissionReplaces(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	three := goodRecForm("朝阳区代办处", cand("张伟", "男", "1980-05", "主任", 12, "事迹"), cand("刘丽", "女", "1988-11", "干事", 8, "事迹"),
		cand("王强", "男", "1979-02", "干事", 10, "事迹"))
	first := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "v1@x", attachment: three.workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	second := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表（改）", msgID: "v2@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived.Add(time.Hour))
	all, err := f.st.Proposals(f.ctx, store.ProposalFilter{Agency: "朝阳区代办处"})
	if err != nil || len(all) != 2 {
		t.Fatalf("%d versions %v", len(all), err)
	}
	if all[0].Current || !all[1].Current || all[1].Version != 2 || all[1].MessageID != second.ID || all[0].MessageID != first.ID {
		t.Errorf("versions %+v", all)
	}
	cur, _, _ := f.st.AgencyProposal(f.ctx, "朝阳区代办处")
	if len(cur.Persons) != 2 || len(cur.Findings) != 0 {
		t.Errorf("current proposal %d persons, findings %v", len(cur.Persons), codes(cur.Findings))
	}
}

// A 推荐表 naming a roster agency from an address not registered for it is
// held like a 名册外来件 考核表: nobody's proposal, the agency told.
func TestRecommendFromStrangerHeld(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	m := f.handle(mailSpec{from: "<someone@elsewhere.example.com>", subject: "推荐表", msgID: "s@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	if m.Outcome != store.OutcomeForeign || m.Agency != "" {
		t.Errorf("outcome %s agency %q", m.Outcome, m.Agency)
	}
	if _, ok, _ := f.st.AgencyProposal(f.ctx, "朝阳区代办处"); ok {
		t.Error("a stranger's 推荐表 became the agency's proposal")
	}
	held, err := f.st.Proposals(f.ctx, store.ProposalFilter{MessageID: m.ID})
	if err != nil || len(held) != 1 || held[0].Agency != "" || held[0].Unit.Name != "朝阳区代办处" {
		t.Fatalf("held %+v %v", held, err)
	}
	items := f.outbox()
	if len(items) != 1 || items[0].Kind != store.KindForeignNotice || items[0].To != "chaoyang@example.org" {
		t.Fatalf("outbox %+v", items)
	}
	p, err := mailparse.Parse(items[0].Raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Subject, "推荐表") || !strings.Contains(p.Text, "推荐单位填写为“朝阳区代办处”") || strings.Contains(p.Text, "张伟") {
		t.Errorf("notice %q:\n%s", p.Subject, p.Text)
	}
}

// A mail with a 考核表 and a 推荐表 gets one receipt covering both, and
// files both.
func TestRecommendWithAssessmentForm(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	raw := multiMail("<chaoyang@example.org>", "考核表和推荐表", "both@x",
		file{"考核表.xlsx", f.good}, file{"推荐表.xlsx", goodRecForm("朝阳区代办处").workbook(t)})
	m := f.handle(raw, recReceived)
	if m.Outcome != store.OutcomeProcessed || m.OnTime {
		t.Errorf("outcome %s on time %v (the 考核表 is late)", m.Outcome, m.OnTime)
	}
	_, p := f.receipt(m)
	if p.Subject != "考核表、推荐表 回执：考核表和推荐表" {
		t.Errorf("subject %q", p.Subject)
	}
	for _, s := range []string{"二、推荐表核对结果", "【2】推荐表.xlsx", "三、考核表核对结果", "【1】考核表.xlsx", "考核单位：朝阳区代办处", "状态：通过"} {
		if !strings.Contains(p.Text, s) {
			t.Errorf("receipt lacks %q:\n%s", s, p.Text)
		}
	}
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{Agency: "朝阳区代办处"})
	props, _ := f.st.Proposals(f.ctx, store.ProposalFilter{Agency: "朝阳区代办处"})
	if len(subs) != 1 || len(props) != 1 || !props[0].OnTime || subs[0].OnTime {
		t.Errorf("%d submissions, %d proposals", len(subs), len(props))
	}
}

// A 推荐表 with findings is answered with its annotated copy: the agency's
// values on the office's blank, the problems listed under the form.
func TestRecommendAnnotatedCopy(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 1})
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "copy@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "朝阳推荐表.xlsx"}.raw(), recReceived)
	_, p := f.receipt(m)
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "朝阳推荐表（核对结果）.xlsx" {
		t.Fatalf("attachments %+v", p.Attachments)
	}
	if !strings.Contains(p.Text, "是您这份推荐表的核对版：有问题的单元格已标色") || strings.Contains(p.Text, "核定分") {
		t.Errorf("receipt's words on the copy:\n%s", p.Text)
	}
	x, err := excelize.OpenReader(bytes.NewReader(p.Attachments[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, s := range []string{"朝阳区代办处", "张伟", "刘丽", "本单位优秀个人推荐名额为1名"} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("copy lacks %q", s)
		}
	}
}

// Persons' data never goes to the log: counts and ids only.
func TestRecommendLogsNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, func(c *Config) {
		c.Recommend = RecommendConfig{Definition: recDef, Season: 2021, Cutoff: recCutoff}
		c.Log = zerolog.New(&logs).Level(zerolog.TraceLevel)
	})
	f.clock = recReceived
	if err := f.st.SaveComputedResults(f.ctx, []store.FinalResult{{Agency: "朝阳区代办处", Grade: store.GradeFail, Quota: 1}}, store.ResultsRun{}); err != nil {
		t.Fatal(err)
	}
	f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "l1@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	f.handle(mailSpec{from: "<jiangong@example.org>", subject: "推荐表", msgID: "l2@x", attachment: goodRecForm("市建工局代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	f.handle(mailSpec{from: "<x@elsewhere.example.com>", subject: "推荐表", msgID: "l3@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	if !strings.Contains(logs.String(), `"proposals":1`) {
		t.Fatalf("no message logged with its proposals counted:\n%s", logs.String())
	}
	for _, s := range []string{"张伟", "刘丽", "1980", "1988", "代办处主任", "专管员", "组织开展会员服务", "本单位全体职工"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds %q:\n%s", s, logs.String())
		}
	}
}

// A 推荐表 saved by LibreOffice goes through the 考核表 reader first, is
// known for a 推荐表 all the same, and is answered with its findings by cell.
func TestRecommendSavedByLibreOffice(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "recommend", "testdata", "libreoffice.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	form, _ := recommend.Read(data, recommend.ReadOptions{Definition: recDef})
	if form == nil {
		t.Fatal("the LibreOffice file is not a 推荐表")
	}
	unit := form.Agency()
	f := newFixture(t, func(c *Config) {
		r, _, err := roster.Parse("roster.csv", []byte("考核单位,类型,邮箱\n"+unit+",区,unit@example.org\n"))
		if err != nil {
			t.Fatal(err)
		}
		c.Roster = r
		c.Recommend = RecommendConfig{Definition: recDef, Season: 2021, Cutoff: recCutoff}
	})
	if err := f.st.SaveComputedResults(f.ctx, []store.FinalResult{{Agency: unit, Grade: store.GradeGood, Quota: 2}}, store.ResultsRun{}); err != nil {
		t.Fatal(err)
	}
	m := f.handle(mailSpec{from: "<unit@example.org>", subject: "推荐表", msgID: "lo@x", attachment: data, filename: "推荐表.xlsx"}.raw(), recReceived)
	got, ok, err := f.st.AgencyProposal(f.ctx, unit)
	if err != nil || !ok {
		t.Fatalf("proposal of %s: %v %v", unit, ok, err)
	}
	var at []string
	for _, fd := range got.Findings {
		at = append(at, string(fd.Code)+"@"+fd.Cell)
	}
	for _, want := range []string{"over_quota@B10", "publicity_too_short@G13"} {
		if !slices.Contains(at, want) {
			t.Errorf("findings %v lack %s", at, want)
		}
	}
	_, p := f.receipt(m)
	if !strings.Contains(p.Text, "单元格：B10") || !strings.Contains(p.Text, "单元格：G13") || len(p.Attachments) != 1 {
		t.Errorf("receipt (%d attachments):\n%s", len(p.Attachments), p.Text)
	}
}

// noNotices is a campaign with no staff notice pending.
type noNotices struct{}

func (noNotices) NoticesPending(context.Context) (bool, error) { return false, nil }
func (noNotices) SkipNotices(context.Context, int64) error     { return nil }

// After a lost database, the archive gives the proposals back as they
// were (versions, the person proposed twice), and nothing is sent again.
func TestRecommendRebuiltFromArchive(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2, "市建工局代办处": 2})
	f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "rb1@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "推荐表", msgID: "rb2@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived.Add(time.Hour))
	f.handle(mailSpec{from: "<jiangong@example.org>", subject: "推荐表", msgID: "rb3@x", attachment: goodRecForm("市建工局代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived.Add(2*time.Hour))
	before, err := f.st.CurrentProposals(f.ctx)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, store.ArchiveDir), os.DirFS(filepath.Join(f.st.Dir(), store.ArchiveDir))); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{Now: func() time.Time { return f.clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveComputedResults(f.ctx, []store.FinalResult{{Agency: "朝阳区代办处", Grade: store.GradeGood, Quota: 2},
		{Agency: "市建工局代办处", Grade: store.GradeGood, Quota: 2}}, store.ResultsRun{}); err != nil {
		t.Fatal(err)
	}
	rep, err := New(st, f.cfg).Rebuild(f.ctx, noNotices{}, nil)
	if err != nil || len(rep.Rebuilt) != 3 || len(rep.Failed) != 0 {
		t.Fatalf("rebuild: %+v %v", rep, err)
	}
	after, err := st.CurrentProposals(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d current proposals rebuilt, were %d", len(after), len(before))
	}
	for i := range after {
		a, b := after[i], before[i]
		if a.Agency != b.Agency || a.Version != b.Version || len(a.Persons) != len(b.Persons) ||
			!slices.Equal(a.Persons[0].AlsoProposedBy, b.Persons[0].AlsoProposedBy) || !slices.Equal(codes(a.Findings), codes(b.Findings)) {
			t.Errorf("rebuilt %s v%d %v %v, was v%d %v %v", a.Agency, a.Version, a.Persons[0].AlsoProposedBy, codes(a.Findings),
				b.Version, b.Persons[0].AlsoProposedBy, codes(b.Findings))
		}
	}
	if items, _ := st.OutboxByState(f.ctx, store.StatePending, 0); len(items) != 0 {
		t.Errorf("%d mails to send again after the rebuild", len(items))
	}
}
