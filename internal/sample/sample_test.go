package sample

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

func open(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func cellText(t *testing.T, x *excelize.File, cell string) string {
	t.Helper()
	v, err := x.GetCellValue(templates.SheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGoodWorkbookCells(t *testing.T) {
	f := templates.MustLoad(2021)
	l := templates.BlankLayout(f)
	for _, tc := range []struct {
		unit     string
		district bool
	}{{"朝阳区代办处", true}, {"市建工局代办处", false}} {
		t.Run(tc.unit, func(t *testing.T) {
			v := Good(tc.unit, tc.district)
			data, err := Workbook(f, v)
			if err != nil {
				t.Fatal(err)
			}
			x := open(t, data)
			if got := cellText(t, x, l.Fields["unit"]); got != tc.unit {
				t.Errorf("unit cell %s = %q", l.Fields["unit"], got)
			}
			if got := cellText(t, x, l.Fields["date"]); got != v.Date {
				t.Errorf("date cell = %q, want %q", got, v.Date)
			}
			if typ, _ := x.GetCellType(templates.SheetName, l.Fields["date"]); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("date written as text, want an Excel date")
			}
			for id, want := range v.Fields {
				if got := cellText(t, x, l.Fields[id]); got != fmt.Sprint(want) {
					t.Errorf("field %s at %s = %q, want %v", id, l.Fields[id], got, want)
				}
			}
			for id, want := range v.SignatureText {
				if got := cellText(t, x, l.Fields[id]); got != want || want == "" {
					t.Errorf("signature %s = %q, want %q", id, got, want)
				}
			}
			for _, ind := range f.Indicators() {
				if got := cellText(t, x, l.Scores[ind.ID]); got != fmt.Sprint(v.Scores[ind.ID]) {
					t.Errorf("score %s at %s = %q, want %v", ind.ID, l.Scores[ind.ID], got, v.Scores[ind.ID])
				}
				if got := cellText(t, x, l.Caps[ind.ID]); got != fmt.Sprint(ind.Cap) {
					t.Errorf("cap %s = %q", ind.ID, got)
				}
			}
			formula, _ := x.GetCellFormula(templates.SheetName, l.TotalSelfCell)
			total := cellText(t, x, l.TotalSelfCell)
			if !strings.HasPrefix(formula, "SUM(") || total != strconv.FormatFloat(v.SelfTotal(), 'f', -1, 64) {
				t.Errorf("total %q (formula %q), want cached %g", total, formula, v.SelfTotal())
			}
			if v.SelfTotal() < 60 || v.SelfTotal() > f.TotalCap {
				t.Errorf("self total %g: a good agency scores between 60 and %g", v.SelfTotal(), f.TotalCap)
			}
		})
	}
}

// TestGoodCoherent checks, with the rules of spec sections 3 and 6 written
// out again, that Good forms of many agencies are correct.
func TestGoodCoherent(t *testing.T) {
	f := templates.MustLoad(2021)
	acts := []string{"act_hospital", "act_allowance", "act_female", "act_critical", "act_accident", "act_general"}
	seen41 := map[bool]map[float64]bool{true: {}, false: {}}
	for _, a := range RandomAgencies(40, 7) {
		v := Good(a.Name, a.District)
		n := func(id string) float64 {
			x, ok := number(v.Fields[id])
			if !ok {
				t.Fatalf("%s: field %s = %#v, not a number", a.Name, id, v.Fields[id])
			}
			return x
		}
		score := func(id string) float64 {
			x, ok := number(v.Scores[id])
			if !ok {
				t.Fatalf("%s: score %s = %#v", a.Name, id, v.Scores[id])
			}
			return x
		}
		staff, female, insured := n("staff"), n("female_staff"), n("insured")
		if math.Abs(n("coverage")-insured/staff*100) > 0.05 {
			t.Errorf("%s: coverage %g, insured/staff = %g", a.Name, n("coverage"), insured/staff*100)
		}
		if n("insured_unions") > n("unions") || female > staff || insured > staff {
			t.Errorf("%s: counts break a ≤ relation: %v", a.Name, v.Fields)
		}
		active, allFull, anyFull := 0.0, true, false
		for _, id := range acts {
			bound := staff
			if id == "act_female" {
				bound = female
			}
			p := n(id)
			if p > bound {
				t.Errorf("%s: %s = %g above %g", a.Name, id, p, bound)
			}
			if p > 0 {
				active++
			}
			full := p >= bound && staff > 0
			allFull = allFull && full
			anyFull = anyFull || full
		}
		if n("activities") != active {
			t.Errorf("%s: activities %g, %g with participants", a.Name, n("activities"), active)
		}
		want32 := map[float64]float64{0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 6, 6: 8}[active]
		var want41 float64
		switch {
		case a.District && (insured/staff >= 0.5 || anyFull):
			want41 = 8
		case !a.District && allFull:
			want41 = 8
		case !a.District && active == 6:
			want41 = 4
		}
		want42 := 0.0
		if g := n("act_general"); g >= staff {
			want42 = 2
		} else if g > 0 {
			want42 = 1
		}
		checks := []struct {
			id   string
			want float64
		}{{"3.2", want32}, {"4.1", want41}, {"4.2", want42}}
		if !a.District {
			checks = append(checks, struct {
				id   string
				want float64
			}{"4.6", 0})
		}
		for _, c := range checks {
			if got := score(c.id); got != c.want {
				t.Errorf("%s (district %v): %s = %g, want %g", a.Name, a.District, c.id, got, c.want)
			}
		}
		seen41[a.District][want41] = true
		for _, ind := range f.Indicators() {
			if s := score(ind.ID); !ind.Allows(s) {
				t.Errorf("%s: %s = %g not allowed %v", a.Name, ind.ID, s, ind.Allowed)
			}
		}
		for _, fd := range f.Fields {
			if fd.Kind == templates.KindSign && v.SignatureText[fd.ID] == "" {
				t.Errorf("%s: signature %s missing", a.Name, fd.ID)
			}
		}
		if !strings.HasPrefix(v.Date, "2021-12-") {
			t.Errorf("%s: date %q", a.Name, v.Date)
		}
	}
	if len(seen41[false]) < 2 {
		t.Errorf("sector agencies all get 4.1 = %v; the sample should vary", seen41[false])
	}
}

func TestGoodDeterministic(t *testing.T) {
	f := templates.MustLoad(2021)
	a, b := Good("海淀区代办处", true), Good("海淀区代办处", true)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("Good differs between calls:\n%+v\n%+v", a, b)
	}
	if c := Good("西城区代办处", true); reflect.DeepEqual(a.Fields, c.Fields) {
		t.Errorf("two units got the same figures")
	}
	d1, err := Workbook(f, a)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Workbook(f, b)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := open(t, d1).GetRows(templates.SheetName)
	r2, _ := open(t, d2).GetRows(templates.SheetName)
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("workbooks of equal values differ")
	}
}

func TestProblemsChangeTheirTarget(t *testing.T) {
	f := templates.MustLoad(2021)
	l := templates.BlankLayout(f)
	for _, district := range []bool{true, false} {
		good := Good("测试单位", district)
		gx := open(t, mustWorkbook(t, f, good))
		codes := map[string]bool{}
		for _, p := range Problems(f, district) {
			codes[p.Code] = true
			t.Run(fmt.Sprintf("%v/%s", district, p.Name), func(t *testing.T) {
				before := Good("测试单位", district)
				bad := good.Spoil(p)
				if !reflect.DeepEqual(good, before) {
					t.Fatalf("Spoil modified the good values")
				}
				if reflect.DeepEqual(bad, good) {
					t.Fatalf("problem changes nothing")
				}
				bx := open(t, mustWorkbook(t, f, bad))
				var cell string
				switch {
				case p.Code == "cap_altered":
					cell = l.Caps[p.Target]
				case p.Target == "":
					cell = l.TotalSelfCell
				case l.Scores[p.Target] != "":
					cell = l.Scores[p.Target]
				default:
					cell = l.Fields[p.Target]
				}
				if cell == "" {
					t.Fatalf("target %q has no cell", p.Target)
				}
				g, b := cellText(t, gx, cell), cellText(t, bx, cell)
				if g == b {
					t.Errorf("cell %s reads %q in both workbooks", cell, g)
				}
			})
		}
		for _, c := range []string{"score_above_cap", "score_not_allowed", "missing_field", "coverage_mismatch",
			"inconsistent_counts", "activity_count_mismatch", "score_inconsistent", "total_mismatch"} {
			if !codes[c] {
				t.Errorf("district %v: no problem recipe for %s", district, c)
			}
		}
		if codes["score_not_eligible"] == district {
			t.Errorf("district %v: score_not_eligible offered %v", district, codes["score_not_eligible"])
		}
	}
}

func mustWorkbook(t *testing.T, f *templates.Form, v Values) []byte {
	t.Helper()
	data, err := Workbook(f, v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSealPicture(t *testing.T) {
	f := templates.MustLoad(2021)
	l := templates.BlankLayout(f)
	v := Good("通州区代办处", true).With(func(v *Values) {
		delete(v.SignatureText, "seal")
		v.SignaturePicture["seal"] = true
	})
	x := open(t, mustWorkbook(t, f, v))
	pics, err := x.GetPictures(templates.SheetName, l.Fields["seal"])
	if err != nil {
		t.Fatal(err)
	}
	if len(pics) != 1 || !bytes.HasPrefix(pics[0].File, []byte("\x89PNG")) {
		t.Errorf("seal cell has %d pictures, want one PNG", len(pics))
	}
	if got := cellText(t, x, l.Fields["seal"]); got != "" {
		t.Errorf("seal cell text %q, want none beside the picture", got)
	}
}

func TestRandomAgencies(t *testing.T) {
	tests := []struct {
		name string
		n    int
		seed int64
	}{{"few", 5, 1}, {"typical", 100, 2}, {"many", 500, 3}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as := RandomAgencies(tc.n, tc.seed)
			if len(as) != tc.n {
				t.Fatalf("%d agencies, want %d", len(as), tc.n)
			}
			if !reflect.DeepEqual(as, RandomAgencies(tc.n, tc.seed)) {
				t.Errorf("not deterministic")
			}
			names, emails := map[string]bool{}, map[string]bool{}
			districts := 0
			for _, a := range as {
				if names[a.Name] || emails[a.Email] {
					t.Errorf("duplicate %s / %s", a.Name, a.Email)
				}
				names[a.Name], emails[a.Email] = true, true
				u := strings.TrimSuffix(a.Name, "代办处")
				if inferred := strings.HasSuffix(u, "区") || strings.Contains(u, "开发区"); inferred != a.District {
					t.Errorf("%s: District %v, but its name says %v", a.Name, a.District, inferred)
				}
				if a.District {
					districts++
				}
				if a.Contact == "" || !strings.HasSuffix(a.Email, "@example.org") {
					t.Errorf("%+v: contact or email missing", a)
				}
			}
			if want := min(17, (tc.n+1)/2); districts != want {
				t.Errorf("%d districts, want %d", districts, want)
			}
		})
	}
	if reflect.DeepEqual(RandomAgencies(20, 1), RandomAgencies(20, 2)) {
		t.Errorf("seeds 1 and 2 give the same agencies")
	}
}
