package recommend

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"kaohe/templates"
)

//go:embed recommend-*.yaml
var definitionFiles embed.FS

// Kind says how a field's cell is read and checked.
type Kind string

const (
	KindText   Kind = "text"   // free text, at most MaxRunes 字 when set
	KindChoice Kind = "choice" // one of Choices, from a drop-down
	KindDate   Kind = "date"   // a day: a date cell or 2022年3月1日, 2022-03-01, 2022.3.1
	KindMonth  Kind = "month"  // a month: a date cell or 1985年3月, 1985.03, 1985-03
	KindYears  Kind = "years"  // a whole number of years ≥ 0, 年 allowed after it
	KindSign   Kind = "sign"   // a signature or seal: text or a picture
	KindPhone  Kind = "phone"  // the unit's telephone number
)

// Field ids the checks rely on; a definition must have each.
const (
	FieldAgency          = "agency"
	FieldProposeUnit     = "propose_unit"
	FieldUnitDeeds       = "unit_deeds"
	FieldPublicityStart  = "publicity_start"
	FieldPublicityEnd    = "publicity_end"
	FieldPublicityScope  = "publicity_scope"
	FieldPublicityResult = "publicity_result"
	FieldObjection       = "objection"
	FieldLeaderSign      = "leader_sign"
	FieldSeal            = "seal"
	FieldFiller          = "filler"
	FieldPhone           = "phone"
	FieldDate            = "date"
)

// Column ids of the person table the checks rely on.
const (
	ColName  = "name"
	ColSex   = "sex"
	ColBirth = "birth"
	ColTitle = "title"
	ColYears = "years"
	ColDeeds = "deeds"
)

// SectionPersons is the id of the section holding the person table.
const SectionPersons = "persons"

// Definition is one year's 推荐表.
type Definition struct {
	Year  int    `yaml:"year"`
	Title string `yaml:"title"`
	// Widths are the sheet's columns left to right, Excel character units;
	// the person table has one column each, 序号 first.
	Widths   []float64 `yaml:"widths"`
	Sections []Section `yaml:"sections"`
	// Note is printed under the form; {publicity_days} stands for the
	// number of working days the 公示 must last.
	Note string `yaml:"note"`
	// ID names this definition: "recommend-" + year + the first bytes of
	// the SHA-256 of the file, as templates.Form.ID does.
	ID string `yaml:"-"`
}

// Section is a block of the form: fields laid out label | value, or the
// person table (Columns).
type Section struct {
	ID     string  `yaml:"id"`
	Label  string  `yaml:"label"`
	Fields []Field `yaml:"fields"`
	// The person table: Rows is the number of person rows of a blank
	// written without a quota; NumberLabel heads the first column.
	Rows        int     `yaml:"rows"`
	NumberLabel string  `yaml:"number_label"`
	Columns     []Field `yaml:"columns"`
	// WhenProposing makes the section's required fields required only
	// when the form proposes someone (the 公示 of a form that proposes
	// nobody has nothing to say).
	WhenProposing bool `yaml:"when_proposing"`
}

// Field is one labelled value, or one column of the person table.
type Field struct {
	ID    string `yaml:"id"`
	Label string `yaml:"label"`
	// Aliases are other labels a returned form may carry for the field
	// (an older wording, a shortened column header).
	Aliases  []string `yaml:"aliases"`
	Kind     Kind     `yaml:"kind"`
	Choices  []string `yaml:"choices"`   // KindChoice: the drop-down, the first the usual answer
	Required bool     `yaml:"required"`  // empty is missing_field
	MaxRunes int      `yaml:"max_runes"` // KindText: at most this many 字 (too_long)
	Unit     string   `yaml:"unit"`      // a suffix accepted after a number (年)
	// RequiredWhen makes an optional field required by the answer of a
	// choice field: 单位主要事迹 when propose_unit is 是, 异议及处理情况
	// when publicity_result is not 无异议.
	RequiredWhen *Condition `yaml:"required_when"`
	Lines        int        `yaml:"lines"` // text lines the blank's input cell has room for
	Half         bool       `yaml:"half"`  // shares its row with the next half field
	Line         int        `yaml:"-"`     // where the field starts in the definition file
}

// Condition is a test on the answer of a choice field: it holds when the
// answer is Is, or when it is given and is not Not.
type Condition struct {
	Field string `yaml:"field"`
	Is    string `yaml:"is"`
	Not   string `yaml:"not"`
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

// Load returns the embedded 推荐表 of the given campaign year.
func Load(year int) (*Definition, error) {
	data, err := Source(year)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// MustLoad is Load for definitions embedded in the binary, which tests
// prove valid.
func MustLoad(year int) *Definition {
	d, err := Load(year)
	if err != nil {
		panic(err)
	}
	return d
}

// Source returns the embedded definition of the given year as written.
func Source(year int) ([]byte, error) {
	data, err := definitionFiles.ReadFile(fmt.Sprintf("recommend-%d.yaml", year))
	if err != nil {
		return nil, fmt.Errorf("no 推荐表 for year %d (have %v)", year, Years())
	}
	return data, nil
}

var definitionName = regexp.MustCompile(`^recommend-(\d{4})\.yaml$`)

// Years lists the years whose 推荐表 is embedded, ascending.
func Years() []int { return templates.EmbeddedYears(definitionFiles, definitionName) }

// Parse reads a definition and checks that it is coherent: the field ids
// the checks rely on are there with a fitting kind, ids are unique, and
// the person table fits the sheet's columns.
func Parse(data []byte) (*Definition, error) {
	var d Definition
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("parse 推荐表 definition: %w", err)
	}
	d.ID = fmt.Sprintf("recommend-%d-%s", d.Year, shortSum(data))
	if err := d.check(); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *Definition) check() error {
	var errs []error
	if d.Year < 2000 || d.Year > 2999 {
		errs = append(errs, fmt.Errorf("year: want the campaign year such as 2022, not %d", d.Year))
	}
	if !strings.Contains(d.Title, "推荐表") {
		errs = append(errs, fmt.Errorf("title: must contain 推荐表, which recognises a returned form"))
	}
	seen := map[string]bool{}
	var persons *Section
	for i := range d.Sections {
		s := &d.Sections[i]
		if s.ID == SectionPersons {
			persons = s
		}
		for _, fd := range append(slicesClone(s.Fields), s.Columns...) {
			if seen[fd.ID] {
				errs = append(errs, fmt.Errorf("line %d: field %s: duplicate id", fd.Line, fd.ID))
			}
			seen[fd.ID] = true
			if fd.Label == "" {
				errs = append(errs, fmt.Errorf("line %d: field %s: no label", fd.Line, fd.ID))
			}
			switch fd.Kind {
			case KindText, KindDate, KindMonth, KindYears, KindSign, KindPhone:
			case KindChoice:
				if len(fd.Choices) < 2 {
					errs = append(errs, fmt.Errorf("line %d: field %s: a choice needs at least two choices", fd.Line, fd.ID))
				}
			default:
				errs = append(errs, fmt.Errorf("line %d: field %s: unknown kind %q", fd.Line, fd.ID, fd.Kind))
			}
		}
	}
	want := map[string]Kind{
		FieldAgency: KindText, FieldProposeUnit: KindChoice, FieldUnitDeeds: KindText,
		FieldPublicityStart: KindDate, FieldPublicityEnd: KindDate, FieldPublicityScope: KindText,
		FieldPublicityResult: KindChoice, FieldObjection: KindText, FieldLeaderSign: KindSign,
		FieldSeal: KindSign, FieldFiller: KindText, FieldPhone: KindPhone, FieldDate: KindDate,
		ColName: KindText, ColSex: KindChoice, ColBirth: KindMonth, ColTitle: KindText, ColYears: KindYears,
		ColDeeds: KindText,
	}
	for _, id := range sortedKeys(want) {
		fd, ok := d.Field(id)
		if !ok {
			errs = append(errs, fmt.Errorf("field %s: missing (the checks need it)", id))
			continue
		}
		if fd.Kind != want[id] {
			errs = append(errs, fmt.Errorf("line %d: field %s: kind %s, want %s", fd.Line, id, fd.Kind, want[id]))
		}
	}
	for _, s := range d.Sections {
		for _, fd := range s.Fields {
			c := fd.RequiredWhen
			if c == nil {
				continue
			}
			if on, ok := d.Field(c.Field); !ok || on.Kind != KindChoice {
				errs = append(errs, fmt.Errorf("line %d: field %s: required_when names %q, not a choice field", fd.Line, fd.ID, c.Field))
			}
			if (c.Is == "") == (c.Not == "") {
				errs = append(errs, fmt.Errorf("line %d: field %s: required_when wants one of is: or not:", fd.Line, fd.ID))
			}
		}
	}
	if persons == nil {
		errs = append(errs, fmt.Errorf("section %s: missing", SectionPersons))
	} else {
		if len(persons.Columns)+1 != len(d.Widths) {
			errs = append(errs, fmt.Errorf("widths: %d columns, the person table needs %d (序号 and one per column)",
				len(d.Widths), len(persons.Columns)+1))
		}
		if persons.Rows < 1 || persons.Rows > 50 {
			errs = append(errs, fmt.Errorf("section %s: rows must be 1 to 50, not %d", SectionPersons, persons.Rows))
		}
		if len(persons.Fields) > 0 {
			errs = append(errs, fmt.Errorf("section %s: has columns, not fields", SectionPersons))
		}
	}
	if len(d.Widths) < 4 {
		errs = append(errs, fmt.Errorf("widths: at least 4 columns"))
	}
	for _, w := range d.Widths {
		if w < 2 || w > 100 {
			errs = append(errs, fmt.Errorf("widths: %g is not a column width (2 to 100)", w))
		}
	}
	return errors.Join(errs...)
}

// Field returns the field or person-table column with the given id.
func (d *Definition) Field(id string) (Field, bool) {
	for _, s := range d.Sections {
		for _, fd := range s.Fields {
			if fd.ID == id {
				return fd, true
			}
		}
		for _, fd := range s.Columns {
			if fd.ID == id {
				return fd, true
			}
		}
	}
	return Field{}, false
}

// Persons returns the person-table section.
func (d *Definition) Persons() Section {
	for _, s := range d.Sections {
		if s.ID == SectionPersons {
			return s
		}
	}
	return Section{}
}

// Fields lists every field outside the person table, in form order.
func (d *Definition) Fields() []Field {
	var out []Field
	for _, s := range d.Sections {
		out = append(out, s.Fields...)
	}
	return out
}

// NoteText is the note with the number of working days the 公示 lasts.
func (d *Definition) NoteText(publicityDays int) string {
	if publicityDays <= 0 {
		publicityDays = DefaultPublicityDays
	}
	return strings.ReplaceAll(d.Note, "{publicity_days}", strconv.Itoa(publicityDays))
}
