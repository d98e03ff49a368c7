package formdef

// Summary is what `kaohe form check --json` prints: the definition as the
// program read it, and the problems found.
type Summary struct {
	File       string             `json:"file"`
	Year       int                `json:"year,omitempty"`
	ID         string             `json:"id,omitempty"` // the definition's id, as results record it
	Title      string             `json:"title,omitempty"`
	TotalCap   float64            `json:"total_cap,omitempty"`
	Fields     []FieldSummary     `json:"fields"`
	Sections   []SectionSummary   `json:"sections"`
	Indicators []IndicatorSummary `json:"indicators"`
	Problems   []Problem          `json:"problems"`
	Unreadable bool               `json:"unreadable,omitempty"`
	RoundTrip  bool               `json:"round_trip"`
}

// FieldSummary is one field as read.
type FieldSummary struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Group    string `json:"group"`
	Kind     string `json:"kind"`
	Unit     string `json:"unit,omitempty"`
	Required bool   `json:"required"`
}

// SectionSummary is one section as read.
type SectionSummary struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Cap  float64 `json:"cap"`
}

// IndicatorSummary is one indicator as read.
type IndicatorSummary struct {
	ID          string    `json:"id"`
	Section     string    `json:"section"`
	Cap         float64   `json:"cap"`
	Allowed     []float64 `json:"allowed"`
	Departments []string  `json:"departments"`
	Derived     bool      `json:"derived"` // computed by a derive rule
}

// Summarize describes a checked definition.
func Summarize(file string, r Result) Summary {
	s := Summary{File: file, Problems: r.Problems, Unreadable: r.Unreadable, RoundTrip: r.RoundTrip,
		Fields: []FieldSummary{}, Sections: []SectionSummary{}, Indicators: []IndicatorSummary{}}
	if s.Problems == nil {
		s.Problems = []Problem{}
	}
	f := r.Form
	if f == nil {
		return s
	}
	s.Year, s.ID, s.Title, s.TotalCap = f.Year, f.ID, f.Title, f.TotalCap
	for _, fd := range f.Fields {
		s.Fields = append(s.Fields, FieldSummary{ID: fd.ID, Label: fd.Label, Group: fd.Group, Kind: string(fd.Kind), Unit: fd.Unit, Required: fd.Required})
	}
	for _, sec := range f.Sections {
		s.Sections = append(s.Sections, SectionSummary{ID: sec.ID, Name: sec.Name, Cap: sec.Cap})
	}
	for _, ind := range f.Indicators() {
		allowed := ind.Allowed
		if allowed == nil {
			allowed = []float64{}
		}
		s.Indicators = append(s.Indicators, IndicatorSummary{ID: ind.ID, Section: ind.Section, Cap: ind.Cap,
			Allowed: allowed, Departments: ind.Departments, Derived: ind.Derive != nil})
	}
	return s
}

// Counts says how much the definition holds, for the text report.
func (s Summary) Counts() (fields, sections, indicators int) {
	return len(s.Fields), len(s.Sections), len(s.Indicators)
}
