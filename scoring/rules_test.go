package scoring

import (
	"slices"
	"strings"
	"testing"

	"kaohe/templates"
	"kaohe/validate"
)

// ruled is an indicator of the 2021 form's shape scored by one rule.
func ruled(r templates.Rule, allowed ...float64) templates.Indicator {
	return templates.Indicator{ID: "9.9", Cap: slices.Max(allowed), Allowed: allowed,
		Derive: &templates.Derivation{All: &r}}
}

// TestRuleKinds runs each rule of the vocabulary on edge values of the
// basic figures of the 2021 form.
func TestRuleKinds(t *testing.T) {
	form := templates.MustLoad(2021)
	table := templates.Rule{Kind: templates.RuleCountTable, Fallback: "activities", Table: []templates.Step{
		{AtLeast: 2, Score: 3}, {AtLeast: 4, Score: 5}}}
	noFallback := table
	noFallback.Fallback = ""
	ratio := templates.Rule{Kind: templates.RuleRatioOrFull, Part: "insured", Whole: "staff", AtLeast: 0.8, Score: 5}
	all := templates.Rule{Kind: templates.RuleAllActivities, Needs: []string{"staff"}, Full: 5, Joined: 2}
	level := templates.Rule{Kind: templates.RuleActivityLevel, Field: "act_female", Full: 5, Joined: 2}
	none := acts(0, 0, 0, 0, 0, 0)
	cases := []struct {
		name   string
		rule   templates.Rule
		fields map[string]float64
		want   float64
		ok     bool // false: the rule does not apply
	}{
		{"table: none joined", table, none, 0, true},
		{"table: below the first row", table, acts(3, 0, 0, 0, 0, 0), 0, true},
		{"table: exactly the first row", table, acts(3, 3, 0, 0, 0, 0), 3, true},
		{"table: between rows", table, acts(3, 3, 1, 0, 0, 0), 3, true},
		{"table: exactly the last row", table, acts(3, 3, 1, 1, 0, 0), 5, true},
		{"table: above the last row", table, acts(1, 1, 1, 1, 1, 1), 5, true},
		{"table: zeros are filled in, so no fallback", table, merge(none, map[string]float64{"activities": 6}), 0, true},
		{"table: fallback when no activity is filled in", table, map[string]float64{"activities": 4}, 5, true},
		{"table: fallback is truncated", table, map[string]float64{"activities": 3.9}, 3, true},
		{"table: one activity filled in wins over fallback", table, map[string]float64{"act_general": 5, "activities": 6}, 0, true},
		{"table: nothing readable", table, map[string]float64{"staff": 10}, 0, false},
		{"table: negative fallback is unreadable", table, map[string]float64{"activities": -1}, 0, false},
		{"table: no fallback given", noFallback, map[string]float64{"activities": 4}, 0, false},

		{"ratio: exactly at_least", ratio, map[string]float64{"staff": 10, "insured": 8}, 5, true},
		{"ratio: just below", ratio, map[string]float64{"staff": 100, "insured": 79.9}, 0, true},
		{"ratio: whole unreadable", ratio, map[string]float64{"insured": 8}, 0, false},
		{"ratio: whole zero, no activity", ratio, map[string]float64{"staff": 0, "insured": 0}, 0, true},
		{"ratio: part unreadable, no activity", ratio, map[string]float64{"staff": 10}, 0, false},
		{"ratio: part unreadable, an activity full", ratio, merge(map[string]float64{"staff": 10}, acts(10, 0, 0, 0, 0, 0)), 5, true},
		{"ratio: part unreadable, activity partial", ratio, merge(map[string]float64{"staff": 10}, acts(9, 0, 0, 0, 0, 0)), 0, true},
		{"ratio: low, but 女工 reaches female staff", ratio, merge(map[string]float64{"staff": 10, "female_staff": 4, "insured": 1}, acts(0, 0, 4, 0, 0, 0)), 5, true},
		{"ratio: 女工 reaches female staff of none", ratio, merge(map[string]float64{"staff": 10, "female_staff": 0, "insured": 1}, acts(0, 0, 0, 0, 0, 0)), 0, true},
		{"ratio: 女工 full but staff is 0", ratio, merge(map[string]float64{"staff": 0, "female_staff": 4}, acts(0, 0, 4, 0, 0, 0)), 0, true},

		{"all: every one full", all, merge(map[string]float64{"staff": 5, "female_staff": 2}, acts(5, 5, 2, 5, 5, 5)), 5, true},
		{"all: every one joined", all, merge(map[string]float64{"staff": 5, "female_staff": 2}, acts(5, 5, 1, 5, 5, 5)), 2, true},
		{"all: one has none", all, merge(map[string]float64{"staff": 5, "female_staff": 2}, acts(5, 5, 2, 5, 5, 0)), 0, true},
		{"all: one not filled in", all, map[string]float64{"staff": 5, "act_hospital": 5}, 0, false},
		{"all: needs staff", all, acts(5, 5, 2, 5, 5, 5), 0, false},
		{"all: female staff unreadable, 女工 not full", all, merge(map[string]float64{"staff": 5}, acts(5, 5, 2, 5, 5, 5)), 2, true},

		{"level: full", level, map[string]float64{"staff": 9, "female_staff": 4, "act_female": 4}, 5, true},
		{"level: above the whole", level, map[string]float64{"staff": 9, "female_staff": 4, "act_female": 6}, 5, true},
		{"level: partial", level, map[string]float64{"staff": 9, "female_staff": 4, "act_female": 3}, 2, true},
		{"level: none", level, map[string]float64{"staff": 9, "female_staff": 4, "act_female": 0}, 0, true},
		{"level: whole unreadable", level, map[string]float64{"staff": 9, "act_female": 3}, 2, true},
		{"level: field unreadable", level, map[string]float64{"staff": 9, "female_staff": 4}, 0, false},

		{"not eligible", templates.Rule{Kind: templates.RuleNotEligible}, nil, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ind := ruled(c.rule, 0, 2, 3, 5)
			got, ok := derive(ind, readFigures(form, figuresSub(c.fields, nil)), District)
			if ok != c.ok || got != c.want {
				t.Errorf("derive = %g, %v; want %g, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestRuleByType gives each agency type its rule and leaves a type without
// one to its self-score.
func TestRuleByType(t *testing.T) {
	form := templates.MustLoad(2021)
	ind := templates.Indicator{ID: "9.9", Cap: 4, Allowed: []float64{0, 4}, Derive: &templates.Derivation{
		ByType: map[string]*templates.Rule{"sector": {Kind: templates.RuleNotEligible}}}}
	fg := readFigures(form, figuresSub(nil, nil))
	if v, ok := derive(ind, fg, Sector); !ok || v != 0 {
		t.Errorf("sector: %g, %v", v, ok)
	}
	if _, ok := derive(ind, fg, District); ok {
		t.Error("district got a rule it was not given")
	}
	cell := validate.ScoreCell{IsNumber: true, Value: 4, Cell: "F9"}
	f, bad := disagreement(ind, cell, 0, fg, Sector)
	if !bad || f.Code != validate.CodeScoreNotEligible || !strings.Contains(f.Message, "只适用于区（开发区）代办处") {
		t.Errorf("finding %+v", f)
	}
}

// TestAgencyTypesInStep keeps the types the form file may name in step
// with the ones scoring knows.
func TestAgencyTypesInStep(t *testing.T) {
	want := []string{string(District), string(Sector)}
	if got := templates.AgencyTypes(); !slices.Equal(got, want) {
		t.Errorf("templates.AgencyTypes() = %v, scoring has %v", got, want)
	}
}

// TestModifiedForm scores with a copy of the 2021 form whose rules were
// edited in the file: a different activity table, a lower coverage
// threshold, and 4.6 open to every agency. Scoring follows the file with
// no change to Go code.
func TestModifiedForm(t *testing.T) {
	data, err := templates.Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	edits := []struct{ old, new string }{
		{"            - {at_least: 1, score: 1}\n            - {at_least: 3, score: 2}\n",
			"            - {at_least: 2, score: 2}\n"},
		{"at_least: 0.5, score: 8", "at_least: 0.3, score: 8"},
		{"        derive:\n          sector: {rule: not_eligible}\n", ""},
		{"activity_label: 保障活动", "activity_label: 互助活动"},
	}
	for _, e := range edits {
		if !strings.Contains(src, e.old) {
			t.Fatalf("%q not in the form", e.old)
		}
		src = strings.Replace(src, e.old, e.new, 1)
	}
	edited, err := templates.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	orig := templates.MustLoad(2021)
	fields := merge(map[string]float64{"staff": 100, "female_staff": 40, "insured": 40}, acts(10, 0, 0, 0, 0, 0))
	self := map[string]float64{"3.2": 1, "4.1": 8, "4.6": 10}
	cases := []struct {
		form       *templates.Form
		typ        AgencyType
		id         string
		want       float64
		finding    validate.Code
		msgContain string
	}{
		{orig, District, "3.2", 1, "", ""},
		{edited, District, "3.2", 0, validate.CodeScoreInconsistent, "六项互助活动中填有参加人数的共 1 项"},
		{orig, District, "4.1", 0, validate.CodeScoreInconsistent, "参保人数占职工总数 40.0%"},
		{edited, District, "4.1", 8, "", ""},
		{orig, Sector, "4.6", 0, validate.CodeScoreNotEligible, ""},
		{edited, Sector, "4.6", 10, "", ""},
	}
	for _, c := range cases {
		res := Score(c.form, figuresSub(fields, self), Options{Type: c.typ})
		if got := find(res, c.id).Verified; got != c.want {
			t.Errorf("%s form %p (%s): verified %g, want %g", c.id, c.form, c.typ, got, c.want)
		}
		var found *validate.Finding
		for i, f := range res.Findings {
			if f.Indicator == c.id {
				found = &res.Findings[i]
			}
		}
		switch {
		case c.finding == "" && found != nil:
			t.Errorf("%s (%s): unexpected finding %s", c.id, c.typ, found.Message)
		case c.finding != "" && (found == nil || found.Code != c.finding || !strings.Contains(found.Message, c.msgContain)):
			t.Errorf("%s (%s): finding %+v, want %s with %q", c.id, c.typ, found, c.finding, c.msgContain)
		}
	}
	// The type_inferred note names the indicators that depend on the type.
	res := Score(edited, figuresSub(fields, self), Options{Type: District, TypeInferred: true})
	if !hasCode(res, validate.CodeTypeInferred, "") || !strings.Contains(res.Findings[0].Message, "据此计算指标4.1；") {
		t.Errorf("type_inferred note %+v", res.Findings)
	}
	res = Score(orig, figuresSub(fields, self), Options{Type: District, TypeInferred: true})
	if !strings.Contains(res.Findings[0].Message, "据此计算指标4.1和4.6；") {
		t.Errorf("type_inferred note %+v", res.Findings)
	}
}
