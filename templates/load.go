package templates

import (
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"kaohe/internal/cst"
)

// Load returns the form of the given campaign year.
func Load(year int) (*Form, error) {
	data, err := Source(year)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	f.embedded = true
	return f, nil
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

// LoadFile reads a form definition from a file, the form of a year the
// program was built without (campaign.form_file, --form-file).
func LoadFile(path string) (*Form, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read form file: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("form file %s: %w", path, err)
	}
	return f, nil
}

// Definition returns the definition the form was parsed from, byte for
// byte: what a worker process parses to get the same form.
func (f *Form) Definition() []byte { return f.source }

// Embedded reports whether the form is one built into the program, which
// any process of it can Load by year alone.
func (f *Form) Embedded() bool { return f.embedded }

var formFileName = regexp.MustCompile(`^form-(\d{4})\.yaml$`)

// Years lists the years whose form is embedded, ascending.
func Years() []int { return EmbeddedYears(formFiles, formFileName) }

// EmbeddedYears lists, ascending, the years of the definitions at the top
// of files whose names match name, the year being name's first group: the
// years a form built into the program exists for.
func EmbeddedYears(files embed.FS, name *regexp.Regexp) []int {
	entries, _ := files.ReadDir(".")
	var years []int
	for _, e := range entries {
		if m := name.FindStringSubmatch(e.Name()); m != nil {
			y, _ := strconv.Atoi(m[1])
			years = append(years, y)
		}
	}
	sort.Ints(years)
	return years
}

// Decode reads a form definition without checking it: what `kaohe form
// check` lints. Only Parse gives a form fit to check workbooks with.
func Decode(data []byte) (*Form, error) {
	var f Form
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse form: %w", err)
	}
	sum := sha256.Sum256(data)
	f.ID = fmt.Sprintf("%d-%x", f.Year, sum[:4])
	f.source = slices.Clone(data)
	for si := range f.Sections {
		for ii := range f.Sections[si].Indicators {
			ind := &f.Sections[si].Indicators[ii]
			ind.Section = f.Sections[si].ID
			slices.Sort(ind.Allowed)
		}
	}
	return &f, nil
}

// Parse reads a form definition and checks that it is coherent.
func Parse(data []byte) (*Form, error) {
	fp, err := Decode(data)
	if err != nil {
		return nil, err
	}
	f := *fp
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
	if f.Year < 2000 || f.Year > 2999 {
		errs = append(errs, fmt.Errorf("year: want the campaign year such as 2022, not %d", f.Year))
	}
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
