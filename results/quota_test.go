package results

import (
	"math"
	"testing"

	"kaohe/config"
	"kaohe/scoring"
	"kaohe/store"
)

// quotaCase is a season and the quotas worked out by hand.
type quotaCase struct {
	name    string
	bands   config.GradeRule
	weights config.Weights
	total   int
	floor   int
	ags     []ag
	exact   []float64 // Adjusted, as computed by hand, in result order
	quota   []int
	note    bool // a Note must explain the allocation
}

func TestQuotaLargestRemainder(t *testing.T) {
	t.Parallel()
	lenient := config.GradeRule{Excellent: 1000, Good: 0, Pass: 0}
	three := []ag{
		{name: "甲区代办处", typ: scoring.District, final: 90, insured: 100},
		{name: "乙区代办处", typ: scoring.District, final: 60, insured: 300},
		{name: "丙区代办处", typ: scoring.District, final: 50, insured: 600},
		{name: "丁区代办处", typ: scoring.District, final: 120, insured: 5000, fate: late},
	}
	for _, tc := range []quotaCase{
		{
			// 100, 80, 60, 40 of 280, total 10: 3.571 2.857 2.143 1.429;
			// floors 3+2+2+1 = 8, the 2 left to the remainders .857 and .571.
			name: "final score alone", bands: lenient, weights: config.Weights{Final: 1}, total: 10,
			ags: []ag{
				{name: "A区代办处", typ: scoring.District, final: 100}, {name: "B区代办处", typ: scoring.District, final: 80},
				{name: "C区代办处", typ: scoring.District, final: 60}, {name: "D区代办处", typ: scoring.District, final: 40},
			},
			exact: []float64{10.0 * 100 / 280, 10.0 * 80 / 280, 10.0 * 60 / 280, 10.0 * 40 / 280},
			quota: []int{4, 3, 2, 1},
		},
		{
			// final 90 60 50 of 200 → .45 .30 .25; 参保人数 100 300 600 of
			// 1000 → .1 .3 .6; half each → .275 .300 .425; ×7 → 1.925 2.1
			// 2.975; floors 1+2+2 = 5, the 2 left to .975 (丙) and .925 (甲).
			// 覆盖率 is 0 everywhere and takes no part despite its weight.
			// 丁 is late: 不合格, 0 whatever its figures.
			name: "two factors, a late agency", bands: lenient, weights: config.Weights{Final: 0.5, Scale: 0.5, Coverage: 1}, total: 7,
			ags: three, exact: []float64{1.925, 2.1, 2.975, 0}, quota: []int{2, 2, 3, 0},
		},
		{
			// 甲 is 优秀 with a floor of 3 above its 1.925: it gets 3, and
			// the 4 left go to 乙 and 丙 by .300 : .425 → 1.655 2.345;
			// floors 1+2, the 1 left to 乙 (.655).
			name: "floor for 优秀", bands: config.GradeRule{Excellent: 85, Good: 55, Pass: 0}, weights: config.Weights{Final: 0.5, Scale: 0.5},
			total: 7, floor: 3, ags: three, exact: []float64{3, 4 * 0.300 / 0.725, 4 * 0.425 / 0.725, 0}, quota: []int{3, 2, 2, 0},
		},
		{
			// Three 优秀 at 3 each need 9 of 7: 7/3 = 2.333 each, floors
			// 2+2+2, the 1 left to the largest combined share (丙 .425).
			name: "floors above the total", bands: config.GradeRule{Excellent: 0, Good: 0, Pass: 0}, weights: config.Weights{Final: 0.5, Scale: 0.5},
			total: 7, floor: 3, ags: three, exact: []float64{7.0 / 3, 7.0 / 3, 7.0 / 3, 0}, quota: []int{2, 2, 3, 0}, note: true,
		},
		{
			// Equal remainders (10 / 3 each): the larger combined share
			// wins, and with shares equal too, the earlier row.
			name: "equal remainders", bands: lenient, weights: config.Weights{Final: 1}, total: 10,
			ags: []ag{
				{name: "A区代办处", typ: scoring.District, final: 90}, {name: "B区代办处", typ: scoring.District, final: 90, ext: 10},
				{name: "C区代办处", typ: scoring.District, final: 90},
			},
			exact: []float64{10.0 / 3, 10.0 / 3, 10.0 / 3}, quota: []int{4, 3, 3}, // B first by 业务拓展, so it is row 1
		},
		{
			name: "no quota set", bands: lenient, weights: config.Weights{Final: 1}, total: 0,
			ags: three[:2], exact: []float64{0, 0}, quota: []int{0, 0}, note: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rules()
			r.District, r.Weights, r.IndividualQuota, r.MinPerExcellent = tc.bands, tc.weights, tc.total, tc.floor
			o, err := Compute(season(tc.ags), Options{Rules: r})
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for i, x := range o.Results {
				row := o.Quota.Rows[i]
				if math.Abs(row.Adjusted-tc.exact[i]) > 1e-9 || row.Quota != tc.quota[i] || x.Quota != row.Quota || x.Agency != row.Agency {
					t.Errorf("%s (%s): exact %.4f quota %d; want %.4f %d", x.Agency, x.Grade, row.Adjusted, row.Quota, tc.exact[i], tc.quota[i])
				}
				if x.Grade == store.GradeFail && x.Quota != 0 {
					t.Errorf("%s is 不合格 but has %d", x.Agency, x.Quota)
				}
				sum += x.Quota
			}
			if sum != tc.total || o.Quota.Allocated() != tc.total {
				t.Errorf("quotas add up to %d, want %d", sum, tc.total)
			}
			if (o.Quota.Note != "") != tc.note {
				t.Errorf("note %q", o.Quota.Note)
			}
		})
	}
}

// The shares of every factor in use add up to 1 over the agencies taking
// part, and so do the combined shares.
func TestQuotaSharesNormalised(t *testing.T) {
	t.Parallel()
	r := config.DefaultResults()
	r.IndividualQuota = 25
	var ags []ag
	for i := range 12 {
		ags = append(ags, ag{name: string(rune('A'+i)) + "代办处", typ: []scoring.AgencyType{scoring.District, scoring.Sector}[i%2],
			final: 60 + float64(i*5), ext: float64(i), insured: float64(1000 * (i + 1)), coverage: float64(30 + i*4)})
	}
	o, err := Compute(season(ags), Options{Rules: r})
	if err != nil {
		t.Fatal(err)
	}
	combined := 0.0
	for fi, f := range o.Quota.Factors {
		s := 0.0
		for _, row := range o.Quota.Rows {
			s += row.Shares[fi]
		}
		if f.Sum > 0 && math.Abs(s-1) > 1e-9 {
			t.Errorf("factor %s shares add up to %v", f.Label, s)
		}
		combined += f.Share
	}
	if math.Abs(combined-1) > 1e-9 || len(o.Quota.Factors) != 6 {
		t.Errorf("factor weights add up to %v over %d factors", combined, len(o.Quota.Factors))
	}
	if o.Quota.Allocated() != 25 {
		t.Errorf("allocated %d of 25", o.Quota.Allocated())
	}
}
