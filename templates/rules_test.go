package templates

import (
	"strconv"
	"strings"
	"testing"
)

// source2021 is the embedded 2021 definition as text, for tests that load
// a modified copy.
func source2021(t *testing.T) string {
	t.Helper()
	data, err := Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// lineOf is the 1-based line of the first occurrence of s in src.
func lineOf(t *testing.T, src, s string) int {
	t.Helper()
	i := strings.Index(src, s)
	if i < 0 {
		t.Fatalf("%q not in the form", s)
	}
	return strings.Count(src[:i], "\n") + 1
}

const (
	rule32 = `        derive:
          rule: count_table
          fallback: activities
          table:
            - {at_least: 1, score: 1}
            - {at_least: 3, score: 2}
            - {at_least: 4, score: 4}
            - {at_least: 5, score: 6}
            - {at_least: 6, score: 8}
`
	rule41 = `          district: {rule: ratio_or_full, part: insured, whole: staff, at_least: 0.5, score: 8}
          sector: {rule: all_activities, needs: [staff], full: 8, joined: 4}
`
	rule42 = `        derive: {rule: activity_level, field: act_general, full: 2, joined: 1}
`
)

func TestRulesLoad(t *testing.T) {
	f := MustLoad(2021)
	want := map[string]string{"3.2": "count_table", "4.1": "", "4.2": "activity_level", "4.6": ""}
	for _, ind := range f.Indicators() {
		kind, derived := want[ind.ID]
		if derived != (ind.Derive != nil) {
			t.Fatalf("indicator %s: derive %v, want derived %v", ind.ID, ind.Derive, derived)
		}
		if !derived {
			continue
		}
		if kind != "" && string(ind.Derive.All.Kind) != kind {
			t.Errorf("indicator %s: rule %q, want %q", ind.ID, ind.Derive.All.Kind, kind)
		}
		if ind.Derive.ByAgencyType() != (kind == "") {
			t.Errorf("indicator %s: by agency type %v", ind.ID, ind.Derive.ByAgencyType())
		}
	}
	ind, _ := f.Indicator("4.6")
	if ind.Derive.For("district") != nil || ind.Derive.For("sector").Kind != RuleNotEligible {
		t.Errorf("4.6: district %v, sector %v", ind.Derive.For("district"), ind.Derive.For("sector"))
	}
	ind, _ = f.Indicator("3.2")
	if got := len(ind.Derive.All.Table); got != 5 || ind.Derive.All.Table[4] != (Step{AtLeast: 6, Score: 8}) {
		t.Errorf("3.2 table %v", ind.Derive.All.Table)
	}
	if n := len(f.Activities()); n != 6 {
		t.Errorf("%d activities, want 6", n)
	}
}

// TestRuleErrors breaks one rule at a time in a copy of the 2021 form; the
// load fails with an error naming the indicator, the line and the fault.
func TestRuleErrors(t *testing.T) {
	src := source2021(t)
	cases := []struct {
		name     string
		old, new string
		anchor   string // text on the line the error must name
		want     string
	}{
		{name: "unknown kind", old: "rule: count_table", new: "rule: count_tabel",
			anchor: "rule: count_tabel", want: `indicator 3.2, line %d: derive: unknown rule kind "count_tabel"`},
		{name: "missing kind", old: "derive: {rule: activity_level, field: act_general, full: 2, joined: 1}", new: "derive: {rule: \"\", field: act_general}",
			anchor: `derive: {rule: ""`, want: "indicator 4.2, line %d: derive: missing rule:"},
		{name: "unknown field", old: "field: act_general", new: "field: act_generel",
			anchor: "field: act_generel", want: `indicator 4.2, line %d: derive: field names unknown field "act_generel"`},
		{name: "field not an activity", old: "field: act_general", new: "field: staff",
			anchor: "field: staff", want: `field "staff" is not tagged activity: true`},
		{name: "unknown fallback", old: "fallback: activities", new: "fallback: activity",
			anchor: "rule: count_table", want: `indicator 3.2, line %d: derive: fallback names unknown field "activity"`},
		{name: "unknown part", old: "part: insured, whole: staff, at_least", new: "part: insure, whole: staff, at_least",
			anchor: "part: insure, whole: staff, at_least", want: `indicator 4.1, line %d: derive: district: part names unknown field "insure"`},
		{name: "part not a number", old: "part: insured, whole: staff, at_least", new: "part: unit, whole: staff, at_least",
			anchor: "part: unit, whole: staff, at_least", want: `part names field "unit", which is not a number`},
		{name: "unknown needs", old: "needs: [staff]", new: "needs: [staf]",
			anchor: "needs: [staf]", want: `indicator 4.1, line %d: derive: sector: needs names unknown field "staf"`},
		{name: "table not at cap", old: "- {at_least: 6, score: 8}", new: "- {at_least: 6, score: 7}",
			anchor: "rule: count_table", want: "indicator 3.2, line %d: derive: the table ends at 7, not at the cap 8"},
		{name: "table unreachable", old: "- {at_least: 6, score: 8}", new: "- {at_least: 7, score: 8}",
			anchor: "rule: count_table", want: "the table's last row needs 7 activities, but the form has 6"},
		{name: "table not rising", old: "- {at_least: 4, score: 4}", new: "- {at_least: 3, score: 4}",
			anchor: "rule: count_table", want: "table row 3: at_least 3 does not rise above the row before"},
		{name: "table score falls", old: "- {at_least: 4, score: 4}", new: "- {at_least: 4, score: 1}",
			anchor: "rule: count_table", want: "table row 3: score 1 falls below the row before"},
		{name: "table fraction", old: "- {at_least: 1, score: 1}", new: "- {at_least: 0.5, score: 1}",
			anchor: "rule: count_table", want: "table row 1: at_least 0.5 is not a whole number of activities ≥ 1"},
		{name: "empty table", old: rule32, new: "        derive: {rule: count_table, table: []}\n",
			anchor: "derive: {rule: count_table", want: "the table has no rows"},
		{name: "score not allowed", old: "full: 8, joined: 4", new: "full: 8, joined: 5",
			anchor: "joined: 5", want: "indicator 4.1, line %d: derive: sector: score 5 is not among the allowed scores [0 4 8]"},
		{name: "ratio as percent", old: "at_least: 0.5", new: "at_least: 50",
			anchor: "at_least: 50", want: "at_least is 50; write the ratio as a fraction, 0.5 for 50%"},
		{name: "missing parameter", old: "whole: staff, ", new: "",
			anchor: "district: {rule", want: `indicator 4.1, line %d: derive: district: rule ratio_or_full needs "whole"`},
		{name: "parameter of another kind", old: "full: 2, joined: 1}", new: "full: 2, joined: 1, score: 2}",
			anchor: "score: 2}", want: `rule activity_level takes no "score"`},
		{name: "unknown agency type", old: "district: {rule: ratio_or_full", new: "county: {rule: ratio_or_full",
			anchor: "county:", want: `indicator 4.1, line %d: derive: unknown agency type "county" (want district, sector)`},
		{name: "not a mapping", old: rule42, new: "        derive: activities\n",
			anchor: "derive: activities", want: "line %d: derive must be a rule"},
		{name: "no activity label", old: "activity_label: 保障活动\n", new: "",
			anchor: "rule: count_table", want: "indicator 3.2, line %d: derive: rule count_table explains its score in the activities' name"},
		{name: "activity without at_most", old: "activity: true, at_most: female_staff}", new: "activity: true}",
			anchor: "district: {rule", want: "rule ratio_or_full needs full participation, but activity act_female has no at_most"},
		{name: "no activities", old: "activity: true", new: "activity: false",
			anchor: "rule: count_table", want: "rule count_table counts the activities, but no field is tagged activity: true"},
		{name: "ratio on a count", old: "kind: percent, unit: \"%\", required: true, ratio:", new: "kind: count, unit: \"%\", required: true, ratio:",
			want: "field coverage: ratio applies to a percent field, not a count one"},
		{name: "ratio names unknown field", old: "ratio: {part: insured,", new: "ratio: {part: insurd,",
			want: `field coverage: ratio names "insurd", which is not a number field of the form`},
		{name: "ratio without tolerance", old: ", tolerance: 0.5}", new: "}",
			want: "field coverage: ratio needs a tolerance > 0"},
		{name: "joined_activities on an activity", old: "label: 综合, group: development, kind: count, unit: 人, activity: true", new: "label: 综合, group: development, kind: count, unit: 人, activity: true, joined_activities: true",
			want: "field act_general: joined_activities applies to a count that is not itself an activity"},
		{name: "two joined_activities", old: "{id: unions, label: 基层工会数, group: members, kind: count, unit: 个, required: true", new: "{id: unions, label: 基层工会数, group: members, kind: count, unit: 个, required: true, joined_activities: true",
			want: "2 fields have joined_activities; at most one may"},
		{name: "no unit field", old: "{id: unit, label: 考核单位", new: "{id: name, label: 考核单位",
			want: "field unit: the form needs a text field with id unit"},
		{name: "at_most loop", old: "{id: staff, label: 职工总数, group: members, kind: count, unit: 人, required: true}",
			new:  "{id: staff, label: 职工总数, group: members, kind: count, unit: 人, required: true, at_most: insured}",
			want: "at_most relations form a loop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("%q not in the form", c.old)
			}
			broken := strings.ReplaceAll(src, c.old, c.new)
			_, err := Parse([]byte(broken))
			if err == nil {
				t.Fatal("the broken form loaded")
			}
			t.Log(err)
			want := c.want
			if strings.Contains(want, "%d") {
				want = strings.Replace(want, "%d", strconv.Itoa(lineOf(t, broken, c.anchor)), 1)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error\n%v\nlacks\n%s", err, want)
			}
		})
	}
}

// TestRuleOtherShapes loads rules the 2021 form does not use: one rule for
// all agencies where 2021 has one per type, a rule with needs, a table
// without fallback.
func TestRuleOtherShapes(t *testing.T) {
	src := source2021(t)
	src = strings.Replace(src, rule41, "          rule: ratio_or_full\n          needs: [insured]\n          part: insured\n          whole: staff\n          at_least: 0.9\n          score: 4\n", 1)
	src = strings.Replace(src, "          fallback: activities\n", "", 1)
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ind, _ := f.Indicator("4.1")
	r := ind.Derive.For("sector")
	if r == nil || r != ind.Derive.For("district") || r.AtLeast != 0.9 || r.Score != 4 || len(r.Needs) != 1 {
		t.Errorf("4.1 rule %+v", r)
	}
	if ind.Derive.ByAgencyType() {
		t.Error("one rule for all agencies reported as by agency type")
	}
	ind, _ = f.Indicator("3.2")
	if ind.Derive.All.Fallback != "" {
		t.Errorf("fallback %q", ind.Derive.All.Fallback)
	}
}

// TestEmbeddedFormsLoad loads every form built into the program, so that a
// new year's file with a broken rule fails here, naming the line, before
// it reaches a campaign.
func TestEmbeddedFormsLoad(t *testing.T) {
	for _, y := range Years() {
		if _, err := Load(y); err != nil {
			t.Errorf("form-%d.yaml: %v", y, err)
		}
	}
}

// FuzzParse feeds the loader edited copies of the 2021 definition: it
// returns a form or an error, never panics, and a form it returns has only
// rules of the vocabulary.
func FuzzParse(f *testing.F) {
	data, err := Source(2021)
	if err != nil {
		f.Fatal(err)
	}
	src := string(data)
	f.Add(src)
	for _, edit := range []struct{ old, new string }{
		{rule42, "        derive: {district: null, sector: [1, 2]}\n"},
		{rule42, "        derive: {rule: {a: b}}\n"},
		{rule42, "        derive: [activity_level]\n"},
		{rule32, "        derive: {rule: count_table, table: [{at_least: .nan, score: 8}]}\n"},
		{"at_most: female_staff", "at_most: act_female"},
		{", tolerance: 0.5}", ", tolerance: -1}"},
	} {
		f.Add(strings.Replace(src, edit.old, edit.new, 1))
	}
	f.Fuzz(func(t *testing.T, src string) {
		form, err := Parse([]byte(src))
		if err != nil {
			return
		}
		for _, ind := range form.Indicators() {
			for _, typ := range AgencyTypes() {
				if r := ind.Derive.For(typ); r != nil {
					if _, _, ok := ruleParams(r.Kind); !ok {
						t.Fatalf("indicator %s: rule kind %q loaded", ind.ID, r.Kind)
					}
				}
			}
		}
	})
}
