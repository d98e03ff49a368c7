package validate

// Severity says what a finding asks of the agency.
type Severity string

const (
	SeverityError   Severity = "error"   // the sheet must be corrected and sent again
	SeverityWarning Severity = "warning" // worth a look
	SeverityInfo    Severity = "info"    // a note
)

// Rank orders severities for reports: errors first.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	default:
		return 2
	}
}

// Label is the severity in Chinese, for reports and sheets.
func (s Severity) Label() string {
	switch s {
	case SeverityError:
		return "错误"
	case SeverityWarning:
		return "提醒"
	default:
		return "说明"
	}
}

// Code is a finding's stable identifier (spec section 7).
type Code string

const (
	CodeUnreadableFile        Code = "unreadable_file"
	CodeEncryptedFile         Code = "encrypted_file"
	CodeLegacyFormat          Code = "legacy_format"
	CodeFormNotFound          Code = "form_not_found"
	CodeWrongYear             Code = "wrong_year"
	CodeIndicatorNotFound     Code = "indicator_not_found"
	CodeCapAltered            Code = "cap_altered"
	CodeMissingScore          Code = "missing_score"
	CodeNotANumber            Code = "not_a_number"
	CodeNegativeScore         Code = "negative_score"
	CodeScoreAboveCap         Code = "score_above_cap"
	CodeScoreNotAllowed       Code = "score_not_allowed"
	CodeScoreNotEligible      Code = "score_not_eligible"
	CodeScoreInconsistent     Code = "score_inconsistent"
	CodeTotalMismatch         Code = "total_mismatch"
	CodeMissingField          Code = "missing_field"
	CodeInvalidField          Code = "invalid_field"
	CodeInconsistentCounts    Code = "inconsistent_counts"
	CodeCoverageMismatch      Code = "coverage_mismatch"
	CodeActivityCountMismatch Code = "activity_count_mismatch"
	CodeDateSuspicious        Code = "date_suspicious"
	CodeFormulaError          Code = "formula_error"
	CodeNormalizedValue       Code = "normalized_value"
	CodeTypeInferred          Code = "type_inferred"
	CodeUnitMismatch          Code = "unit_mismatch"
	CodeSheetsIgnored         Code = "sheets_ignored"
)

// Severity is the fixed severity of each code.
func (c Code) Severity() Severity {
	switch c {
	case CodeTotalMismatch, CodeCoverageMismatch, CodeActivityCountMismatch,
		CodeDateSuspicious, CodeUnitMismatch, CodeDuplicatePerson, CodeLate:
		return SeverityWarning
	case CodeNormalizedValue, CodeTypeInferred, CodeSheetsIgnored:
		return SeverityInfo
	default:
		return SeverityError
	}
}

// FileLevel reports whether the code means no form could be read from the
// file at all, so the file's status is "unreadable".
func (c Code) FileLevel() bool {
	switch c {
	case CodeUnreadableFile, CodeEncryptedFile, CodeLegacyFormat, CodeFormNotFound, CodeWrongYear:
		return true
	}
	return false
}

// Finding is one problem found in a submission.
type Finding struct {
	Code      Code     `json:"code"`
	Severity  Severity `json:"severity"`
	Sheet     string   `json:"sheet,omitempty"`
	Cell      string   `json:"cell"`      // e.g. "F17"; "" when the problem has no cell
	Indicator string   `json:"indicator"` // indicator id, e.g. "1.4"
	Field     string   `json:"field"`     // field id of the spec's section 3, e.g. "filler_sign"
	Message   string   `json:"message"`   // Chinese: what is wrong and what to do
}

// NewFinding builds a finding with the code's severity.
func NewFinding(code Code, message string) Finding {
	return Finding{Code: code, Severity: code.Severity(), Message: message}
}

// codeLabels name each code in a few Chinese words, for tables.
var codeLabels = map[Code]string{
	CodeUnreadableFile:        "文件无法读取",
	CodeEncryptedFile:         "文件有密码",
	CodeLegacyFormat:          "旧版格式",
	CodeFormNotFound:          "没有考核表",
	CodeWrongYear:             "年度不对",
	CodeIndicatorNotFound:     "找不到指标",
	CodeCapAltered:            "标准分被改",
	CodeMissingScore:          "自评分空白",
	CodeNotANumber:            "自评分不是数字",
	CodeNegativeScore:         "自评分为负",
	CodeScoreAboveCap:         "超过标准分",
	CodeScoreNotAllowed:       "分值不符合标准",
	CodeScoreNotEligible:      "不适用本单位",
	CodeScoreInconsistent:     "与基本情况不符",
	CodeTotalMismatch:         "总分不符",
	CodeMissingField:          "漏填",
	CodeInvalidField:          "填写有误",
	CodeInconsistentCounts:    "人数矛盾",
	CodeCoverageMismatch:      "覆盖率不符",
	CodeActivityCountMismatch: "活动项数不符",
	CodeDateSuspicious:        "日期存疑",
	CodeFormulaError:          "公式错误",
	CodeNormalizedValue:       "已按常规读取",
	CodeTypeInferred:          "类型为推定",
	CodeUnitMismatch:          "单位与邮箱不符",
	CodeSheetsIgnored:         "其他工作表未读",
}

// Label is the code in a few Chinese words ("超过标准分"); the code itself
// when it has none.
func (c Code) Label() string {
	if l, ok := codeLabels[c]; ok {
		return l
	}
	if l, ok := recommendLabels[c]; ok {
		return l
	}
	return string(c)
}
