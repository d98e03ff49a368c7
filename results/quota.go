package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"kaohe/config"
	"kaohe/store"
	"kaohe/templates"
)

// Factor is one named measure the 优秀个人 quota is shared by.
type Factor struct {
	Key    string  // "final", "scale", "coverage", "section:3"
	Label  string  // what the workbook calls it: 最终得分, 参保人数, 覆盖率, 业务拓展小计
	Notice string  // the notice's word for it: 业务目标, 业务规模, 社会影响力, 日常管理, 业务拓展
	Weight float64 // as configured
	// Share is Weight over the sum of the weights of the factors in use:
	// its part of the combined share. Zero for a factor whose values are
	// all zero, which then takes no part.
	Share float64
	Sum   float64 // the sum of the values over the agencies taking part
}

// Allocation is the 优秀个人 quota shared out, with its arithmetic.
type Allocation struct {
	Total           int
	MinPerExcellent int
	Factors         []Factor
	Rows            []AllocationRow // as Outcome.Results
	// Note says in Chinese what departed from the plain rule (no quota
	// set, floors above the total, no factor with values); "" when
	// nothing did.
	Note string
}

// Allocated is the sum of the rounded quotas: Total, unless no agency
// could take part.
func (a Allocation) Allocated() int {
	n := 0
	for _, r := range a.Rows {
		n += r.Quota
	}
	return n
}

// AllocationRow is one agency's share of the quota.
type AllocationRow struct {
	Agency   string
	Grade    store.Grade
	Eligible bool      // not 不合格: takes part
	Values   []float64 // per factor, as read
	Shares   []float64 // per factor, the value over the factor's sum
	Share    float64   // the weighted combined share; 1 over the agencies taking part
	Exact    float64   // Total × Share
	Floor    int       // the least quota: min_per_excellent for 优秀, else 0
	Adjusted float64   // Exact after raising the floors, what is rounded
	Quota    int       // rounded by the largest remainder
}

// factors lists the configured factors that exist in form.
func factors(rules config.Results, form *templates.Form) []Factor {
	w := rules.Weights
	fs := []Factor{
		{Key: "final", Label: "最终得分", Notice: "业务目标", Weight: w.Final},
		{Key: "scale", Label: fieldLabel(form, rules.ScaleField, "参保人数"), Notice: "业务规模", Weight: w.Scale},
		{Key: "coverage", Label: fieldLabel(form, rules.CoverageField, "覆盖率"), Notice: "社会影响力", Weight: w.Coverage},
	}
	for _, sw := range w.Sections {
		if form == nil {
			continue
		}
		for _, s := range form.Sections {
			if s.ID == sw.Section || s.Name == sw.Section {
				notice := s.Name
				switch s.Name {
				case "组织机构管理", "业务财务管理":
					notice = "日常管理"
				case "加分项":
					notice = "社会影响力"
				}
				fs = append(fs, Factor{Key: "section:" + s.ID, Label: s.Name + "小计", Notice: notice, Weight: sw.Weight})
			}
		}
	}
	return fs
}

func fieldLabel(form *templates.Form, id, fallback string) string {
	if form != nil {
		if f, ok := form.Field(id); ok {
			return f.Label
		}
	}
	return fallback
}

// value is an agency's value of a factor; negative values count as 0.
func (w *row) value(f Factor, rules config.Results) float64 {
	var v float64
	switch {
	case f.Key == "final":
		v = w.r.Final
	case f.Key == "scale":
		v = number(w.fields, rules.ScaleField)
	case f.Key == "coverage":
		v = number(w.fields, rules.CoverageField)
	case strings.HasPrefix(f.Key, "section:"):
		v = w.sections[strings.TrimPrefix(f.Key, "section:")]
	}
	return max(v, 0)
}

// allocate shares the quota among results (rows in the same order).
func allocate(results []store.FinalResult, rows []row, rules config.Results, form *templates.Form) Allocation {
	a := Allocation{Total: rules.IndividualQuota, MinPerExcellent: rules.MinPerExcellent, Factors: factors(rules, form)}
	a.Rows = make([]AllocationRow, len(results))
	var eligible []int
	for i, r := range results {
		ar := &a.Rows[i]
		ar.Agency, ar.Grade, ar.Eligible = r.Agency, r.Grade, r.Grade != store.GradeFail
		ar.Values, ar.Shares = make([]float64, len(a.Factors)), make([]float64, len(a.Factors))
		if !ar.Eligible {
			continue
		}
		eligible = append(eligible, i)
		for fi, f := range a.Factors {
			ar.Values[fi] = rows[i].value(f, rules)
			a.Factors[fi].Sum += ar.Values[fi]
		}
		if r.Grade == store.GradeExcellent {
			ar.Floor = rules.MinPerExcellent
		}
	}
	a.share(eligible)
	switch {
	case a.Total == 0:
		a.Note = "尚未设定优秀个人名额总数（results.individual_quota），各单位名额均为 0。"
		return a
	case len(eligible) == 0:
		a.Note = "没有考核结果为合格及以上的代办处，名额未分配。"
		return a
	}
	if a.floors() > a.Total {
		a.evenAmongExcellent(eligible)
		return a
	}
	a.raiseFloors(eligible)
	a.largestRemainder(eligible)
	return a
}

// share computes each factor's share and each eligible agency's combined
// share. A factor whose values are all zero takes no part; when none has
// values, the agencies share equally.
func (a *Allocation) share(eligible []int) {
	used := 0.0
	for _, f := range a.Factors {
		if f.Weight > 0 && f.Sum > 0 {
			used += f.Weight
		}
	}
	for fi := range a.Factors {
		if f := &a.Factors[fi]; f.Weight > 0 && f.Sum > 0 {
			f.Share = f.Weight / used
		}
	}
	for _, i := range eligible {
		ar := &a.Rows[i]
		for fi, f := range a.Factors {
			if f.Sum > 0 {
				ar.Shares[fi] = ar.Values[fi] / f.Sum
			}
			ar.Share += f.Share * ar.Shares[fi]
		}
		if used == 0 {
			ar.Share = 1 / float64(len(eligible))
		}
		ar.Exact = float64(a.Total) * ar.Share
	}
	if used == 0 && len(eligible) > 0 && a.Total > 0 {
		a.Note = "各项因素的权重或数值全为 0，名额在合格及以上的代办处之间平均分配。"
	}
}

func (a *Allocation) floors() int {
	n := 0
	for _, r := range a.Rows {
		n += r.Floor
	}
	return n
}

// raiseFloors sets Adjusted: an agency whose exact quota is below its
// floor gets the floor, and what is left of the total is shared among the
// others by their combined shares, until no other falls below its floor.
func (a *Allocation) raiseFloors(eligible []int) {
	fixed := make(map[int]bool)
	for {
		rest, shares := float64(a.Total), 0.0
		for _, i := range eligible {
			if fixed[i] {
				rest -= float64(a.Rows[i].Floor)
			} else {
				shares += a.Rows[i].Share
			}
		}
		changed := false
		for _, i := range eligible {
			ar := &a.Rows[i]
			if fixed[i] {
				ar.Adjusted = float64(ar.Floor)
				continue
			}
			ar.Adjusted = 0
			if shares > 0 {
				ar.Adjusted = rest * ar.Share / shares
			}
			if ar.Adjusted < float64(ar.Floor)-1e-9 {
				fixed[i], changed = true, true
			}
		}
		if !changed {
			return
		}
	}
}

// largestRemainder rounds Adjusted down and gives the seats left one each
// to the largest remainders; ties go to the larger combined share, then
// to the earlier row (districts, by rank).
func (a *Allocation) largestRemainder(eligible []int) {
	left := a.Total
	for _, i := range eligible {
		ar := &a.Rows[i]
		ar.Quota = int(math.Floor(ar.Adjusted + 1e-9))
		left -= ar.Quota
	}
	order := slices.Clone(eligible)
	slices.SortStableFunc(order, func(x, y int) int {
		rx, ry := a.remainder(x), a.remainder(y)
		if math.Abs(rx-ry) > 1e-9 {
			return cmp.Compare(ry, rx)
		}
		return cmp.Compare(a.Rows[y].Share, a.Rows[x].Share)
	})
	for k := 0; k < left && k < len(order); k++ {
		a.Rows[order[k]].Quota++
	}
}

func (a *Allocation) remainder(i int) float64 {
	return a.Rows[i].Adjusted - float64(a.Rows[i].Quota)
}

// evenAmongExcellent is the rule when the floors exceed the total: the
// total goes to the 优秀 agencies only, each the same whole number, the
// odd ones one each to the largest combined shares.
func (a *Allocation) evenAmongExcellent(eligible []int) {
	var exc []int
	for _, i := range eligible {
		if a.Rows[i].Grade == store.GradeExcellent {
			exc = append(exc, i)
		}
	}
	each := float64(a.Total) / float64(len(exc))
	for _, i := range exc {
		a.Rows[i].Adjusted = each
	}
	a.largestRemainder(exc)
	a.Note = fmt.Sprintf("%d 个优秀单位每个至少 %d 个名额，共需 %d 个，超过名额总数 %d：名额只分给优秀单位，尽量平均，余数给综合占比大的单位。",
		len(exc), a.MinPerExcellent, a.floors(), a.Total)
}
