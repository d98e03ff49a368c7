package annotate

import (
	"strconv"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/validate"
)

const formSheet = "考核表"

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

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
