package formdef

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Guess is the allowed scores drafted from an indicator's criteria text;
// Unsure says why a person should check them ("" when the text is plain).
type Guess struct {
	Allowed []float64
	Unsure  string
}

var (
	scoreIn = regexp.MustCompile(`(\d+(?:\.\d+)?)分`)
	// "每…加1分" / "每…扣1分": a score per item, counted up to the cap.
	perItem = regexp.MustCompile(`每[^，。；,;]*?[加得扣减]\s*(\d+(?:\.\d+)?)分`)
)

// GuessAllowed reads the scores a criteria text gives: "得3分",
// "得2分…得1分…不得分" (alternatives, the highest at the cap), separate
// items "得1分；…得2分；…得1分" that add up to the cap, and "每…加1分，
// 最多5分" (every step from 0 to the cap). 0 is always allowed: the text
// that gives nothing is seldom written.
func GuessAllowed(criteria string, cap float64) Guess {
	text := strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "．", ".").Replace(criteria)
	if cap <= 0 || math.IsNaN(cap) || math.IsInf(cap, 0) || cap > 1000 {
		return Guess{Allowed: []float64{0}, Unsure: "标准分不是正数，无法推测可得分数"}
	}
	if m := perItem.FindStringSubmatch(text); m != nil {
		step, _ := strconv.ParseFloat(m[1], 64)
		if step > 0 && step <= cap && cap/step <= 100 {
			return Guess{Allowed: steps(step, cap), Unsure: fmt.Sprintf("考核标准按项计分（每项 %g 分），已列出 0 到 %g 之间每 %g 分一档", step, cap, step)}
		}
	}
	var found []float64
	for _, m := range scoreIn.FindAllStringSubmatchIndex(text, -1) {
		if m[2] > 0 && strings.HasSuffix(text[:m[2]], "满") {
			continue // 满分 names the cap, not a score
		}
		v, err := strconv.ParseFloat(text[m[2]:m[3]], 64)
		if err == nil && v > 0 {
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 0:
		return Guess{Allowed: []float64{0, cap}, Unsure: "考核标准中没有写明分数，暂按 0 分或满分"}
	case slices.Max(found) > cap:
		return Guess{Allowed: bounded(append(found, 0, cap), cap), Unsure: fmt.Sprintf("考核标准中的分数 %g 超过标准分 %g", slices.Max(found), cap)}
	case sameFloat(slices.Max(found), cap):
		// Alternatives: the best case gives the cap, the others less.
		return Guess{Allowed: uniq(append(found, 0))}
	}
	// Every score below the cap: separate items whose scores add up.
	var sum float64
	for _, v := range found {
		sum += v
	}
	sums := subsetSums(found, cap)
	if !sameFloat(sum, cap) {
		return Guess{Allowed: bounded(append(sums, cap), cap), Unsure: fmt.Sprintf("考核标准中各项分数 %s 相加为 %g，与标准分 %g 不符", list(found), sum, cap)}
	}
	return Guess{Allowed: uniq(append(sums, cap))}
}

func steps(step, cap float64) []float64 {
	out := []float64{0}
	for v := step; v < cap-1e-9; v += step {
		out = append(out, math.Round(v*100)/100)
	}
	return append(out, cap)
}

// subsetSums lists every total a subset of the items gives, up to the cap.
func subsetSums(items []float64, cap float64) []float64 {
	sums := []float64{0}
	for _, v := range items {
		for _, s := range slices.Clone(sums) {
			if t := s + v; t <= cap+1e-9 {
				sums = append(sums, t)
			}
		}
		if len(sums) > 4096 {
			break
		}
		sums = uniq(sums)
	}
	return uniq(sums)
}

func bounded(vs []float64, cap float64) []float64 {
	var out []float64
	for _, v := range vs {
		if v >= 0 && v <= cap+1e-9 {
			out = append(out, v)
		}
	}
	return uniq(out)
}

func uniq(vs []float64) []float64 {
	slices.Sort(vs)
	return slices.CompactFunc(vs, sameFloat)
}

func sameFloat(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func list(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(parts, "、")
}
