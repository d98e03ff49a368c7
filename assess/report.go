package assess

import (
	"kaohe/scoring"
	"kaohe/validate"
)

// Status is the verdict on one file.
type Status string

const (
	StatusAccepted   Status = "accepted"   // no error: 通过
	StatusNeedsFix   Status = "needs_fix"  // errors to correct: 需修改
	StatusUnreadable Status = "unreadable" // no form could be read: 无法读取
)

// Label is the status in Chinese, as replies and sheets show it.
func (s Status) Label() string {
	switch s {
	case StatusAccepted:
		return "通过"
	case StatusNeedsFix:
		return "需修改"
	default:
		return "无法读取"
	}
}

// Report is the result of checking one workbook.
type Report struct {
	File          string             `json:"file"`
	Form          string             `json:"form"`              // the form year, e.g. "2021"
	FormID        string             `json:"form_id,omitempty"` // the definition that scored it (templates.Form.ID)
	Unit          string             `json:"unit"`
	Agency        string             `json:"agency,omitempty"` // the roster's name for the agency, when known
	AgencyType    scoring.AgencyType `json:"agency_type"`
	Status        Status             `json:"status"`
	Fields        map[string]any     `json:"fields"` // field id → number, date (2006-01-02), text or bool (signatures)
	Indicators    []IndicatorResult  `json:"indicators"`
	Sections      []SectionResult    `json:"sections"`
	SelfTotal     float64            `json:"self_total"`
	VerifiedTotal float64            `json:"verified_total"`
	Findings      []validate.Finding `json:"findings"` // errors first, then warnings, then notes
	// Submission is what was read, for annotating the agency's workbook; nil
	// when the file is unreadable.
	Submission *validate.Submission `json:"-"`
}

// IndicatorResult is one indicator's scores.
type IndicatorResult struct {
	ID       string   `json:"id"`
	Section  string   `json:"section"`
	Cell     string   `json:"cell"`
	Self     *float64 `json:"self"` // nil when blank or not a number
	Verified float64  `json:"verified"`
	Cap      float64  `json:"cap"`
}

// SectionResult is one section's subtotals.
type SectionResult struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Self     float64 `json:"self"`
	Verified float64 `json:"verified"`
	Cap      float64 `json:"cap"`
}

// Counts returns the number of error and warning findings.
func (r *Report) Counts() (errors, warnings int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case validate.SeverityError:
			errors++
		case validate.SeverityWarning:
			warnings++
		}
	}
	return errors, warnings
}
