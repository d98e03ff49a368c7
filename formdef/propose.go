package formdef

import (
	"regexp"
	"slices"
	"strconv"
)

// countStep reads "两项以下得1分", "三项得2分", "六项得8分": a score by the
// number of activities taken part in.
var countStep = regexp.MustCompile(`([一二两三四五六七八九十]|\d+)项(及以下|以下|及以上|以上)?[^，。；,;、]{0,6}?[得加](\d+(?:\.\d+)?)分`)

var chineseDigits = map[string]float64{"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

// proposeCountTable reads a count table from criteria that score by the
// number of activities; ok is false unless it finds at least two rising
// rows ending at the cap.
func proposeCountTable(criteria string, cap float64) (table [][2]float64, ok bool) {
	for _, m := range countStep.FindAllStringSubmatch(criteria, -1) {
		n, known := chineseDigits[m[1]]
		if !known {
			n, _ = strconv.ParseFloat(m[1], 64)
		}
		if m[2] == "以下" || m[2] == "及以下" {
			n = 1 // "两项以下": one activity or more already scores
		}
		score, _ := strconv.ParseFloat(m[3], 64)
		if n < 1 {
			continue
		}
		table = append(table, [2]float64{n, score})
	}
	slices.SortStableFunc(table, func(a, b [2]float64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	table = slices.CompactFunc(table, func(a, b [2]float64) bool { return a[0] == b[0] })
	if len(table) < 2 || !sameFloat(table[len(table)-1][1], cap) {
		return nil, false
	}
	for i := 1; i < len(table); i++ {
		if table[i][1] < table[i-1][1] {
			return nil, false
		}
	}
	return table, true
}
