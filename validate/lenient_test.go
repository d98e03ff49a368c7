package validate

import (
	"fmt"
	"math"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
)

// TestLenientReads checks the spec's leniencies on a hand-built form: every
// row must read the value without an error or warning.
func TestLenientReads(t *testing.T) {
	t.Parallel()
	o := opts2021()
	good := sample.Good("石景山区", true)
	cov := good.Fields["coverage"].(float64)
	const sh = "Sheet1"
	setStyle := func(x *excelize.File, cell string, numFmt int) {
		id, err := x.NewStyle(&excelize.Style{NumFmt: numFmt})
		must(t, err)
		must(t, x.SetCellStyle(sh, cell, cell, id))
	}
	cases := []struct {
		name   string
		values func(*sample.Values)
		edit   func(x *excelize.File, b built)
		check  func(t *testing.T, sub *Submission)
		infos  int
	}{
		{name: "coverage text with percent", values: sample.SetField("coverage", fmt.Sprintf("%g%%", cov)),
			check: wantNumber("coverage", cov)},
		{name: "coverage fraction in percent cell", values: sample.SetField("coverage", cov/100),
			edit: func(x *excelize.File, b built) { setStyle(x, b.fields["coverage"], 10) }, check: wantNumber("coverage", cov)},
		{name: "coverage fraction in general cell", values: sample.SetField("coverage", cov/100),
			check: wantNumber("coverage", cov), infos: 1},
		{name: "date with slashes", values: func(v *sample.Values) { v.Date = "2021/12/20" }, check: wantDate("2021-12-20")},
		{name: "date in Chinese", values: func(v *sample.Values) { v.Date = "2021年12月20日" }, check: wantDate("2021-12-20")},
		{name: "date with dots", values: func(v *sample.Values) { v.Date = "2021.12.20" }, check: wantDate("2021-12-20")},
		{name: "date serial", values: func(v *sample.Values) { v.Date = "" }, edit: func(x *excelize.File, b built) {
			x.SetCellValue(sh, b.fields["date"], 44550)
		}, check: wantDate("2021-12-20")},
		{name: "date serial 1904", values: func(v *sample.Values) { v.Date = "" }, edit: func(x *excelize.File, b built) {
			yes := true
			must(t, x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
			x.SetCellValue(sh, b.fields["date"], 44550-1462)
		}, check: wantDate("2021-12-20")},
		{name: "WPS in-cell picture", values: sample.ClearField("director_sign"), edit: func(x *excelize.File, b built) {
			x.SetCellValue(sh, b.fields["director_sign"], `=DISPIMG("ID_7A8B",1)`)
		}, check: func(t *testing.T, sub *Submission) {
			if fv := sub.Fields["director_sign"]; !fv.Picture || !fv.Present {
				t.Errorf("director_sign %+v", fv)
			}
		}},
		{name: "numbers with units and spaces", values: func(v *sample.Values) {
			v.Fields["unions"] = fmt.Sprintf(" %d 个 ", v.Fields["unions"].(int))
			v.Fields["activities"] = fmt.Sprintf("%d项", v.Fields["activities"].(int))
		}, check: wantNumber("unions", float64(good.Fields["unions"].(int))), infos: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := good.With(func(*sample.Values) {})
			if tc.values != nil {
				v = good.With(tc.values)
			}
			b := buildForm(t, o.Form, v, layout{})
			data := b.data
			if tc.edit != nil {
				data = editBook(t, data, func(x *excelize.File) { tc.edit(x, b) })
			}
			sub, fs := Read(data, o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			infos := 0
			for _, f := range fs {
				if f.Code == CodeNormalizedValue {
					infos++
					continue
				}
				t.Errorf("%s %s: %s", f.Code, f.Cell, f.Message)
			}
			if infos != tc.infos {
				t.Errorf("%d normalized_value findings, want %d: %+v", infos, tc.infos, fs)
			}
			tc.check(t, sub)
		})
	}
}

func wantNumber(id string, want float64) func(*testing.T, *Submission) {
	return func(t *testing.T, sub *Submission) {
		if fv := sub.Fields[id]; !fv.IsNumber || math.Abs(fv.Number-want) > 1e-9 {
			t.Errorf("%s = %v (%q, number %v), want %v", id, fv.Number, fv.Raw, fv.IsNumber, want)
		}
	}
}

func wantDate(want string) func(*testing.T, *Submission) {
	return func(t *testing.T, sub *Submission) {
		if fv := sub.Fields["date"]; !fv.IsDate || fv.Date.Format("2006-01-02") != want {
			t.Errorf("date = %v (%q), want %s", fv.Date, fv.Raw, want)
		}
	}
}
