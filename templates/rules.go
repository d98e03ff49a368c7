package templates

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// RuleKind names one rule of the derivation vocabulary: the ways an
// indicator's score can be computed from the basic figures. The form file
// documents each kind in its comment block; scoring interprets them.
type RuleKind string

const (
	// RuleCountTable scores by a table on the number of activities with
	// participants (> 0), or on the Fallback field when no activity count
	// is filled in.
	RuleCountTable RuleKind = "count_table"
	// RuleRatioOrFull gives Score when Part / Whole is at least AtLeast or
	// any activity is at full participation, else 0.
	RuleRatioOrFull RuleKind = "ratio_or_full"
	// RuleAllActivities gives Full when every activity is at full
	// participation, Joined when every activity has participants, else 0.
	RuleAllActivities RuleKind = "all_activities"
	// RuleActivityLevel gives Full when the activity Field is at full
	// participation, Joined when it has participants, else 0.
	RuleActivityLevel RuleKind = "activity_level"
	// RuleNotEligible gives 0: the agency cannot score the indicator.
	RuleNotEligible RuleKind = "not_eligible"
)

// ruleKinds are the kinds of the vocabulary, in the order errors list them.
func ruleKinds() []RuleKind {
	return []RuleKind{RuleActivityLevel, RuleAllActivities, RuleCountTable, RuleNotEligible, RuleRatioOrFull}
}

// ruleParams lists the keys a kind takes besides rule and needs; ok is
// false for a kind the vocabulary does not have.
func ruleParams(k RuleKind) (required, optional []string, ok bool) {
	switch k {
	case RuleCountTable:
		return []string{"table"}, []string{"fallback"}, true
	case RuleRatioOrFull:
		return []string{"part", "whole", "at_least", "score"}, nil, true
	case RuleAllActivities:
		return []string{"full", "joined"}, nil, true
	case RuleActivityLevel:
		return []string{"field", "full", "joined"}, nil, true
	case RuleNotEligible:
		return nil, nil, true
	}
	return nil, nil, false
}

// AgencyTypes are the agency types a derivation may give a rule each; they
// are scoring.AgencyType's values, which a scoring test keeps in step.
func AgencyTypes() []string { return []string{"district", "sector"} }

// Step is one row of a count table: at least AtLeast activities score Score.
type Step struct {
	AtLeast float64 `yaml:"at_least"`
	Score   float64 `yaml:"score"`
}

// Rule is one derivation rule with its parameters; which parameters apply
// depends on Kind.
type Rule struct {
	Kind RuleKind `yaml:"rule"`
	// Needs are fields that must read as numbers for the rule to apply;
	// otherwise the self-score is checked as for any indicator.
	Needs    []string `yaml:"needs"`
	Fallback string   `yaml:"fallback"`
	Table    []Step   `yaml:"table"`
	Part     string   `yaml:"part"`
	Whole    string   `yaml:"whole"`
	AtLeast  float64  `yaml:"at_least"`
	Score    float64  `yaml:"score"`
	Field    string   `yaml:"field"`
	Full     float64  `yaml:"full"`
	Joined   float64  `yaml:"joined"`
	// Line is where the rule starts in the form file.
	Line int `yaml:"-"`

	keys []string // the keys the file gave, to reject ones the kind does not take
}

// UnmarshalYAML records the rule's line and the keys it was given.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = Rule(p)
	r.Line = n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		r.keys = append(r.keys, n.Content[i].Value)
	}
	return nil
}

// Derivation says how scoring computes an indicator from the basic figures
// instead of trusting the self-score: one rule for every agency, or a rule
// per agency type. A type without a rule has its self-score checked as for
// any other indicator.
type Derivation struct {
	All    *Rule
	ByType map[string]*Rule
	Line   int
}

// UnmarshalYAML reads either a rule (a mapping with a rule key) or a
// mapping from agency type to rule.
func (d *Derivation) UnmarshalYAML(n *yaml.Node) error {
	d.Line = n.Line
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: derive must be a rule (rule: …) or one rule per agency type (%s: …)", n.Line, strings.Join(AgencyTypes(), ": …, "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "rule" {
			d.All = new(Rule)
			return n.Decode(d.All)
		}
	}
	d.ByType = map[string]*Rule{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		r := new(Rule)
		if err := n.Content[i+1].Decode(r); err != nil {
			return err
		}
		d.ByType[n.Content[i].Value] = r
	}
	return nil
}

// For returns the rule that applies to an agency of the given type, nil
// when none does.
func (d *Derivation) For(agencyType string) *Rule {
	if d == nil {
		return nil
	}
	if d.All != nil {
		return d.All
	}
	return d.ByType[agencyType]
}

// ByAgencyType reports whether the derivation depends on the agency type.
func (d *Derivation) ByAgencyType() bool { return d != nil && d.All == nil && len(d.ByType) > 0 }

// Activities lists the fields tagged activity, in form order: the set the
// rules count.
func (f *Form) Activities() []Field {
	var out []Field
	for _, fd := range f.Fields {
		if fd.Activity {
			out = append(out, fd)
		}
	}
	return out
}

// checkDerivation validates one indicator's rules against the form, so a
// wrong rule fails when the form loads rather than when a mail is scored.
func (f *Form) checkDerivation(ind Indicator) error {
	d := ind.Derive
	if d == nil {
		return nil
	}
	at := func(line int, format string, a ...any) error {
		return fmt.Errorf("indicator %s, line %d: derive: %s", ind.ID, line, fmt.Sprintf(format, a...))
	}
	if d.All != nil {
		return f.checkRule(ind, d.All, "", at)
	}
	if len(d.ByType) == 0 {
		return at(d.Line, "no rule: give rule: … or one rule per agency type (%s)", strings.Join(AgencyTypes(), ", "))
	}
	var errs []error
	types := make([]string, 0, len(d.ByType))
	for t := range d.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		if !slices.Contains(AgencyTypes(), t) {
			errs = append(errs, at(d.ByType[t].Line, "unknown agency type %q (want %s)", t, strings.Join(AgencyTypes(), ", ")))
			continue
		}
		errs = append(errs, f.checkRule(ind, d.ByType[t], t+": ", at))
	}
	return errors.Join(errs...)
}

// checkRuleKeys checks the rule's kind and that it was given the keys the
// kind takes, no more and no fewer; given is nil when the kind is unknown.
func checkRuleKeys(r *Rule, bad func(string, ...any)) (given map[string]bool) {
	required, optional, ok := ruleParams(r.Kind)
	if !ok {
		var kinds []string
		for _, k := range ruleKinds() {
			kinds = append(kinds, string(k))
		}
		if r.Kind == "" {
			bad("missing rule: (want one of %s)", strings.Join(kinds, ", "))
		} else {
			bad("unknown rule kind %q (want one of %s)", r.Kind, strings.Join(kinds, ", "))
		}
		return nil
	}
	given = map[string]bool{}
	for _, k := range r.keys {
		given[k] = true
		if k != "rule" && k != "needs" && !slices.Contains(required, k) && !slices.Contains(optional, k) {
			bad("rule %s takes no %q", r.Kind, k)
		}
	}
	for _, k := range required {
		if !given[k] {
			bad("rule %s needs %q", r.Kind, k)
		}
	}
	return given
}

func (f *Form) checkRule(ind Indicator, r *Rule, prefix string, at func(int, string, ...any) error) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, at(r.Line, prefix+format, a...)) }
	given := checkRuleKeys(r, bad)
	if given == nil {
		return errors.Join(errs...)
	}
	numeric := func(key, id string) {
		if !given[key] && id == "" {
			return
		}
		fd, ok := f.Field(id)
		switch {
		case !ok:
			bad("%s names unknown field %q", key, id)
		case fd.Kind != KindCount && fd.Kind != KindPercent:
			bad("%s names field %q, which is not a number", key, id)
		}
	}
	for _, id := range r.Needs {
		numeric("needs", id)
	}
	acts := f.Activities()
	usesActivities := r.Kind == RuleCountTable || r.Kind == RuleRatioOrFull || r.Kind == RuleAllActivities
	if usesActivities && len(acts) == 0 {
		bad("rule %s counts the activities, but no field is tagged activity: true", r.Kind)
	}
	if (usesActivities || r.Kind == RuleActivityLevel) && f.ActivityLabel == "" {
		bad("rule %s explains its score in the activities' name: give the form an activity_label", r.Kind)
	}
	usesFull := r.Kind == RuleRatioOrFull || r.Kind == RuleAllActivities
	if usesFull {
		for _, a := range acts {
			if a.AtMost == "" {
				bad("rule %s needs full participation, but activity %s has no at_most to measure it against", r.Kind, a.ID)
			}
		}
	}
	scores := []float64{0}
	switch r.Kind {
	case RuleCountTable:
		numeric("fallback", r.Fallback)
		checkTable(ind, r, len(acts), bad)
		for _, s := range r.Table {
			scores = append(scores, s.Score)
		}
	case RuleRatioOrFull:
		numeric("part", r.Part)
		numeric("whole", r.Whole)
		if given["at_least"] && (r.AtLeast <= 0 || r.AtLeast > 1) {
			bad("at_least is %g; write the ratio as a fraction, 0.5 for 50%%", r.AtLeast)
		}
		scores = append(scores, r.Score)
	case RuleAllActivities:
		scores = append(scores, r.Full, r.Joined)
	case RuleActivityLevel:
		fd, ok := f.Field(r.Field)
		switch {
		case !ok:
			bad("field names unknown field %q", r.Field)
		case !fd.Activity:
			bad("field %q is not tagged activity: true", r.Field)
		case fd.AtMost == "":
			bad("activity %s has no at_most to measure full participation against", fd.ID)
		}
		scores = append(scores, r.Full, r.Joined)
	}
	for _, s := range scores {
		if !ind.Allows(s) {
			bad("score %g is not among the allowed scores %v", s, ind.Allowed)
		}
	}
	return errors.Join(errs...)
}

// checkTable checks a count table: whole counts ascending from 1, scores
// not falling, and the last row reachable and at the cap.
func checkTable(ind Indicator, r *Rule, activities int, bad func(string, ...any)) {
	if len(r.Table) == 0 {
		bad("the table has no rows")
		return
	}
	for i, s := range r.Table {
		if s.AtLeast < 1 || s.AtLeast != math.Trunc(s.AtLeast) {
			bad("table row %d: at_least %g is not a whole number of activities ≥ 1", i+1, s.AtLeast)
		}
		if i > 0 && s.AtLeast <= r.Table[i-1].AtLeast {
			bad("table row %d: at_least %g does not rise above the row before", i+1, s.AtLeast)
		}
		if i > 0 && s.Score < r.Table[i-1].Score {
			bad("table row %d: score %g falls below the row before", i+1, s.Score)
		}
	}
	last := r.Table[len(r.Table)-1]
	if last.Score != ind.Cap {
		bad("the table ends at %g, not at the cap %g", last.Score, ind.Cap)
	}
	if activities > 0 && last.AtLeast > float64(activities) {
		bad("the table's last row needs %g activities, but the form has %d", last.AtLeast, activities)
	}
}

// checkCrossFields checks the fields' own cross-field checks: a ratio names
// two number fields, and one count at most declares the activities joined.
func (f *Form) checkCrossFields() error {
	var errs []error
	isNumber := func(id string) bool {
		fd, ok := f.Field(id)
		return ok && (fd.Kind == KindCount || fd.Kind == KindPercent)
	}
	declared := 0
	for _, fd := range f.Fields {
		if r := fd.Ratio; r != nil {
			if fd.Kind != KindPercent {
				errs = append(errs, fmt.Errorf("field %s: ratio applies to a percent field, not a %s one", fd.ID, fd.Kind))
			}
			for _, id := range []string{r.Part, r.Whole} {
				if !isNumber(id) {
					errs = append(errs, fmt.Errorf("field %s: ratio names %q, which is not a number field of the form", fd.ID, id))
				}
			}
			if r.Tolerance <= 0 {
				errs = append(errs, fmt.Errorf("field %s: ratio needs a tolerance > 0 in percentage points, such as 0.5", fd.ID))
			}
		}
		if fd.JoinedActivities {
			declared++
			if fd.Kind != KindCount || fd.Activity {
				errs = append(errs, fmt.Errorf("field %s: joined_activities applies to a count that is not itself an activity", fd.ID))
			}
			if len(f.Activities()) == 0 {
				errs = append(errs, fmt.Errorf("field %s: joined_activities, but no field is tagged activity: true", fd.ID))
			}
		}
	}
	if declared > 1 {
		errs = append(errs, fmt.Errorf("%d fields have joined_activities; at most one may", declared))
	}
	if fd, ok := f.Field("unit"); !ok || fd.Kind != KindText {
		errs = append(errs, errors.New("field unit: the form needs a text field with id unit, the agency's name, which receipts, the roster and scoring read"))
	}
	return errors.Join(errs...)
}

// checkAtMostChains rejects at_most relations that loop, since full
// participation walks them up to the whole.
func (f *Form) checkAtMostChains() error {
	var errs []error
	for _, fd := range f.Fields {
		cur := fd
		for steps := 0; cur.AtMost != ""; steps++ {
			if steps > len(f.Fields) {
				errs = append(errs, fmt.Errorf("field %s: at_most relations form a loop", fd.ID))
				break
			}
			next, ok := f.Field(cur.AtMost)
			if !ok {
				break
			}
			cur = next
		}
	}
	return errors.Join(errs...)
}
