package templates

import (
	"embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"kaohe/internal/cst"
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
}

// Load returns the form of the given campaign year.
func Load(year int) (*Form, error) {
	data, err := Source(year)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Source returns the embedded definition of the given year as written, the
// starting point for a copy that a new year's form edits.
func Source(year int) ([]byte, error) {
	data, err := formFiles.ReadFile(fmt.Sprintf("form-%d.yaml", year))
	if err != nil {
		return nil, fmt.Errorf("no form for year %d (have %v)", year, Years())
	}
	return data, nil
}

// MustLoad is Load for forms embedded in the binary, which tests prove valid.
func MustLoad(year int) *Form {
	f, err := Load(year)
	if err != nil {
		panic(err)
	}
	return f
}

var formFileName = regexp.MustCompile(`^form-(\d{4})\.yaml$`)

// Years lists the years whose form is embedded, ascending.
func Years() []int {
	entries, _ := formFiles.ReadDir(".")
	var years []int
	for _, e := range entries {
		if m := formFileName.FindStringSubmatch(e.Name()); m != nil {
			y, _ := strconv.Atoi(m[1])
			years = append(years, y)
		}
	}
	sort.Ints(years)
	return years
}

// Parse reads a form definition and checks that it is coherent.
func Parse(data []byte) (*Form, error) {
	var f Form
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse form: %w", err)
	}
	for si := range f.Sections {
		for ii := range f.Sections[si].Indicators {
			ind := &f.Sections[si].Indicators[ii]
			ind.Section = f.Sections[si].ID
			slices.Sort(ind.Allowed)
		}
	}
	var errs []error
	if f.IssuedText != "" {
		t, err := time.ParseInLocation("2006-01-02", f.IssuedText, cst.Location())
		if err != nil {
			errs = append(errs, fmt.Errorf("issued: want a date such as 2021-12-13: %w", err))
		}
		f.Issued = t
	}
	if f.CutoffText != "" {
		t, err := time.Parse(time.RFC3339, f.CutoffText)
		if err != nil {
			errs = append(errs, fmt.Errorf("cutoff: want RFC 3339 such as 2022-01-06T00:00:00+08:00: %w", err))
		}
		f.Cutoff = t
	}
	if err := f.check(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

func (f *Form) check() error {
	var errs []error
	seen := map[string]bool{}
	var total float64
	for _, s := range f.Sections {
		var sum float64
		for _, ind := range s.Indicators {
			if seen[ind.ID] {
				errs = append(errs, fmt.Errorf("indicator %s: duplicate id", ind.ID))
			}
			seen[ind.ID] = true
			sum += ind.Cap
			if len(ind.Allowed) == 0 || ind.Allowed[len(ind.Allowed)-1] != ind.Cap {
				errs = append(errs, fmt.Errorf("indicator %s: allowed scores must end at the cap %g", ind.ID, ind.Cap))
			}
			if len(ind.Allowed) > 0 && ind.Allowed[0] < 0 {
				errs = append(errs, fmt.Errorf("indicator %s: negative allowed score", ind.ID))
			}
			if ind.Criteria == "" || len(ind.Departments) == 0 {
				errs = append(errs, fmt.Errorf("indicator %s: criteria and departments are required", ind.ID))
			}
			if err := f.checkDerivation(ind); err != nil {
				errs = append(errs, err)
			}
		}
		if math.Abs(sum-s.Cap) > 1e-9 {
			errs = append(errs, fmt.Errorf("section %s: indicator caps sum to %g, section cap is %g", s.ID, sum, s.Cap))
		}
		total += s.Cap
	}
	if math.Abs(total-f.TotalCap) > 1e-9 {
		errs = append(errs, fmt.Errorf("section caps sum to %g, total cap is %g", total, f.TotalCap))
	}
	fields := map[string]bool{}
	for _, fd := range f.Fields {
		if fields[fd.ID] {
			errs = append(errs, fmt.Errorf("field %s: duplicate id", fd.ID))
		}
		fields[fd.ID] = true
	}
	for _, fd := range f.Fields {
		if fd.AtMost != "" && !fields[fd.AtMost] {
			errs = append(errs, fmt.Errorf("field %s: at_most names unknown field %q", fd.ID, fd.AtMost))
		}
	}
	if err := f.checkCrossFields(); err != nil {
		errs = append(errs, err)
	}
	if err := f.checkAtMostChains(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
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
