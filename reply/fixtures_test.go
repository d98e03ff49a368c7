package reply

import (
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

const formSheet = "考核表"

// testWorkbook builds a small form: header row 5 (内容, 考核标准, 考核部门,
// 标准分, 自评分), indicators 1.1–1.4 on rows 6–9, 总分值 on row 10 and
// 填报人签字 on row 12. With note, F7 holds the agency's own remark, so the
// column right of 自评分 is not free.
func testWorkbook(t *testing.T, note bool) []byte {
	t.Helper()
	form := templates.MustLoad(2021)
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", formSheet); err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		if err := f.SetCellValue(formSheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", form.Title)
	set("A3", "考核单位：")
	set("B3", "朝阳区代办处")
	for i, h := range []string{"内容", "考核标准", "考核部门", "标准分", "自评分"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 5)
		set(cell, h)
	}
	self := []any{4, 5, nil, 4}
	for i, ind := range form.Sections[0].Indicators {
		row := 6 + i
		set("A"+itoa(row), form.Sections[0].Name)
		set("B"+itoa(row), ind.Criteria)
		set("C"+itoa(row), ind.Departments[0])
		set("D"+itoa(row), ind.Cap)
		if self[i] != nil {
			set("E"+itoa(row), self[i])
		}
	}
	set("A10", "总分值")
	set("E10", 14)
	set("A12", "填报人签字：")
	if note {
		set("F7", "已参加培训两次")
	}
	style, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(formSheet, "A5", "E5", style); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func itoa(i int) string {
	c, _ := excelize.CoordinatesToCellName(1, i)
	return c[1:]
}

func fp(f float64) *float64 { return &f }

// testReport is the check of testWorkbook, written by hand: findings out
// of order on purpose (Compose must put errors first).
func testReport() *assess.Report {
	return &assess.Report{
		File: "朝阳区考核表.xlsx", Form: "2021", Unit: "朝阳区代办处", AgencyType: scoring.District,
		Status:        assess.StatusNeedsFix,
		SelfTotal:     13,
		VerifiedTotal: 10,
		Indicators: []assess.IndicatorResult{
			{ID: "1.1", Section: "1", Cell: "E6", Self: fp(4), Verified: 4, Cap: 4},
			{ID: "1.2", Section: "1", Cell: "E7", Self: fp(5), Verified: 3, Cap: 3},
			{ID: "1.3", Section: "1", Cell: "E8", Self: nil, Verified: 0, Cap: 2},
			{ID: "1.4", Section: "1", Cell: "E9", Self: fp(4), Verified: 3, Cap: 6},
		},
		Findings: []validate.Finding{
			{Code: validate.CodeTotalMismatch, Severity: validate.SeverityWarning, Cell: "E10",
				Message: "总分值写的是 14，各项自评分相加是 13，请核对。"},
			{Code: validate.CodeNormalizedValue, Severity: validate.SeverityInfo, Cell: "E6", Indicator: "1.1",
				Message: "自评分\"４分\"已按 4 分读取。"},
			{Code: validate.CodeScoreAboveCap, Severity: validate.SeverityError, Cell: "E7", Indicator: "1.2",
				Message: "E7：自评分 5 超过标准分 3，请改为不超过 3 的分数。"},
			{Code: validate.CodeMissingScore, Severity: validate.SeverityError, Cell: "E8", Indicator: "1.3",
				Message: "自评分为空，请填写 0 或 2。"},
			{Code: validate.CodeScoreNotAllowed, Severity: validate.SeverityError, Cell: "E9", Indicator: "1.4",
				Message: "自评分 4 不是本项可得的分数（只能是 0、3、6），请按考核标准填写。"},
			{Code: validate.CodeMissingField, Severity: validate.SeverityError, Cell: "B12", Field: "filler_sign",
				Message: "填报人签字为空，请签字后扫描或填写姓名。"},
		},
		Submission: &validate.Submission{
			Year: 2021, Sheet: formSheet, SelfColumn: "E", CapColumn: "D", HeaderRow: 5,
			WrittenTotal: 14, HasWrittenTotal: true, TotalCell: "E10",
		},
	}
}

var (
	testReceived = time.Date(2022, 1, 4, 7, 30, 0, 0, time.UTC) // 15:30 Beijing
	testCutoff   = time.Date(2022, 1, 5, 16, 0, 0, 0, time.UTC) // 2022-01-06 00:00 Beijing
)

func testIncoming(t *testing.T) Incoming {
	return Incoming{
		MessageID:  "<20220104153000.abc@agency.example.cn>",
		References: []string{"<root@agency.example.cn>"},
		Subject:    "朝阳区2021年度考核表",
		FromAddr:   "clerk@agency.example.cn",
		FromName:   "张三",
		To:         "chaoyang@agency.example.cn",
		ToName:     "朝阳区代办处",
		ReceivedAt: testReceived,
		OnTime:     true,
		Cutoff:     testCutoff,
		Agency:     "朝阳区代办处",
		Attachments: []Attachment{
			{Filename: "朝阳区考核表.xlsx", Kind: AttachXLSX, Report: testReport(), Data: testWorkbook(t, false)},
			{Filename: "说明.docx", Kind: AttachOther},
		},
	}
}

func testOptions() ComposeOptions {
	return ComposeOptions{
		From:        "zzjgb@bjszghzbz.org.cn",
		FromName:    "北京办事处组织机构部",
		Contact:     "王明、孙梦艺，电话 67687655",
		Now:         testReceived.Add(2 * time.Minute),
		MsgIDDomain: "bjszghzbz.org.cn",
		Form:        templates.MustLoad(2021),
	}
}
