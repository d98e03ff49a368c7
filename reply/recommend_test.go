package reply

import (
	"strings"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/validate"
)

var testRecCutoff = time.Date(2022, 3, 31, 16, 0, 0, 0, time.UTC) // 2022-04-01 00:00 Beijing

func testRecommendation() *Recommendation {
	over := validate.NewFinding(validate.Code("over_quota"), "推荐了 3 人，超过贵单位的名额 2 人，请删减到 2 人以内。")
	over.Severity = validate.SeverityError
	dup := validate.NewFinding(validate.Code("duplicate_person"), "“张三”（1980年5月）也由其他代办处推荐，办事处将核实。")
	dup.Severity, dup.Cell = validate.SeverityWarning, "B12"
	return &Recommendation{
		Unit: "朝阳区代办处", ProposesUnit: true, Persons: []string{"张三", "李四", "王五"},
		Quota: 2, QuotaKnown: true, OnTime: true, Cutoff: testRecCutoff,
		Findings: []RecommendFinding{{Finding: dup, Item: "第1行 姓名"}, {Finding: over, Item: "优秀个人"}},
		// The receipt carries the copy as it is; making it is the form's.
		Annotated: []byte("PK annotated"),
	}
}

func TestComposeRecommendReceipt(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	in.Subject = "朝阳区推荐表"
	in.OnTime = false // past the 考核表's deadline: not what this receipt is about
	in.Attachments = []Attachment{{Filename: "推荐表.xlsx", Kind: AttachRecommend, Recommend: testRecommendation()}}
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if subj, _ := pm.h.Subject(); subj != "推荐表 回执：朝阳区推荐表" {
		t.Errorf("subject %q", subj)
	}
	for name, body := range map[string]string{"text": pm.text, "html": pm.html} {
		for _, s := range []string{"状态：", "需修改", "推荐单位：朝阳区代办处", "推荐为优秀单位：是", "推荐优秀个人：3 人（张三、李四、王五）",
			"2 人", "超过贵单位的名额", "也由其他代办处推荐", "2022年3月31日 24:00", "整张推荐表", "推荐表（核对结果）.xlsx"} {
			if !strings.Contains(body, s) {
				t.Errorf("%s body lacks %q", name, s)
			}
		}
		// The error comes before the warning; nothing of the 考核表.
		if strings.Index(body, "超过贵单位的名额") > strings.Index(body, "也由其他代办处推荐") {
			t.Errorf("%s body: the warning comes first", name)
		}
		for _, s := range []string{"逾期", "考核表核对结果", "视为考核成绩不合格", "空白考核表"} {
			if strings.Contains(body, s) {
				t.Errorf("%s body says %q", name, s)
			}
		}
	}
	if len(pm.atts) != 1 || pm.atts[0].name != "推荐表（核对结果）.xlsx" || string(pm.atts[0].data) != "PK annotated" {
		t.Errorf("attachments %+v", pm.atts)
	}
}

func TestComposeRecommendLateQuotaUnknown(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	rec := &Recommendation{Unit: "朝阳区代办处", Persons: []string{"张三"}, Cutoff: testRecCutoff}
	in.Attachments = []Attachment{{Filename: "推荐表.xlsx", Kind: AttachRecommend, Recommend: rec}}
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	for _, s := range []string{"状态：逾期（表格核对通过）", "属于逾期报送", "是否按期：逾期", "推荐为优秀单位：否", "尚未确定", "未核对推荐人数", "未发现问题"} {
		if !strings.Contains(pm.text, s) {
			t.Errorf("text lacks %q:\n%s", s, pm.text)
		}
	}
	if len(pm.atts) != 0 {
		t.Errorf("%d attachments for a form with nothing to mark", len(pm.atts))
	}
}

// A mail with a 考核表 and a 推荐表 gets one receipt covering both, each
// against its own deadline.
func TestComposeRecommendWithForm(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	in.Attachments = append([]Attachment{{Filename: "推荐表.xlsx", Kind: AttachRecommend, Recommend: testRecommendation()}}, in.Attachments...)
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if subj, _ := pm.h.Subject(); subj != "考核表、推荐表 回执：朝阳区2021年度考核表" {
		t.Errorf("subject %q", subj)
	}
	for _, s := range []string{"二、推荐表核对结果", "【1】推荐表.xlsx", "三、考核表核对结果", "【2】朝阳区考核表.xlsx", "自评分 5 超过标准分 3",
		"考核表报送截止：2022年1月5日 24:00前", "四、下一步", "说明.docx：不是考核表或推荐表，未处理。"} {
		if !strings.Contains(pm.text, s) {
			t.Errorf("text lacks %q", s)
		}
	}
	names := map[string]bool{}
	for _, a := range pm.atts {
		names[a.name] = true
	}
	if len(pm.atts) != 2 || !names["推荐表（核对结果）.xlsx"] || !names["朝阳区考核表（核对结果）.xlsx"] {
		t.Errorf("attachments %v", names)
	}
}

// Beside a 推荐表, a workbook with no form in it is one more file, not an
// unreadable 考核表, and no blank 考核表 is attached.
func TestComposeRecommendWithOtherWorkbook(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	notForm := &assess.Report{Status: assess.StatusUnreadable,
		Findings: []validate.Finding{validate.NewFinding(validate.CodeFormNotFound, "附件中没有找到考核表。")}}
	in.Attachments = []Attachment{
		{Filename: "推荐表.xlsx", Kind: AttachRecommend, Recommend: testRecommendation()},
		{Filename: "事迹材料.xlsx", Kind: AttachXLSX, Report: notForm},
	}
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if !strings.Contains(pm.text, "事迹材料.xlsx：不是考核表或推荐表，未处理。") || strings.Contains(pm.text, "考核表核对结果") {
		t.Errorf("text:\n%s", pm.text)
	}
	if subj, _ := pm.h.Subject(); !strings.HasPrefix(subj, "推荐表 回执：") {
		t.Errorf("subject %q", subj)
	}
	if len(pm.atts) != 1 {
		t.Errorf("%d attachments, want the annotated 推荐表 only", len(pm.atts))
	}
}
