package validate

import (
	"slices"
	"testing"
	"time"

	"kaohe/internal/cst"
	"kaohe/internal/sample"
	"kaohe/templates"
)

// campaign options of the 2021 form: received the day before the deadline.
func opts2021() Options {
	bj := cst.Location()
	return Options{
		Form:       templates.MustLoad(2021),
		Filename:   "考核表.xlsx",
		ReceivedAt: time.Date(2022, 1, 4, 10, 0, 0, 0, bj),
		Cutoff:     time.Date(2022, 1, 6, 0, 0, 0, 0, bj),
	}
}

func codesOf(fs []Finding) []Code {
	var out []Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// errorsOf lists the findings of error severity.
func errorsOf(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == SeverityError {
			out = append(out, f)
		}
	}
	return out
}

func TestOfficialGoodFormReadsBack(t *testing.T) {
	o := opts2021()
	for _, district := range []bool{true, false} {
		unit := "东城区"
		if !district {
			unit = "北京市电力公司"
		}
		v := sample.Good(unit, district)
		v.SignaturePicture = map[string]bool{"seal": true}
		delete(v.SignatureText, "seal")
		data, err := sample.Workbook(o.Form, v)
		if err != nil {
			t.Fatal(err)
		}
		sub, fs := Read(data, o)
		if sub == nil {
			t.Fatalf("%s: no submission: %v", unit, fs)
		}
		if len(fs) != 0 {
			t.Errorf("%s: findings on a good form: %+v", unit, fs)
		}
		l := templates.BlankLayout(o.Form)
		for _, ind := range o.Form.Indicators() {
			sc := sub.Scores[ind.ID]
			if sc.Cell != l.Scores[ind.ID] {
				t.Errorf("%s: score %s at %q, want %s", unit, ind.ID, sc.Cell, l.Scores[ind.ID])
			}
			want := v.Scores[ind.ID]
			if !sc.IsNumber || float64Of(want) != sc.Value {
				t.Errorf("%s: score %s = %v (%q), want %v", unit, ind.ID, sc.Value, sc.Raw, want)
			}
			if sc.CapCell != l.Caps[ind.ID] || sc.CapValue != ind.Cap {
				t.Errorf("%s: cap %s at %s = %v", unit, ind.ID, sc.CapCell, sc.CapValue)
			}
		}
		for _, fd := range o.Form.Fields {
			fv := sub.Fields[fd.ID]
			if fv.Cell != l.Fields[fd.ID] {
				t.Errorf("%s: field %s at %q, want %s", unit, fd.ID, fv.Cell, l.Fields[fd.ID])
			}
			if want, ok := v.Fields[fd.ID]; ok && fv.Number != float64Of(want) {
				t.Errorf("%s: field %s = %v, want %v", unit, fd.ID, fv.Number, want)
			}
		}
		if !sub.Fields["seal"].Picture || !sub.Fields["seal"].Present {
			t.Errorf("%s: seal picture not seen: %+v", unit, sub.Fields["seal"])
		}
		if sub.Fields["unit"].Raw != unit {
			t.Errorf("unit = %q", sub.Fields["unit"].Raw)
		}
		if !sub.Fields["date"].IsDate || sub.Fields["date"].Date.Format("2006-01-02") != v.Date {
			t.Errorf("date = %+v, want %s", sub.Fields["date"], v.Date)
		}
		if sub.SelfColumn != l.SelfCol || sub.CapColumn != l.CapCol || sub.HeaderRow != l.HeaderRow || sub.Sheet != l.Sheet {
			t.Errorf("columns %s/%s row %d sheet %s, want %s/%s %d %s", sub.SelfColumn, sub.CapColumn, sub.HeaderRow, sub.Sheet, l.SelfCol, l.CapCol, l.HeaderRow, l.Sheet)
		}
		if !sub.HasWrittenTotal || sub.WrittenTotal != v.SelfTotal() || sub.TotalCell != l.TotalSelfCell {
			t.Errorf("total %v at %s, want %v at %s", sub.WrittenTotal, sub.TotalCell, v.SelfTotal(), l.TotalSelfCell)
		}
	}
}

func float64Of(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return -999
}

// TestOfficialProblems spoils a good official form with each of the sample
// package's recipes that validate is responsible for and expects its code
// at its target.
func TestOfficialProblems(t *testing.T) {
	o := opts2021()
	mine := func(c string) bool {
		return !slices.Contains([]string{"score_not_eligible", "score_inconsistent", "type_inferred", "unit_mismatch"}, c)
	}
	for _, district := range []bool{true, false} {
		good := sample.Good("西城区", district)
		for _, p := range sample.Problems(o.Form, district) {
			if !mine(p.Code) {
				continue
			}
			t.Run(p.Name, func(t *testing.T) {
				data, err := sample.Workbook(o.Form, good.Spoil(p))
				if err != nil {
					t.Fatal(err)
				}
				_, fs := Read(data, o)
				for _, f := range fs {
					if string(f.Code) == p.Code && (p.Target == "" || f.Indicator == p.Target || f.Field == p.Target) {
						if f.Message == "" || (f.Cell == "" && p.Code != "missing_field") {
							t.Errorf("finding without cell or message: %+v", f)
						}
						return
					}
				}
				t.Errorf("want %s on %q, got %+v", p.Code, p.Target, fs)
			})
		}
	}
}

// TestSealPictureBelongsToSealOnly: on the official form the signature
// fields stand one under the other; a seal picture must not count for the
// director's signature on the next row.
func TestSealPictureBelongsToSealOnly(t *testing.T) {
	t.Parallel()
	o := opts2021()
	v := sample.Good("通州区", true).With(func(v *sample.Values) {
		delete(v.SignatureText, "seal")
		delete(v.SignatureText, "director_sign")
		v.SignaturePicture["seal"] = true
	})
	data, err := sample.Workbook(o.Form, v)
	if err != nil {
		t.Fatal(err)
	}
	sub, fs := Read(data, o)
	if sub == nil {
		t.Fatalf("%+v", fs)
	}
	if s := sub.Fields["seal"]; !s.Picture || !s.Present {
		t.Errorf("seal %+v", s)
	}
	if d := sub.Fields["director_sign"]; d.Picture || d.Present {
		t.Errorf("director_sign %+v", d)
	}
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Code)+":"+f.Field)
	}
	if !slices.Equal(got, []string{"missing_field:director_sign"}) {
		t.Errorf("findings %v", got)
	}
}
