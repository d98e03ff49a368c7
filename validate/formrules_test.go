package validate

import (
	"strings"
	"testing"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// TestCrossChecksFromFormFile reads the same spoiled figures with the 2021
// form and with copies whose cross-field checks were edited in the file:
// the checks follow the file, with no change to Go code.
func TestCrossChecksFromFormFile(t *testing.T) {
	t.Parallel()
	src, err := templates.Source(2021)
	must(t, err)
	edited := func(old, new string) *templates.Form {
		t.Helper()
		if !strings.Contains(string(src), old) {
			t.Fatalf("%q not in the form", old)
		}
		f, err := templates.Parse([]byte(strings.Replace(string(src), old, new, 1)))
		must(t, err)
		return f
	}
	good := sample.Good("丰台区", true)
	insured, staff := good.Fields["insured"].(int), good.Fields["staff"].(int)
	coverageOff := good.With(func(v *sample.Values) {
		v.Fields["coverage"] = float64(insured)/float64(staff)*100 + 3
	})
	declaredOff := good.With(func(v *sample.Values) {
		v.Fields["activities"] = v.Fields["activities"].(int) - 1
	})
	cases := []struct {
		name   string
		form   *templates.Form
		values sample.Values
		code   Code
		want   bool
	}{
		{"coverage 3 points off, tolerance 0.5", templates.MustLoad(2021), coverageOff, CodeCoverageMismatch, true},
		{"coverage 3 points off, tolerance 5", edited("tolerance: 0.5", "tolerance: 5"), coverageOff, CodeCoverageMismatch, false},
		{"coverage 3 points off, no ratio", edited(", ratio: {part: insured, whole: staff, tolerance: 0.5}", ""), coverageOff, CodeCoverageMismatch, false},
		{"coverage against another whole", edited("ratio: {part: insured, whole: staff", "ratio: {part: insured_unions, whole: unions"), good, CodeCoverageMismatch, true},
		{"declared activities off", templates.MustLoad(2021), declaredOff, CodeActivityCountMismatch, true},
		{"declared activities off, not marked", edited(", joined_activities: true", ""), declaredOff, CodeActivityCountMismatch, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := sample.Workbook(c.form, c.values)
			must(t, err)
			opts := opts2021()
			opts.Form = c.form
			_, findings := Read(data, opts)
			got := false
			for _, f := range findings {
				got = got || f.Code == c.code
			}
			if got != c.want {
				t.Errorf("%s reported: %v, want %v; findings %v", c.code, got, c.want, codesOf(findings))
			}
		})
	}
}
