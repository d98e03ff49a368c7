package reply

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	testPublished       = time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)  // 10:00 Beijing
	testRecommendCutoff = time.Date(2022, 4, 15, 16, 0, 0, 0, time.UTC) // 2022-04-16 00:00 Beijing
)

func ptr(f float64) *float64 { return &f }

// testResult is a 良好 district agency: one section lowered by the
// reviewers with a note, one note on the whole, three places.
func testResult() ResultNotice {
	return ResultNotice{
		Agency: "东城区代办处", Group: "区（开发区）代办处", Grade: "良好", Final: 82.5, Cap: 125, Rank: 4, Ranked: 16,
		Sections: []SectionResult{
			{Name: "组织机构管理", Cap: 15, Self: ptr(15), Verified: 15},
			{Name: "业务财务管理", Cap: 45, Self: ptr(44), Verified: 42, Reviewed: ptr(38.5)},
			{Name: "业务拓展", Cap: 40, Self: ptr(30), Verified: 29},
			{Name: "加分项", Cap: 25, Self: nil, Verified: 0, Reviewed: ptr(0)},
		},
		Notes: []ReviewNote{
			{Item: "2.3 会计核算", Text: "凭证装订不全，扣 3.5 分。"},
			{Text: "请加强档案管理。"},
		},
		Quota: 3, RecommendCutoff: testRecommendCutoff, PublicityDays: 5,
		Attachment: []byte("PK fake workbook"), AttachmentName: "2021年度优秀单位及优秀个人推荐表（东城区代办处）.xlsx",
	}
}

func resultOptions() ComposeOptions {
	o := testOptions()
	o.Season = 2021
	return o
}

// english finds Latin words in what a reader sees: the text part, or the
// HTML with its tags removed; addresses, file extensions and the names of
// the spreadsheet programs the office's clerks use are left out.
var (
	htmlTags   = regexp.MustCompile(`<[^>]*>`)
	addresses  = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+`)
	extensions = regexp.MustCompile(`\.xlsx\b|\bExcel\b|\bWPS\b`)
	latin      = regexp.MustCompile(`[A-Za-z]{2,}`)
)

func assertNoEnglish(t *testing.T, what, s string) {
	t.Helper()
	s = htmlTags.ReplaceAllString(s, " ")
	s = extensions.ReplaceAllString(addresses.ReplaceAllString(s, " "), " ")
	if w := latin.FindAllString(s, 5); len(w) > 0 {
		t.Errorf("%s shows English words %q", what, w)
	}
}

func TestResultNoticeContent(t *testing.T) {
	t.Parallel()
	m, err := ComposeResultNotice(testResult(), "dc@agency.example.cn", Issue{Number: 1, At: testPublished}, "result|test", resultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	subj, _ := pm.h.Subject()
	if !strings.Contains(subj, "考核结果") || !strings.Contains(subj, "东城区代办处") || strings.Contains(subj, "更正") {
		t.Errorf("subject %q", subj)
	}
	if to, _ := pm.h.AddressList("To"); len(to) != 1 || to[0].Address != "dc@agency.example.cn" {
		t.Errorf("To %v", to)
	}
	if d, _ := pm.h.Date(); !d.Equal(testPublished) {
		t.Errorf("Date %v, want the issue's time", d)
	}
	for _, part := range []struct{ name, body string }{{"text", pm.text}, {"html", pm.html}} {
		for _, want := range []string{
			"考核等级", "良好", "82.5", "满分 125", "合计", "第 4 名", "共 16 家",
			"业务财务管理", "44", "42", "38.5", // self, verified, reviewed of the lowered section
			"凭证装订不全，扣 3.5 分。", "2.3 会计核算", "请加强档案管理。",
			"3 名", "2022年4月15日 24:00", "不少于 5 个工作日", "2021年度优秀单位及优秀个人推荐表（东城区代办处）.xlsx",
			"王明、孙梦艺，电话 67687655", "2022年3月10日",
		} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q", part.name, want)
			}
		}
		for _, unwanted := range []string{"更正", "不合格", "逾期"} {
			if strings.Contains(part.body, unwanted) {
				t.Errorf("%s part of a plain 良好 notice says %q", part.name, unwanted)
			}
		}
		assertNoEnglish(t, part.name+" part", part.body)
	}
	if len(pm.atts) != 1 || pm.atts[0].name != "2021年度优秀单位及优秀个人推荐表（东城区代办处）.xlsx" || string(pm.atts[0].data) != "PK fake workbook" {
		t.Errorf("attachments %+v", pm.atts)
	}
	// Composing again gives the same bytes: a retry queues the same mail.
	again, err := ComposeResultNotice(testResult(), "dc@agency.example.cn", Issue{Number: 1, At: testPublished}, "result|test", resultOptions())
	if err != nil || string(again.Raw) != string(m.Raw) {
		t.Errorf("composing again differs (%v)", err)
	}
}

func TestResultNoticeFailed(t *testing.T) {
	t.Parallel()
	cutoff := testCutoff
	cases := []struct {
		name   string
		fail   FailReason
		says   []string
		noSays []string
	}{
		{"late", FailLate, []string{"之后才收到", "2022年1月5日 24:00", "视为考核成绩不合格", "仅供参考", "82.5"}, []string{"一票否决"}},
		{"missing", FailMissing, []string{"没有收到贵单位的考核自评表", "视为考核成绩不合格", "无（未收到考核自评表）"}, []string{"82.5", "仅供参考"}},
		{"unreadable", FailUnreadable, []string{"都无法读取", "视为考核成绩不合格", "无（报送的考核表无法读取）"}, []string{"82.5", "仅供参考"}},
		{"veto", FailVeto, []string{"一票否决", "信息安全", "审核意见", "仅供参考"}, []string{"之后才收到"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := testResult()
			n.Grade, n.Fail, n.Cutoff, n.Quota, n.Rank = "不合格", c.fail, cutoff, 0, 0
			if !n.Scored() {
				n.Sections, n.Notes = nil, nil
			}
			n.Attachment = nil
			m, err := ComposeResultNotice(n, "dc@agency.example.cn", Issue{Number: 1, At: testPublished}, "result|"+c.name, resultOptions())
			if err != nil {
				t.Fatal(err)
			}
			pm := parseMail(t, m.Raw)
			for _, part := range []struct{ name, body string }{{"text", pm.text}, {"html", pm.html}} {
				for _, want := range append(c.says, "不合格", "没有优秀个人推荐名额", "无需报送推荐表", "请尽快与工作人员联系") {
					if !strings.Contains(part.body, want) {
						t.Errorf("%s part lacks %q", part.name, want)
					}
				}
				for _, unwanted := range append(c.noSays, "公示", "推荐材料请于") {
					if strings.Contains(part.body, unwanted) {
						t.Errorf("%s part says %q", part.name, unwanted)
					}
				}
				assertNoEnglish(t, part.name+" part", part.body)
			}
			if f := n.Facts(); f[len(f)-1].Label != "优秀个人推荐名额" || f[len(f)-1].Value != "0 名" {
				t.Errorf("facts end with %+v", f[len(f)-1])
			}
		})
	}
}

func TestResultNoticeCorrection(t *testing.T) {
	t.Parallel()
	before := testResult()
	after := testResult()
	after.Grade, after.Final, after.Quota = "优秀", 87, 4
	after.Sections[1].Reviewed = ptr(43)
	iss := Issue{Number: 2, Changes: diffFacts(before.Facts(), after.Facts()), Previous: testPublished, At: testPublished.Add(72 * time.Hour)}
	m, err := ComposeResultNotice(after, "dc@agency.example.cn", iss, "result|test|r2", resultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	subj, _ := pm.h.Subject()
	if !strings.HasPrefix(subj, "【更正】") || !strings.Contains(subj, "考核结果") {
		t.Errorf("subject %q", subj)
	}
	for _, part := range []struct{ name, body string }{{"text", pm.text}, {"html", pm.html}} {
		for _, want := range []string{
			"更正并取代办事处于 2022年3月10日 10:00 发出的考核结果通知",
			"考核等级：由“良好”改为“优秀”", "最终得分：由“82.5”改为“87”",
			"业务财务管理审核分：由“38.5”改为“43”", "优秀个人推荐名额：由“3 名”改为“4 名”", "2022年3月13日",
		} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q", part.name, want)
			}
		}
		if strings.Contains(part.body, "组织机构管理核定分") || strings.Contains(part.body, "业务财务管理得分") {
			t.Errorf("%s part lists an unchanged or derived fact as changed", part.name)
		}
		assertNoEnglish(t, part.name+" part", part.body)
	}
	third := iss
	third.Number = 3
	m, err = ComposeResultNotice(after, "dc@agency.example.cn", third, "result|test|r3", resultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm = parseMail(t, m.Raw)
	if subj, _ := pm.h.Subject(); !strings.HasSuffix(subj, "（第2次更正）") {
		t.Errorf("third issue's subject %q", subj)
	}
}

// diffFacts is the notice package's Diff, which reply cannot import.
func diffFacts(before, after []Fact) []Change {
	old := map[string]string{}
	for _, f := range before {
		old[f.Label] = f.Value
	}
	var out []Change
	for _, f := range after {
		if old[f.Label] != f.Value {
			out = append(out, Change{Label: f.Label, Before: old[f.Label], After: f.Value})
		}
	}
	return out
}

func TestFinalList(t *testing.T) {
	t.Parallel()
	l := FinalList{Agency: "东城区代办处", Unit: &FinalDecision{Decision: DecisionConfirmed},
		Persons: []FinalPerson{
			{Name: "张伟", Post: "代办员", FinalDecision: FinalDecision{Decision: DecisionConfirmed}},
			{Name: "李娜", FinalDecision: FinalDecision{Decision: DecisionNotConfirmed, Note: "公示期不足"}},
		}}
	m, err := ComposeFinalList(l, "dc@agency.example.cn", Issue{Number: 1, At: testPublished}, "final|test", resultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	subj, _ := pm.h.Subject()
	if !strings.Contains(subj, "确定名单反馈") || strings.Contains(subj, "更正") {
		t.Errorf("subject %q", subj)
	}
	for _, part := range []struct{ name, body string }{{"text", pm.text}, {"html", pm.html}} {
		for _, want := range []string{"确定为优秀单位", "确定为优秀个人（1 名）", "张伟（代办员）", "未确定（1 名）", "李娜", "公示期不足"} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q", part.name, want)
			}
		}
		assertNoEnglish(t, part.name+" part", part.body)
	}
	changed := l
	changed.Persons = []FinalPerson{l.Persons[0], {Name: "李娜", FinalDecision: FinalDecision{Decision: DecisionConfirmed}}}
	iss := Issue{Number: 2, Changes: diffFacts(l.Facts(), changed.Facts()), Previous: testPublished, At: testPublished.Add(24 * time.Hour)}
	m, err = ComposeFinalList(changed, "dc@agency.example.cn", iss, "final|test|r2", resultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm = parseMail(t, m.Raw)
	if subj, _ := pm.h.Subject(); !strings.HasPrefix(subj, "【更正】") {
		t.Errorf("subject %q", subj)
	}
	if want := "优秀个人 李娜：由“未确定（公示期不足）”改为“确定”"; !strings.Contains(pm.text, want) || !strings.Contains(pm.html, want) {
		t.Errorf("the 更正 does not say %q:\n%s", want, pm.text)
	}
}

// TestResultNoticeGolden compares the text and HTML of a result notice and
// of its 更正 with testdata/result_notice*.golden; -update rewrites them.
func TestResultNoticeGolden(t *testing.T) {
	t.Parallel()
	before, after := testResult(), testResult()
	after.Grade, after.Final = "优秀", 87
	after.Sections[1].Reviewed = ptr(43)
	for name, iss := range map[string]Issue{
		"result_notice":            {Number: 1, At: testPublished},
		"result_notice_correction": {Number: 2, Changes: diffFacts(before.Facts(), after.Facts()), Previous: testPublished, At: testPublished.Add(72 * time.Hour)},
	} {
		n := before
		if iss.Correction() {
			n = after
		}
		m, err := ComposeResultNotice(n, "dc@agency.example.cn", iss, "result|golden", resultOptions())
		if err != nil {
			t.Fatal(err)
		}
		pm := parseMail(t, m.Raw)
		for ext, got := range map[string]string{".txt.golden": pm.text, ".html.golden": pm.html} {
			got = strings.ReplaceAll(got, "\r\n", "\n")
			path := filepath.Join("testdata", name+ext)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestResultNoticeGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendering; rerun with -update and review the diff\n--- got ---\n%s", path, got)
			}
		}
	}
}
