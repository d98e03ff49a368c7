package scoring

import (
	"fmt"
	"strconv"
	"strings"

	"kaohe/templates"
	"kaohe/validate"
)

// figures are the basic figures of one submission as the derivation rules
// see them; the activities are the form's fields tagged activity.
type figures struct {
	form *templates.Form
	sub  *validate.Submission
	acts []templates.Field
}

type number struct {
	v  float64
	ok bool
}

func readFigures(form *templates.Form, sub *validate.Submission) figures {
	return figures{form: form, sub: sub, acts: form.Activities()}
}

// get reads a field as a number ≥ 0.
func (fg figures) get(id string) number {
	if fg.sub == nil {
		return number{}
	}
	fv, ok := fg.sub.Fields[id]
	if !ok || !fv.IsNumber || fv.Number < 0 {
		return number{}
	}
	return number{v: fv.Number, ok: true}
}

// anyActivity reports whether at least one activity count is filled in.
func (fg figures) anyActivity() bool {
	for _, a := range fg.acts {
		if fg.get(a.ID).ok {
			return true
		}
	}
	return false
}

// allActivities reports whether every activity count is filled in.
func (fg figures) allActivities() bool {
	for _, a := range fg.acts {
		if !fg.get(a.ID).ok {
			return false
		}
	}
	return true
}

// joined counts the activities with participants > 0.
func (fg figures) joined() int {
	n := 0
	for _, a := range fg.acts {
		if v := fg.get(a.ID); v.ok && v.v > 0 {
			n++
		}
	}
	return n
}

// full reports whether an activity is at full participation: its count
// reaches its at_most field, and that field and every one above it in the
// at_most chain are numbers > 0 (女工 ≥ 女职工人数, with 职工总数 > 0).
func (fg figures) full(act templates.Field) bool {
	a := fg.get(act.ID)
	if !a.ok || act.AtMost == "" {
		return false
	}
	whole := fg.get(act.AtMost)
	// The form's check rejects at_most loops; the bound only guards a form
	// built in code without Parse.
	for fd, steps := act, 0; fd.AtMost != "" && steps <= len(fg.form.Fields); steps++ {
		if up := fg.get(fd.AtMost); !up.ok || up.v <= 0 {
			return false
		}
		fd, _ = fg.form.Field(fd.AtMost)
	}
	return a.v >= whole.v
}

// derive computes a derived indicator from the basic figures; ok is false
// when no rule applies to the agency or its figures are not readable.
func derive(ind templates.Indicator, fg figures, t AgencyType) (float64, bool) {
	r := ind.Derive.For(string(t))
	if r == nil {
		return 0, false
	}
	for _, id := range r.Needs {
		if !fg.get(id).ok {
			return 0, false
		}
	}
	switch r.Kind {
	case templates.RuleCountTable:
		n := 0
		switch fb := fg.get(r.Fallback); {
		case fg.anyActivity():
			n = fg.joined()
		case r.Fallback != "" && fb.ok:
			n = int(fb.v)
		default:
			return 0, false
		}
		return tableScore(r.Table, n), true
	case templates.RuleRatioOrFull:
		part, whole := fg.get(r.Part), fg.get(r.Whole)
		if !whole.ok {
			return 0, false
		}
		if whole.v > 0 && part.ok && part.v/whole.v >= r.AtLeast {
			return r.Score, true
		}
		for _, a := range fg.acts {
			if fg.full(a) {
				return r.Score, true
			}
		}
		if !part.ok && !fg.anyActivity() {
			return 0, false
		}
		return 0, true
	case templates.RuleAllActivities:
		if !fg.allActivities() {
			return 0, false
		}
		all, joined := true, true
		for _, a := range fg.acts {
			all = all && fg.full(a)
			joined = joined && fg.get(a.ID).v > 0
		}
		switch {
		case all:
			return r.Full, true
		case joined:
			return r.Joined, true
		}
		return 0, true
	case templates.RuleActivityLevel:
		act, _ := fg.form.Field(r.Field)
		v := fg.get(act.ID)
		switch {
		case !v.ok:
			return 0, false
		case fg.full(act):
			return r.Full, true
		case v.v > 0:
			return r.Joined, true
		}
		return 0, true
	case templates.RuleNotEligible:
		return 0, true
	}
	return 0, false
}

// tableScore is the score of the last row whose at_least n reaches, 0
// below the first row.
func tableScore(table []templates.Step, n int) float64 {
	score := 0.0
	for _, s := range table {
		if float64(n) >= s.AtLeast {
			score = s.Score
		}
	}
	return score
}

// disagreement reports a finding when the self-score of a derived indicator
// differs from what the figures give.
func disagreement(ind templates.Indicator, cell validate.ScoreCell, computed float64, fg figures, t AgencyType) (validate.Finding, bool) {
	if !cell.IsNumber || cell.Value == computed {
		return validate.Finding{}, false
	}
	self := fmt.Sprintf("%g", cell.Value)
	var f validate.Finding
	switch r := ind.Derive.For(string(t)); {
	case r != nil && r.Kind == templates.RuleNotEligible:
		f = validate.NewFinding(validate.CodeScoreNotEligible, fmt.Sprintf(
			"%s指标%s：本项加分只适用于%s，%s代办处不能得分；自评分 %s 已按 0 分核定，请改为 0。",
			cellPrefix(cell), ind.ID, eligibleTypes(ind.Derive), t.Label(), self))
	default:
		f = validate.NewFinding(validate.CodeScoreInconsistent, fmt.Sprintf(
			"%s指标%s：自评分 %s 与基本情况不符，%s，按考核标准应为 %g 分，已按 %g 分核定。请核对基本情况中的人数和自评分，改正后重新发送。",
			cellPrefix(cell), ind.ID, self, fg.explain(r), computed, computed))
	}
	f.Indicator = ind.ID
	f.Sheet, f.Cell = cell.Sheet, cell.Cell
	return f, true
}

// eligibleTypes names the agency types the derivation does not rule out.
func eligibleTypes(d *templates.Derivation) string {
	var names []string
	for _, t := range templates.AgencyTypes() {
		if r := d.For(t); r == nil || r.Kind != templates.RuleNotEligible {
			names = append(names, AgencyType(t).Label()+"代办处")
		}
	}
	return strings.Join(names, "和")
}

func cellPrefix(c validate.ScoreCell) string {
	if c.Cell == "" {
		return ""
	}
	return c.Cell + "："
}

// explain says in Chinese which figures gave a rule's score.
func (fg figures) explain(r *templates.Rule) string {
	if r == nil {
		return "与基本情况计算结果不同"
	}
	label := func(id string) string {
		fd, _ := fg.form.Field(id)
		return fd.Label
	}
	switch r.Kind {
	case templates.RuleCountTable:
		if fg.anyActivity() {
			return fmt.Sprintf("%s项%s中填有参加人数的共 %d 项", chineseCount(len(fg.acts)), fg.form.ActivityLabel, fg.joined())
		}
		fd, _ := fg.form.Field(r.Fallback)
		return fmt.Sprintf("填报的%s为 %s", fd.Label, withUnit(fg.get(r.Fallback).v, fd.Unit))
	case templates.RuleRatioOrFull:
		ratio := "无法计算"
		part, whole := fg.get(r.Part), fg.get(r.Whole)
		if whole.ok && whole.v > 0 && part.ok {
			ratio = fmt.Sprintf("%.1f%%", part.v/whole.v*100)
		}
		return fmt.Sprintf("%s占%s %s，且没有一项%s达到全员覆盖", label(r.Part), label(r.Whole), ratio, fg.form.ActivityLabel)
	case templates.RuleAllActivities:
		var full []string
		joined := 0
		for _, a := range fg.acts {
			if fg.full(a) {
				full = append(full, a.Label)
			}
			if fg.get(a.ID).v > 0 {
				joined++
			}
		}
		msg := fmt.Sprintf("%s项活动中有参加人数的 %d 项、全员参加的 %d 项", chineseCount(len(fg.acts)), joined, len(full))
		if len(full) > 0 {
			msg += "（" + strings.Join(full, "、") + "）"
		}
		return msg
	case templates.RuleActivityLevel:
		act, _ := fg.form.Field(r.Field)
		v := fg.get(act.ID).v
		name := act.Label + fg.form.ActivityLabel
		switch {
		case fg.full(act):
			return fmt.Sprintf("%s参加 %s，达到%s，属全员参加", name, withUnit(v, act.Unit), label(act.AtMost))
		case v > 0:
			return fmt.Sprintf("%s参加 %s，少于%s，属部分参加", name, withUnit(v, act.Unit), label(act.AtMost))
		}
		return name + "参加人数为 0"
	}
	return "与基本情况计算结果不同"
}

func withUnit(v float64, unit string) string {
	if unit == "" {
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprintf("%g %s", v, unit)
}

// chineseCount writes a small count as the form's text does (六项).
func chineseCount(n int) string {
	digits := []string{"零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"}
	if n >= 0 && n < len(digits) {
		return digits[n]
	}
	return strconv.Itoa(n)
}

// typeDependent lists the indicators whose rule depends on the agency
// type, as the type_inferred note names them ("4.1和4.6").
func typeDependent(form *templates.Form) string {
	var ids []string
	for _, ind := range form.Indicators() {
		if ind.Derive.ByAgencyType() {
			ids = append(ids, ind.ID)
		}
	}
	if len(ids) < 2 {
		return strings.Join(ids, "")
	}
	return strings.Join(ids[:len(ids)-1], "、") + "和" + ids[len(ids)-1]
}
