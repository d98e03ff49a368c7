package validate

import (
	"strings"
	"testing"

	"kaohe/internal/sample"
)

// TestLayouts builds the form in the layouts agencies produce and expects
// every value read back from where the builder put it, with no error.
func TestLayouts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		l    layout
		// infos is the number of normalized_value findings expected.
		infos int
	}{
		{"close to official", layout{sheet: "考核表"}, 0},
		{"moved and inserted", layout{top: 4, left: 3, idCol: true, selfFirst: true, blankRows: 2, extraSheet: "说明"}, 0},
		{"retyped as text", layout{text: true, vertical: true, noTitle: true}, 0},
		{"full-width digits", layout{fullWidth: true}, -1},
		{"formulas cached", layout{formulas: "cached"}, 0},
		{"formulas without cache", layout{formulas: "nocache"}, 0},
		{"merged labels", layout{merged: true, idCol: true}, 0},
		{"signature pictures", layout{pictures: true}, 0},
		{"inline values and pictures", layout{inline: true, pictures: true}, 0},
		{"edited criteria", layout{edit: true, left: 2}, 0},
		{"vertical merged", layout{vertical: true, merged: true, top: 3}, 0},
	}
	o := opts2021()
	v := sample.Good("朝阳区", true)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := buildForm(t, o.Form, v, tc.l)
			sub, fs := Read(b.data, o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			infos := 0
			for _, f := range fs {
				if f.Code == CodeNormalizedValue {
					infos++
					continue
				}
				if f.Code == CodeSheetsIgnored && tc.l.extraSheet != "" && strings.Contains(f.Message, "「"+tc.l.extraSheet+"」不是考核表") {
					continue
				}
				t.Errorf("finding %s %s: %s", f.Code, f.Cell, f.Message)
			}
			if tc.infos >= 0 && infos != tc.infos {
				t.Errorf("%d normalized_value findings, want %d", infos, tc.infos)
			}
			if tc.infos < 0 && infos < len(o.Form.Indicators()) {
				t.Errorf("%d normalized_value findings, want one per score at least", infos)
			}
			for _, ind := range o.Form.Indicators() {
				sc := sub.Scores[ind.ID]
				if sc.Cell != b.scores[ind.ID] || sc.CapCell != b.caps[ind.ID] {
					t.Errorf("%s at %s/%s, want %s/%s", ind.ID, sc.Cell, sc.CapCell, b.scores[ind.ID], b.caps[ind.ID])
				}
				if !sc.IsNumber || sc.Value != float64Of(v.Scores[ind.ID]) || sc.CapValue != ind.Cap {
					t.Errorf("%s = %v (%q) cap %v, want %v", ind.ID, sc.Value, sc.Raw, sc.CapValue, v.Scores[ind.ID])
				}
			}
			for _, fd := range o.Form.Fields {
				fv := sub.Fields[fd.ID]
				if fv.Cell != b.fields[fd.ID] {
					t.Errorf("field %s at %q, want %s (raw %q)", fd.ID, fv.Cell, b.fields[fd.ID], fv.Raw)
				}
				if want, ok := v.Fields[fd.ID]; ok && (!fv.IsNumber || fv.Number != float64Of(want)) {
					t.Errorf("field %s = %v (%q), want %v", fd.ID, fv.Number, fv.Raw, want)
				}
				if !fv.Present {
					t.Errorf("field %s not present", fd.ID)
				}
			}
			if tc.l.pictures && (!sub.Fields["seal"].Picture || !sub.Fields["director_sign"].Picture || sub.Fields["filler_sign"].Picture) {
				t.Errorf("pictures: seal %v director %v filler %v", sub.Fields["seal"].Picture, sub.Fields["director_sign"].Picture, sub.Fields["filler_sign"].Picture)
			}
			if sub.Fields["unit"].Raw != v.Unit {
				t.Errorf("unit = %q", sub.Fields["unit"].Raw)
			}
			if d := sub.Fields["date"]; !d.IsDate || d.Date.Format("2006-01-02") != v.Date {
				t.Errorf("date = %q %v", d.Raw, d.Date)
			}
			if sub.TotalCell != b.total || sub.WrittenTotal != v.SelfTotal() {
				t.Errorf("total %v at %s, want %v at %s", sub.WrittenTotal, sub.TotalCell, v.SelfTotal(), b.total)
			}
			if sub.SelfColumn != b.selfC {
				t.Errorf("self column %s, want %s", sub.SelfColumn, b.selfC)
			}
		})
	}
}
