package scoring

import (
	"fmt"
	"strings"

	"kaohe/templates"
	"kaohe/validate"
)

// activityFields are the six 保障活动 participant counts, in form order.
var activityFields = []string{"act_hospital", "act_allowance", "act_female", "act_critical", "act_accident", "act_general"}

// figures are the basic figures the derived indicators need, each with
// whether it could be read as a number.
type figures struct {
	staff, female, insured number
	declaredActivities     number
	activities             [6]number
	anyActivity            bool // at least one participant count is filled in
	allActivities          bool // all six are filled in
}

type number struct {
	v  float64
	ok bool
}

func readFigures(sub *validate.Submission) figures {
	var fg figures
	if sub == nil {
		return fg
	}
	get := func(id string) number {
		fv, ok := sub.Fields[id]
		if !ok || !fv.IsNumber || fv.Number < 0 {
			return number{}
		}
		return number{v: fv.Number, ok: true}
	}
	fg.staff, fg.female, fg.insured = get("staff"), get("female_staff"), get("insured")
	fg.declaredActivities = get("activities")
	fg.allActivities = true
	for i, id := range activityFields {
		fg.activities[i] = get(id)
		if fg.activities[i].ok {
			fg.anyActivity = true
		} else {
			fg.allActivities = false
		}
	}
	return fg
}

// joined counts the activities with participants > 0.
func (fg figures) joined() int {
	n := 0
	for _, a := range fg.activities {
		if a.ok && a.v > 0 {
			n++
		}
	}
	return n
}

// full reports whether activity i is at full participation: participants
// ≥ staff (for 女工: ≥ female staff) and staff > 0.
func (fg figures) full(i int) bool {
	a := fg.activities[i]
	if !a.ok || !fg.staff.ok || fg.staff.v <= 0 {
		return false
	}
	if activityFields[i] == "act_female" {
		return fg.female.ok && fg.female.v > 0 && a.v >= fg.female.v
	}
	return a.v >= fg.staff.v
}

// derive computes a derived indicator from the basic figures; ok is false
// when the indicator is not derived or its figures are not readable.
func derive(ind templates.Indicator, fg figures, t AgencyType) (float64, bool) {
	switch ind.Derive {
	case templates.DeriveActivities:
		n := 0
		switch {
		case fg.anyActivity:
			n = fg.joined()
		case fg.declaredActivities.ok:
			n = int(fg.declaredActivities.v)
		default:
			return 0, false
		}
		return activitiesScore(n), true
	case templates.DeriveCoverageBonus:
		if t == Sector {
			if !fg.allActivities || !fg.staff.ok {
				return 0, false
			}
			all, joined := true, true
			for i := range fg.activities {
				all = all && fg.full(i)
				joined = joined && fg.activities[i].v > 0
			}
			switch {
			case all:
				return 8, true
			case joined:
				return 4, true
			}
			return 0, true
		}
		if !fg.staff.ok {
			return 0, false
		}
		if fg.staff.v > 0 && fg.insured.ok && fg.insured.v/fg.staff.v >= 0.5 {
			return 8, true
		}
		for i := range fg.activities {
			if fg.full(i) {
				return 8, true
			}
		}
		if !fg.insured.ok && !fg.anyActivity {
			return 0, false
		}
		return 0, true
	case templates.DeriveGeneralFull:
		g := fg.activities[5]
		if !g.ok {
			return 0, false
		}
		switch {
		case fg.full(5):
			return 2, true
		case g.v > 0:
			return 1, true
		}
		return 0, true
	case templates.DeriveDistrictOnly:
		if t == Sector {
			return 0, true
		}
	}
	return 0, false
}

// activitiesScore is 3.2's scale: 6 → 8, 5 → 6, 4 → 4, 3 → 2, 1–2 → 1, 0 → 0.
func activitiesScore(n int) float64 {
	switch {
	case n >= 6:
		return 8
	case n == 5:
		return 6
	case n == 4:
		return 4
	case n == 3:
		return 2
	case n >= 1:
		return 1
	}
	return 0
}

// disagreement reports a finding when the self-score of a derived indicator
// differs from what the figures give.
func disagreement(ind templates.Indicator, cell validate.ScoreCell, computed float64, fg figures, t AgencyType) (validate.Finding, bool) {
	if !cell.IsNumber || cell.Value == computed {
		return validate.Finding{}, false
	}
	self := fmt.Sprintf("%g", cell.Value)
	var f validate.Finding
	switch {
	case ind.Derive == templates.DeriveDistrictOnly:
		f = validate.NewFinding(validate.CodeScoreNotEligible, fmt.Sprintf(
			"%s指标%s：本项加分只适用于区（开发区）代办处，%s代办处不能得分；自评分 %s 已按 0 分核定，请改为 0。",
			cellPrefix(cell), ind.ID, t.Label(), self))
	default:
		f = validate.NewFinding(validate.CodeScoreInconsistent, fmt.Sprintf(
			"%s指标%s：自评分 %s 与基本情况不符，%s，按考核标准应为 %g 分，已按 %g 分核定。请核对基本情况中的人数和自评分，改正后重新发送。",
			cellPrefix(cell), ind.ID, self, explain(ind, fg, t), computed, computed))
	}
	f.Indicator = ind.ID
	f.Sheet, f.Cell = cell.Sheet, cell.Cell
	return f, true
}

func cellPrefix(c validate.ScoreCell) string {
	if c.Cell == "" {
		return ""
	}
	return c.Cell + "："
}

func explain(ind templates.Indicator, fg figures, t AgencyType) string {
	switch ind.Derive {
	case templates.DeriveActivities:
		if fg.anyActivity {
			return fmt.Sprintf("六项保障活动中填有参加人数的共 %d 项", fg.joined())
		}
		return fmt.Sprintf("填报的参加保障活动为 %g 项", fg.declaredActivities.v)
	case templates.DeriveCoverageBonus:
		if t == Sector {
			var full, joined []string
			for i := range fg.activities {
				if fg.full(i) {
					full = append(full, activityName(i))
				}
				if fg.activities[i].v > 0 {
					joined = append(joined, activityName(i))
				}
			}
			msg := fmt.Sprintf("六项活动中有参加人数的 %d 项、全员参加的 %d 项", len(joined), len(full))
			if len(full) > 0 {
				msg += "（" + strings.Join(full, "、") + "）"
			}
			return msg
		}
		cov := "无法计算"
		if fg.staff.ok && fg.staff.v > 0 && fg.insured.ok {
			cov = fmt.Sprintf("%.1f%%", fg.insured.v/fg.staff.v*100)
		}
		return fmt.Sprintf("参保人数占职工总数 %s，且没有一项保障活动达到全员覆盖", cov)
	case templates.DeriveGeneralFull:
		g := fg.activities[5]
		if fg.full(5) {
			return fmt.Sprintf("综合保障活动参加 %g 人，达到职工总数，属全员参加", g.v)
		}
		if g.v > 0 {
			return fmt.Sprintf("综合保障活动参加 %g 人，少于职工总数，属部分参加", g.v)
		}
		return "综合保障活动参加人数为 0"
	}
	return "与基本情况计算结果不同"
}

func activityName(i int) string {
	return [...]string{"住院", "津贴", "女工", "重疾", "团意", "综合"}[i]
}
