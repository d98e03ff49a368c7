package sample

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"kaohe/templates"
)

// Good is a correct, coherent form of 2021 for the unit: see GoodFor.
func Good(unit string, district bool) Values {
	return GoodFor(templates.MustLoad(2021), unit, district)
}

// GoodFor fills form f as a careful agency would: every required field,
// figures that agree with each other (覆盖率 = 参保人数 / 职工总数 × 100
// rounded to one decimal, 参加保障活动 = the number of activities with
// participants, every count within its at_most bound), self-scores that are
// allowed and, for derived indicators, equal to what the figures give (spec
// section 6; 4.6 is 0 for a sector agency), and all signatures. The figures
// vary with the unit's name but are the same on every call.
func GoodFor(f *templates.Form, unit string, district bool) Values {
	h := fnv.New64a()
	h.Write([]byte(unit))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(f.Year)))
	v := Values{
		Unit:          unit,
		Date:          fmt.Sprintf("%d-12-%02d", f.Year, 14+rng.IntN(16)),
		Fields:        map[string]any{},
		Scores:        map[string]any{},
		SignatureText: map[string]string{},
	}
	fig := goodFigures(f, rng, district)
	for id, n := range fig.counts {
		v.Fields[id] = n
	}
	if fig.coverageID != "" {
		v.Fields[fig.coverageID] = fig.coverage
	}
	for _, fd := range f.Fields {
		if fd.Kind != templates.KindSign {
			continue
		}
		if fd.ID == "seal" {
			v.SignatureText[fd.ID] = unit + "（章）"
		} else {
			v.SignatureText[fd.ID] = personName(rng)
		}
	}
	for _, ind := range f.Indicators() {
		v.Scores[ind.ID] = scoreNumber(goodScore(ind, fig, district, rng))
	}
	return v
}

// figures are the basic figures of a good form and what derives from them.
type figures struct {
	counts     map[string]int // count fields by id
	coverageID string
	coverage   float64 // 覆盖率 as written
	staff      int
	insured    int
	activities int  // number of activity fields
	active     int  // activities with participants > 0
	anyFull    bool // some activity at full participation
	allFull    bool // all activities at full participation
	general    int  // the 综合 activity: 0 none, 1 some, 2 full
}

func goodFigures(f *templates.Form, rng *rand.Rand, district bool) figures {
	fig := figures{counts: map[string]int{}}
	pct := func(n, lo, hi int) int { return n * (lo + rng.IntN(hi-lo+1)) / 100 }
	insuredLo := 40
	if district {
		insuredLo = 55 // keeps 4.1 at 8 on coverage alone, as most districts are
	}
	var activities []templates.Field
	for _, fd := range f.Fields {
		switch {
		case fd.Kind == templates.KindPercent:
			fig.coverageID = fd.ID
		case fd.Kind != templates.KindCount || fd.Max != nil:
		case fd.Activity:
			activities = append(activities, fd)
		case fd.ID == "staff":
			fig.counts[fd.ID] = 3000 + rng.IntN(80000)
		case fd.ID == "unions":
			fig.counts[fd.ID] = 30 + rng.IntN(270)
		case fd.AtMost == "":
			fig.counts[fd.ID] = 100 + rng.IntN(1000)
		case fd.ID == "insured":
			fig.counts[fd.ID] = pct(fig.counts[fd.AtMost], insuredLo, 95)
		case fd.ID == "female_staff":
			fig.counts[fd.ID] = pct(fig.counts[fd.AtMost], 35, 55)
		default:
			fig.counts[fd.ID] = pct(fig.counts[fd.AtMost], 60, 100)
		}
	}
	fig.staff, fig.insured = fig.counts["staff"], fig.counts["insured"]
	if fig.staff > 0 {
		fig.coverage = math.Round(float64(fig.insured)/float64(fig.staff)*1000) / 10
	}
	// Activities: districts join four to six, sector agencies five or six;
	// a third of the time every joined activity has everyone in it.
	n := len(activities)
	fig.activities = n
	join := n - rng.IntN(3)
	if !district {
		join = n - rng.IntN(2)
	}
	join = max(0, min(n, join))
	allIn := rng.IntN(3) == 0
	joined := map[int]bool{}
	for _, i := range rng.Perm(n)[:join] {
		joined[i] = true
	}
	fig.allFull = join == n && n > 0
	for i, fd := range activities {
		bound, ok := fig.counts[fd.AtMost]
		if !ok {
			bound = fig.staff
		}
		p := 0
		if joined[i] {
			p = max(1, pct(bound, 10, 90))
			if allIn {
				p = bound
			}
			fig.active++
		}
		fig.counts[fd.ID] = p
		full := p > 0 && p >= bound && fig.staff > 0
		fig.anyFull = fig.anyFull || full
		fig.allFull = fig.allFull && full
		if fd.ID == "act_general" {
			switch {
			case full:
				fig.general = 2
			case p > 0:
				fig.general = 1
			}
		}
	}
	for _, fd := range f.Fields {
		if fd.Kind == templates.KindCount && fd.Max != nil && !fd.Activity {
			fig.counts[fd.ID] = fig.active
		}
	}
	return fig
}

func goodScore(ind templates.Indicator, fig figures, district bool, rng *rand.Rand) float64 {
	switch oracleOf(ind) {
	case oracleActivities:
		return ind.Floor(activityScore(fig.active))
	case oracleCoverageBonus:
		switch {
		case district && (fig.staff > 0 && fig.insured*2 >= fig.staff || fig.anyFull):
			return ind.Cap
		case district:
			return 0
		case fig.allFull:
			return ind.Cap
		case fig.active == fig.activities && fig.active > 0:
			return ind.Floor(ind.Cap / 2)
		}
		return 0
	case oracleGeneralFull:
		return ind.Floor(float64(fig.general))
	case oracleDistrictOnly:
		if !district {
			return 0
		}
	}
	// Careful agencies mostly earn the full score.
	if rng.IntN(10) < 7 {
		return ind.Cap
	}
	return ind.Allowed[rng.IntN(len(ind.Allowed))]
}

// oracle names a derived indicator of the 2021 form. The form file says how
// to compute it in rules that scoring interprets; sample recognises the
// indicator by the kind of its rule but computes the score its own way
// (goodScore, activityScore), so that it stays an independent check of
// the interpreter.
type oracle int

const (
	oracleNone oracle = iota
	oracleActivities
	oracleCoverageBonus
	oracleGeneralFull
	oracleDistrictOnly
)

func oracleOf(ind templates.Indicator) oracle {
	d := ind.Derive
	switch {
	case d == nil:
		return oracleNone
	case d.ByAgencyType():
		if r := d.For("sector"); r != nil && r.Kind == templates.RuleNotEligible {
			return oracleDistrictOnly
		}
		return oracleCoverageBonus
	case d.All.Kind == templates.RuleCountTable:
		return oracleActivities
	case d.All.Kind == templates.RuleActivityLevel:
		return oracleGeneralFull
	}
	return oracleNone
}

// activityScore is 3.2's rule: 6 → 8, 5 → 6, 4 → 4, 3 → 2, 1–2 → 1, 0 → 0.
func activityScore(n int) float64 {
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

// scoreNumber is an int when s is whole, as a clerk would type it.
func scoreNumber(s float64) any {
	if s == math.Trunc(s) {
		return int(s)
	}
	return s
}

var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
	given    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志文海燕玉兰")
)

// personName is a plausible, made-up two- or three-character name.
func personName(rng *rand.Rand) string {
	name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
	if rng.IntN(2) == 0 {
		name += string(given[rng.IntN(len(given))])
	}
	return name
}
