package formdef

import (
	"slices"
	"strings"
	"testing"

	"kaohe/templates"
)

func TestGuessAllowed(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name     string
		criteria string
		cap      float64
		want     []float64
		unsure   bool
	}{
		{"one score", "按时参加会议的得3分。", 3, []float64{0, 3}, false},
		{"alternatives", "培训两次以上的得4分，培训一次的得2分，未组织培训的不得分。", 4, []float64{0, 2, 4}, false},
		{"percent bands", "完成指标得10分，完成90%以上得8分，80%-89%的得6分。", 10, []float64{0, 6, 8, 10}, false},
		{"items that add up", "建章立制的，得1分；研究两次及以上的，得2分；及时变更信息的，得1分。", 4, []float64{0, 1, 2, 3, 4}, false},
		{"per item up to a cap", "每开展一项活动加1分，最多5分。", 5, []float64{0, 1, 2, 3, 4, 5}, true},
		{"deduction per item", "每发现一处错误扣2分，扣完为止。", 6, []float64{0, 2, 4, 6}, true},
		{"no score written", "按要求完成。", 3, []float64{0, 3}, true},
		{"score above the cap", "完成的得5分。", 3, []float64{0, 3}, true},
		{"items not adding up", "报送的得1分；准确的得1分。", 3, []float64{0, 1, 2, 3}, true},
		{"full-width digits", "按时提交的得２分。", 2, []float64{0, 2}, false},
		{"满分 is not a score", "满分10分，完成的得10分，基本完成的得5分。", 10, []float64{0, 5, 10}, false},
		{"no cap", "得3分。", 0, []float64{0}, true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			g := GuessAllowed(r.criteria, r.cap)
			if !slices.Equal(g.Allowed, r.want) || (g.Unsure != "") != r.unsure {
				t.Errorf("got %v unsure %q; want %v unsure %v", g.Allowed, g.Unsure, r.want, r.unsure)
			}
		})
	}
}

// Every allowed set of the 2021 form is read from its criteria, none
// marked unsure: the guesses were not tuned to fail quietly.
func TestGuessAllowed2021(t *testing.T) {
	t.Parallel()
	for _, ind := range templates.MustLoad(2021).Indicators() {
		if g := GuessAllowed(ind.Criteria, ind.Cap); !slices.Equal(g.Allowed, ind.Allowed) || g.Unsure != "" {
			t.Errorf("%s: %v (%s), want %v", ind.ID, g.Allowed, g.Unsure, ind.Allowed)
		}
	}
}

func FuzzGuessAllowed(f *testing.F) {
	for _, ind := range templates.MustLoad(2021).Indicators() {
		f.Add(ind.Criteria, ind.Cap)
	}
	f.Add("每项加0.5分，最多5分", 5.0)
	f.Add(strings.Repeat("得1分", 500), 1000.0)
	f.Fuzz(func(t *testing.T, criteria string, cap float64) {
		g := GuessAllowed(criteria, cap)
		if len(g.Allowed) == 0 || !slices.IsSorted(g.Allowed) || g.Allowed[0] != 0 {
			t.Fatalf("allowed %v", g.Allowed)
		}
		if cap > 0 && cap <= 1000 {
			if last := g.Allowed[len(g.Allowed)-1]; last != cap {
				t.Fatalf("allowed %v does not end at the cap %g", g.Allowed, cap)
			}
		}
	})
}

// The definition loader and linter take any bytes without panicking, and
// a definition they pass is one the program loads.
func FuzzCheck(f *testing.F) {
	// Small seeds: with the 20 KB 2021 file as a seed the fuzzer gets
	// through a few inputs a minute (TestCheckAcceptsThe2021Form checks it).
	f.Add([]byte("year: 2022\ntitle: 2022年度考核表\ngroups: [{id: header, label: ''}]\n" +
		"fields: [{id: unit, label: 考核单位, group: header, kind: text, at_most: x, ratio: {part: a, whole: b}}]\n" +
		"sections: [{id: '1', name: 甲, cap: 5, indicators: [{id: '1.1', cap: 5, allowed: [0, 5], criteria: 按时参加会议的得5分。, derive: {rule: count_table, fallback: y, table: [{at_least: 1, score: 5}]}}]}]\n"))
	f.Add([]byte("year: 2022\nsections: [{id: '1', cap: 5, indicators: [{id: '1.1', cap: 5, allowed: [0, 5]}]}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The lints and the loader, not the round trip: a workbook per
		// input would leave the fuzzer a handful of inputs a minute.
		res, form := lint(data)
		if form != nil && (res.Unreadable || len(res.Problems) > 0) {
			t.Fatalf("the loader took a definition the lints refuse: %v", res.Problems)
		}
		if form == nil && !res.Unreadable && len(res.Problems) == 0 {
			t.Fatal("no form and no problem")
		}
	})
}

func TestProposeCountTable(t *testing.T) {
	t.Parallel()
	rows := []struct {
		criteria string
		cap      float64
		want     [][2]float64
	}{
		{"参加两项以下得1分，三项得2分，四项得4分，五项得6分，六项得8分", 8, [][2]float64{{1, 1}, {3, 2}, {4, 4}, {5, 6}, {6, 8}}},
		{"参加一项得1分，两项得2分，三项及以上得4分。", 4, [][2]float64{{1, 1}, {2, 2}, {3, 4}}},
		{"参加3项加1分，5项加3分。", 3, [][2]float64{{3, 1}, {5, 3}}},
		{"参加三项得2分。", 2, nil},            // one row is no table
		{"一项得3分，两项得2分。", 3, nil},        // falling scores
		{"两项得1分，三项得2分。", 5, nil},        // does not reach the cap
		{"按时参加办事处的年度工作推进会得3分。", 3, nil}, // no count
	}
	for _, r := range rows {
		got, ok := proposeCountTable(r.criteria, r.cap)
		if ok != (r.want != nil) || !slices.Equal(got, r.want) {
			t.Errorf("%s: %v %v, want %v", r.criteria, got, ok, r.want)
		}
	}
}
