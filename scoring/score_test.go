package scoring

import (
	"testing"

	"kaohe/templates"
	"kaohe/validate"
)

// figuresSub builds a submission holding only basic figures and self-scores.
func figuresSub(fields map[string]float64, scores map[string]float64) *validate.Submission {
	sub := &validate.Submission{Fields: map[string]validate.FieldValue{}, Scores: map[string]validate.ScoreCell{}}
	for id, v := range fields {
		sub.Fields[id] = validate.FieldValue{ID: id, Present: true, IsNumber: true, Number: v}
	}
	for id, v := range scores {
		sub.Scores[id] = validate.ScoreCell{ID: id, Cell: "F" + id, Present: true, IsNumber: true, Value: v}
	}
	return sub
}

func acts(h, a, f, c, acc, g float64) map[string]float64 {
	return map[string]float64{"act_hospital": h, "act_allowance": a, "act_female": f,
		"act_critical": c, "act_accident": acc, "act_general": g}
}

func merge(ms ...map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func find(r Result, id string) IndicatorScore {
	for _, is := range r.Indicators {
		if is.ID == id {
			return is
		}
	}
	return IndicatorScore{}
}

func hasCode(r Result, code validate.Code, ind string) bool {
	for _, f := range r.Findings {
		if f.Code == code && (ind == "" || f.Indicator == ind) {
			return true
		}
	}
	return false
}

func TestCheckedSelfScores(t *testing.T) {
	form := templates.MustLoad(2021)
	cases := []struct {
		name string
		id   string
		self float64
		want float64
	}{
		{"allowed kept", "1.1", 3, 3},
		{"above cap capped", "1.4", 9, 6},
		{"not allowed floored", "2.2", 2.5, 2},
		{"not allowed floored to zero", "1.2", 2, 0},
		{"negative counts zero", "2.1", -1, 0},
		{"above cap then allowed", "2.3", 3.5, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Score(form, figuresSub(nil, map[string]float64{c.id: c.self}), Options{Type: District})
			if got := find(r, c.id).Verified; got != c.want {
				t.Errorf("verified %s = %g, want %g", c.id, got, c.want)
			}
		})
	}
	r := Score(form, figuresSub(nil, nil), Options{Type: District})
	if r.VerifiedTotal != 0 || find(r, "1.1").Self != nil {
		t.Errorf("blank form: total %g, self %v", r.VerifiedTotal, find(r, "1.1").Self)
	}
}

func TestDerivedIndicators(t *testing.T) {
	form := templates.MustLoad(2021)
	base := map[string]float64{"staff": 1000, "female_staff": 400, "insured": 300}
	cases := []struct {
		name     string
		typ      AgencyType
		fields   map[string]float64
		scores   map[string]float64
		id       string
		want     float64
		wantCode validate.Code
	}{
		{"3.2 six activities", District, merge(base, acts(1, 1, 1, 1, 1, 1)), map[string]float64{"3.2": 8}, "3.2", 8, ""},
		{"3.2 five activities claimed eight", District, merge(base, acts(1, 1, 1, 1, 1, 0)), map[string]float64{"3.2": 8}, "3.2", 6, validate.CodeScoreInconsistent},
		{"3.2 three activities", District, merge(base, acts(5, 0, 5, 0, 5, 0)), map[string]float64{"3.2": 2}, "3.2", 2, ""},
		{"3.2 two activities give one", District, merge(base, acts(5, 0, 5, 0, 0, 0)), map[string]float64{"3.2": 1}, "3.2", 1, ""},
		{"3.2 none", District, merge(base, acts(0, 0, 0, 0, 0, 0)), map[string]float64{"3.2": 2}, "3.2", 0, validate.CodeScoreInconsistent},
		{"3.2 falls back to declared count", District, merge(base, map[string]float64{"activities": 4}), map[string]float64{"3.2": 4}, "3.2", 4, ""},
		{"4.1 district coverage 50% boundary", District, map[string]float64{"staff": 1000, "female_staff": 1, "insured": 500}, map[string]float64{"4.1": 8}, "4.1", 8, ""},
		{"4.1 district below 50% no full activity", District, merge(base, acts(999, 0, 0, 0, 0, 0)), map[string]float64{"4.1": 8}, "4.1", 0, validate.CodeScoreInconsistent},
		{"4.1 district full activity", District, merge(base, acts(1000, 0, 0, 0, 0, 0)), map[string]float64{"4.1": 8}, "4.1", 8, ""},
		{"4.1 district female full counts", District, merge(base, acts(0, 0, 400, 0, 0, 0)), map[string]float64{"4.1": 0}, "4.1", 8, validate.CodeScoreInconsistent},
		{"4.1 sector all full", Sector, merge(base, acts(1000, 1000, 400, 1000, 1000, 1000)), map[string]float64{"4.1": 8}, "4.1", 8, ""},
		{"4.1 sector all joined", Sector, merge(base, acts(1, 2, 3, 4, 5, 6)), map[string]float64{"4.1": 8}, "4.1", 4, validate.CodeScoreInconsistent},
		{"4.1 sector one missing", Sector, merge(base, acts(1, 2, 3, 4, 5, 0)), map[string]float64{"4.1": 4}, "4.1", 0, validate.CodeScoreInconsistent},
		{"4.1 sector coverage does not count", Sector, merge(map[string]float64{"staff": 100, "female_staff": 10, "insured": 100}, acts(0, 0, 0, 0, 0, 0)), map[string]float64{"4.1": 8}, "4.1", 0, validate.CodeScoreInconsistent},
		{"4.2 general full", District, merge(base, acts(0, 0, 0, 0, 0, 1000)), map[string]float64{"4.2": 2}, "4.2", 2, ""},
		{"4.2 general part", District, merge(base, acts(0, 0, 0, 0, 0, 10)), map[string]float64{"4.2": 2}, "4.2", 1, validate.CodeScoreInconsistent},
		{"4.2 general none", District, merge(base, acts(0, 0, 0, 0, 0, 0)), map[string]float64{"4.2": 1}, "4.2", 0, validate.CodeScoreInconsistent},
		{"4.6 district keeps self", District, base, map[string]float64{"4.6": 5}, "4.6", 5, ""},
		{"4.6 sector not eligible", Sector, base, map[string]float64{"4.6": 5}, "4.6", 0, validate.CodeScoreNotEligible},
		{"4.6 sector zero fine", Sector, base, map[string]float64{"4.6": 0}, "4.6", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Score(form, figuresSub(c.fields, c.scores), Options{Type: c.typ})
			if got := find(r, c.id).Verified; got != c.want {
				t.Errorf("verified %s = %g, want %g", c.id, got, c.want)
			}
			if c.wantCode != "" && !hasCode(r, c.wantCode, c.id) {
				t.Errorf("no %s finding for %s: %+v", c.wantCode, c.id, r.Findings)
			}
			if c.wantCode == "" && len(r.Findings) > 0 {
				t.Errorf("unexpected findings %+v", r.Findings)
			}
		})
	}
}

func TestTotalsAndInferredType(t *testing.T) {
	form := templates.MustLoad(2021)
	scores := map[string]float64{}
	for _, ind := range form.Indicators() {
		scores[ind.ID] = ind.Cap
	}
	scores["1.4"] = 7 // capped to 6
	sub := figuresSub(nil, scores)
	sub.Fields["unit"] = validate.FieldValue{ID: "unit", Raw: "朝阳区", Cell: "B2", Present: true}
	r := Score(form, sub, Options{Type: InferAgencyType("朝阳区"), TypeInferred: true})
	if r.Type != District {
		t.Fatalf("type %s", r.Type)
	}
	if r.SelfTotal != 126 || r.VerifiedTotal != 125 {
		t.Errorf("totals self %g verified %g, want 126 and 125", r.SelfTotal, r.VerifiedTotal)
	}
	want := map[string]float64{"1": 15, "2": 45, "3": 40, "4": 25}
	for _, s := range r.Sections {
		if s.Verified != want[s.ID] {
			t.Errorf("section %s verified %g", s.ID, s.Verified)
		}
	}
	if !hasCode(r, validate.CodeTypeInferred, "") {
		t.Error("no type_inferred note")
	}
}

func TestAgencyTypes(t *testing.T) {
	infer := map[string]AgencyType{"朝阳区": District, "北京经济技术开发区": District, "朝阳区代办处": District,
		"市建工局": Sector, "市教育工会": Sector, "首创集团": Sector}
	for name, want := range infer {
		if got := InferAgencyType(name); got != want {
			t.Errorf("InferAgencyType(%q) = %s", name, got)
		}
	}
	parse := map[string]AgencyType{"区": District, "开发区": District, "district": District, "局": Sector,
		"总公司": Sector, "产业工会": Sector, "Sector": Sector}
	for in, want := range parse {
		if got, ok := ParseAgencyType(in); !ok || got != want {
			t.Errorf("ParseAgencyType(%q) = %s %v", in, got, ok)
		}
	}
	if _, ok := ParseAgencyType("不知道"); ok {
		t.Error("unknown type accepted")
	}
}
