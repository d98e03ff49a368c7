package templates

import (
	"embed"
	"math"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed form-*.yaml
var formFiles embed.FS

// FieldKind says how a field's cell is read.
type FieldKind string

const (
	KindText    FieldKind = "text"    // free text, e.g. 考核单位
	KindDate    FieldKind = "date"    // 填报日期, any common written form or an Excel serial
	KindCount   FieldKind = "count"   // a whole number ≥ 0
	KindPercent FieldKind = "percent" // 0–100
	KindSign    FieldKind = "sign"    // a seal or signature: text or a picture
)

// Form is one year's assessment form.
type Form struct {
	Year       int       `yaml:"year"`
	Title      string    `yaml:"title"`
	TotalLabel string    `yaml:"total_label"`
	TotalCap   float64   `yaml:"total_cap"`
	Columns    Columns   `yaml:"columns"`
	Note       string    `yaml:"note"`
	BasicLabel string    `yaml:"basic_label"`
	Groups     []Group   `yaml:"groups"`
	Fields     []Field   `yaml:"fields"`
	Sections   []Section `yaml:"sections"`
	// ActivityLabel is what the form calls the activities (保障活动), for
	// the messages that explain a derived score.
	ActivityLabel string `yaml:"activity_label"`
	// Issued is the day the form was published (the notice's date): a
	// form dated before it is suspicious. Zero when the file has none.
	Issued time.Time `yaml:"-"`
	// Cutoff is the campaign's cut-off as the notice sets it, the default
	// when no configuration gives one. Zero when the file has none.
	Cutoff time.Time `yaml:"-"`
	// IssuedText and CutoffText are Issued ("2006-01-02", Beijing) and
	// Cutoff (RFC 3339) as the file writes them.
	IssuedText string `yaml:"issued"`
	CutoffText string `yaml:"cutoff"`
	// ID names this definition: its year and the first bytes of the
	// SHA-256 of the file, e.g. "2021-3f9a61c2". A result records the ID
	// of the definition that scored it, so that two edits of one year's
	// file are told apart.
	ID string `yaml:"-"`

	source   []byte // the definition as written
	embedded bool   // built into the program (Load), not read from a file
}

// Columns are the header labels of the indicator table.
type Columns struct {
	Section    string `yaml:"section"`
	Criteria   string `yaml:"criteria"`
	Department string `yaml:"department"`
	Cap        string `yaml:"cap"`
	Self       string `yaml:"self"`
}

// Group is a block of fields: the header lines, the two groups of the
// 基本情况 block, and the signatures.
type Group struct {
	ID    string `yaml:"id"`
	Label string `yaml:"label"`
}

// Field is one labelled value outside the indicator table.
type Field struct {
	ID       string    `yaml:"id"`
	Label    string    `yaml:"label"`
	Group    string    `yaml:"group"`
	Kind     FieldKind `yaml:"kind"`
	Unit     string    `yaml:"unit"`     // 个, 人, 项, %: a suffix accepted after the number
	Required bool      `yaml:"required"` // empty is a missing_field error
	Max      *float64  `yaml:"max"`      // inclusive upper bound, e.g. 6 activities
	AtMost   string    `yaml:"at_most"`  // id of a field this one must not exceed
	Activity bool      `yaml:"activity"` // an activity's participant count, which the derivation rules count
	// Ratio says that this percent field should equal part / whole × 100.
	Ratio *Ratio `yaml:"ratio"`
	// JoinedActivities says that this count declares how many activities
	// have participants, which the activity counts should confirm.
	JoinedActivities bool `yaml:"joined_activities"`
	// Line is where the field starts in the definition file.
	Line int `yaml:"-"`
}

// Ratio is a cross-field check: a percent that should equal Part / Whole ×
// 100, within Tolerance percentage points.
type Ratio struct {
	Part      string  `yaml:"part"`
	Whole     string  `yaml:"whole"`
	Tolerance float64 `yaml:"tolerance"`
}

// Section is one of the form's parts, with its indicators.
type Section struct {
	ID         string      `yaml:"id"`
	Name       string      `yaml:"name"`
	Cap        float64     `yaml:"cap"`
	Bonus      bool        `yaml:"bonus"` // 加分项
	Indicators []Indicator `yaml:"indicators"`
	Line       int         `yaml:"-"` // where the section starts in the definition file
}

// Indicator is one scored row of the form.
type Indicator struct {
	ID          string      `yaml:"id"`
	Criteria    string      `yaml:"criteria"`
	Departments []string    `yaml:"departments"`
	Cap         float64     `yaml:"cap"`
	Allowed     []float64   `yaml:"allowed"` // ascending; the scores the criteria can give
	Derive      *Derivation `yaml:"derive"`  // nil when the self-score is only checked
	Section     string      `yaml:"-"`       // filled by Load
	Line        int         `yaml:"-"`       // where the indicator starts in the definition file
}

// UnmarshalYAML records the field's line.
func (fd *Field) UnmarshalYAML(n *yaml.Node) error {
	type plain Field
	if err := n.Decode((*plain)(fd)); err != nil {
		return err
	}
	fd.Line = n.Line
	return nil
}

// UnmarshalYAML records the section's line.
func (s *Section) UnmarshalYAML(n *yaml.Node) error {
	type plain Section
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	return nil
}

// UnmarshalYAML records the indicator's line.
func (ind *Indicator) UnmarshalYAML(n *yaml.Node) error {
	type plain Indicator
	if err := n.Decode((*plain)(ind)); err != nil {
		return err
	}
	ind.Line = n.Line
	return nil
}

// Indicators lists every indicator in form order.
func (f *Form) Indicators() []Indicator {
	var out []Indicator
	for _, s := range f.Sections {
		out = append(out, s.Indicators...)
	}
	return out
}

// Indicator returns the indicator with the given id.
func (f *Form) Indicator(id string) (Indicator, bool) {
	for _, s := range f.Sections {
		for _, ind := range s.Indicators {
			if ind.ID == id {
				return ind, true
			}
		}
	}
	return Indicator{}, false
}

// Field returns the field with the given id.
func (f *Form) Field(id string) (Field, bool) {
	for _, fd := range f.Fields {
		if fd.ID == id {
			return fd, true
		}
	}
	return Field{}, false
}

// FieldsIn lists the fields of one group in form order.
func (f *Form) FieldsIn(group string) []Field {
	var out []Field
	for _, fd := range f.Fields {
		if fd.Group == group {
			out = append(out, fd)
		}
	}
	return out
}

// Allows reports whether score is one the indicator's criteria can give.
func (ind Indicator) Allows(score float64) bool {
	for _, a := range ind.Allowed {
		if math.Abs(a-score) < 1e-9 {
			return true
		}
	}
	return false
}

// Floor returns the largest allowed score not above score (0 when none is).
func (ind Indicator) Floor(score float64) float64 {
	best := 0.0
	for _, a := range ind.Allowed {
		if a <= score+1e-9 {
			best = a
		}
	}
	return best
}
