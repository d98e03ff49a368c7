package validate

import (
	"fmt"
	"math"
	"time"

	"kaohe/templates"
)

// ratioRule says that a percent field should equal part / whole × 100,
// within tolerance points: a field's ratio in the form file.
type ratioRule struct {
	percent, part, whole string
	tolerance            float64
}

func ratioRules(f *templates.Form) []ratioRule {
	var rules []ratioRule
	for _, fd := range f.Fields {
		if r := fd.Ratio; r != nil {
			rules = append(rules, ratioRule{percent: fd.ID, part: r.Part, whole: r.Whole, tolerance: r.Tolerance})
		}
	}
	return rules
}

// checkFields runs the checks that involve several fields: a percent
// written as a fraction, the 0–100 range, the at_most relations, the
// coverage ratio and the number of activities.
func (r *reader) checkFields() {
	rules := ratioRules(r.form)
	for _, rule := range rules {
		r.fractionPercent(rule)
	}
	for _, fd := range r.form.Fields {
		fv := r.sub.Fields[fd.ID]
		if fd.Kind == templates.KindPercent && fv.IsNumber && (fv.Number < 0 || fv.Number > 100) {
			r.add(CodeInvalidField, fv.Cell, "", fd.ID, fmt.Sprintf(
				"%s：「%s」为 %s%%，应在 0%% 到 100%% 之间。请核对后改正。", fv.Cell, fd.Label, fmtNum(fv.Number)))
			fv.IsNumber = false
			r.sub.Fields[fd.ID] = fv
		}
	}
	for _, rule := range rules {
		r.checkRatio(rule)
	}
	for _, fd := range r.form.Fields {
		if fd.AtMost == "" {
			continue
		}
		fv, other := r.sub.Fields[fd.ID], r.sub.Fields[fd.AtMost]
		if !fv.IsNumber || !other.IsNumber || fv.Number <= other.Number {
			continue
		}
		ofd, _ := r.form.Field(fd.AtMost)
		r.add(CodeInconsistentCounts, fv.Cell, "", fd.ID, fmt.Sprintf(
			"%s：「%s」%s 大于「%s」%s（%s），不合常理。请核对这两个数字后改正。",
			fv.Cell, fd.Label, fmtNum(fv.Number), ofd.Label, fmtNum(other.Number), other.Cell))
	}
	r.checkActivities()
}

// ratioInputs returns the three fields of a rule when all read as numbers
// and the whole is positive.
func (r *reader) ratioInputs(rule ratioRule) (pv, part, whole FieldValue, want float64, ok bool) {
	if _, ok := r.form.Field(rule.percent); !ok {
		return pv, part, whole, 0, false
	}
	pv, part, whole = r.sub.Fields[rule.percent], r.sub.Fields[rule.part], r.sub.Fields[rule.whole]
	if !pv.IsNumber || !part.IsNumber || !whole.IsNumber || whole.Number <= 0 {
		return pv, part, whole, 0, false
	}
	return pv, part, whole, part.Number / whole.Number * 100, true
}

// fractionPercent reads a percent written as a fraction (0.85 for 85%) in a
// cell without a percent format, when the part and whole confirm it.
func (r *reader) fractionPercent(rule ratioRule) {
	pv, _, _, want, ok := r.ratioInputs(rule)
	if !ok {
		return
	}
	pfd, _ := r.form.Field(rule.percent)
	if pv.Number > 0 && pv.Number <= 1 && math.Abs(pv.Number-want) > rule.tolerance &&
		math.Abs(pv.Number*100-want) <= rule.tolerance {
		pv.Number = math.Round(pv.Number*100*1e9) / 1e9
		r.sub.Fields[rule.percent] = pv
		r.add(CodeNormalizedValue, pv.Cell, "", rule.percent, fmt.Sprintf(
			"%s：「%s」的「%s」按 %s%% 读取。", pv.Cell, pfd.Label, pv.Raw, fmtNum(round2(pv.Number))))
	}
}

// checkRatio warns when a percent disagrees with its part and whole.
func (r *reader) checkRatio(rule ratioRule) {
	pv, part, whole, want, ok := r.ratioInputs(rule)
	if !ok {
		return
	}
	pfd, _ := r.form.Field(rule.percent)
	if math.Abs(pv.Number-want) > rule.tolerance {
		partFd, _ := r.form.Field(rule.part)
		wholeFd, _ := r.form.Field(rule.whole)
		r.add(CodeCoverageMismatch, pv.Cell, "", rule.percent, fmt.Sprintf(
			"%s：「%s」填写为 %s%%，按「%s」%s ÷「%s」%s 计算应为 %.1f%%。请核对后改正。",
			pv.Cell, pfd.Label, fmtNum(round2(pv.Number)), partFd.Label, fmtNum(part.Number), wholeFd.Label, fmtNum(whole.Number), want))
	}
}

// checkActivities compares the declared number of activities (the field
// marked joined_activities) with the number of activity fields that have
// participants, when any is filled in.
func (r *reader) checkActivities() {
	var acts []templates.Field
	for _, fd := range r.form.Fields {
		if fd.Activity {
			acts = append(acts, fd)
		}
	}
	if len(acts) == 0 {
		return
	}
	var declared templates.Field
	found := false
	for _, fd := range r.form.Fields {
		if fd.JoinedActivities {
			declared, found = fd, true
			break
		}
	}
	if !found {
		return
	}
	dv := r.sub.Fields[declared.ID]
	if !dv.IsNumber {
		return
	}
	filled, joined := 0, 0
	for _, fd := range acts {
		fv := r.sub.Fields[fd.ID]
		if fv.IsNumber {
			filled++
			if fv.Number > 0 {
				joined++
			}
		}
	}
	if filled == 0 || int(dv.Number) == joined {
		return
	}
	r.add(CodeActivityCountMismatch, dv.Cell, "", declared.ID, fmt.Sprintf(
		"%s：「%s」填写为 %s 项，但下面有参加人数的保障活动是 %d 项。请核对后改正。", dv.Cell, declared.Label, fmtNum(dv.Number), joined))
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// timeDay is the start of t's day in t's location.
func timeDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}
