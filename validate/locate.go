package validate

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"kaohe/templates"
)

// header is where the indicator table's 自评分 and 标准分 headers are
// (0-based; cap is -1 when the sheet has no 标准分 column).
type header struct {
	row, self, cap int
	selfSpan       span
}

// findHeader returns the first row holding the 自评分 header with a 标准分
// header on the same or a neighbouring row (merged two-row headers).
func findHeader(g *grid, cols templates.Columns) (header, bool) {
	self, capL := normText(cols.Self), normText(cols.Cap)
	for r := range g.rows {
		for c := range g.rows[r] {
			if !isHeader(g.norm(pos{r, c}), self) {
				continue
			}
			h := header{row: r, self: c, cap: -1, selfSpan: span{r, c, r, c}}
			for dr := -1; dr <= 1 && h.cap < 0; dr++ {
				for cc := 0; cc < g.width(r+dr); cc++ {
					if isHeader(g.norm(pos{r + dr, cc}), capL) {
						h.cap = cc
						break
					}
				}
			}
			if h.cap >= 0 {
				return h, true
			}
		}
	}
	return header{}, false
}

// isHeader accepts "自评分", "自评分(分)", "自评分:".
func isHeader(n, label string) bool {
	if !strings.HasPrefix(n, label) {
		return false
	}
	rest := stripParenSuffix(n[len(label):])
	return rest == "" || rest == ":"
}

var yearBefore = regexp.MustCompile(`(\d{4})年度?$`)

// titleYear finds the form's title on the sheet ("…年度职工互助保障工作代办处
// 考核表" whatever the year) and returns the year written before it.
func titleYear(g *grid, title string) (year int, at pos, found bool) {
	core := normText(strings.TrimLeft(title, "0123456789"))
	core = strings.TrimPrefix(core, "年度")
	core = strings.TrimPrefix(core, "年")
	if core == "" {
		return 0, pos{}, false
	}
	for r := 0; r < len(g.rows) && r < 40; r++ {
		for c := range g.rows[r] {
			n := g.norm(pos{r, c})
			i := strings.Index(n, core)
			if i < 0 {
				continue
			}
			if m := yearBefore.FindStringSubmatch(n[:i]); m != nil {
				y, _ := strconv.Atoi(m[1])
				return y, pos{r, c}, true
			}
			return 0, pos{r, c}, true
		}
	}
	return 0, pos{}, false
}

// criterion is one indicator's criteria text prepared for matching.
type criterion struct {
	id    string
	norm  string
	runes int
	bg    map[[2]rune]struct{}
}

// minCriteriaRunes: shorter cells are never criteria text.
const minCriteriaRunes = 8

// maxFuzzyCells bounds how many long cells get the (costly) similarity
// comparison: the form has 30 criteria cells and a few notes.
const maxFuzzyCells = 400

// matchIndicators maps indicator ids to the row of their criteria cell: an
// exact match of the folded text first, then a containing cell or a long
// common prefix, then a bigram similarity of at least 0.6, one row per
// indicator and one indicator per row, best matches first.
func matchIndicators(g *grid, inds []templates.Indicator, skipRow int) map[string]pos {
	crits := make([]criterion, len(inds))
	exact := make(map[string]int, len(inds))
	for i, ind := range inds {
		n := normText(ind.Criteria)
		crits[i] = criterion{id: ind.ID, norm: n, runes: utf8.RuneCountInString(n)}
		exact[n] = i
	}
	type cand struct {
		ind   int
		at    pos
		score float64
	}
	var cands []cand
	var pending []pos // long cells without an exact match
	for r := range g.rows {
		if r == skipRow {
			continue
		}
		for c := range g.rows[r] {
			p := pos{r, c}
			n := g.norm(p)
			if len(n) < minCriteriaRunes*3 && utf8.RuneCountInString(n) < minCriteriaRunes {
				continue
			}
			if i, ok := exact[n]; ok {
				cands = append(cands, cand{i, p, 2})
				continue
			}
			pending = append(pending, p)
		}
	}
	matched := map[int]bool{}
	for _, c := range cands {
		matched[c.ind] = true
	}
	if len(matched) < len(inds) {
		for k, p := range pending {
			n := g.norm(p)
			nr := utf8.RuneCountInString(n)
			var nbg map[[2]rune]struct{}
			for i := range crits {
				cr := &crits[i]
				if matched[i] {
					continue
				}
				score := 0.0
				switch {
				case strings.Contains(n, cr.norm) && nr <= cr.runes*3/2+8:
					score = 1.5
				case commonPrefixRunes(n, cr.norm) >= min(24, cr.runes*2/3):
					score = 1.2
				default:
					if k >= maxFuzzyCells || nr*3 < cr.runes || nr > cr.runes*3 {
						continue
					}
					if nbg == nil {
						nbg = bigrams(n)
					}
					if cr.bg == nil {
						cr.bg = bigrams(cr.norm)
					}
					if d := dice(nbg, cr.bg); d >= 0.6 {
						score = d
					}
				}
				if score > 0 {
					cands = append(cands, cand{i, p, score})
				}
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	out := make(map[string]pos, len(inds))
	usedRow := map[int]bool{}
	done := map[int]bool{}
	for _, c := range cands {
		if done[c.ind] || usedRow[c.at.r] {
			continue
		}
		done[c.ind] = true
		usedRow[c.at.r] = true
		out[crits[c.ind].id] = c.at
	}
	return out
}

// labelSet holds every label of the form, folded, so a value search stops
// at the next label instead of reading it as a value.
type labelSet []string

func formLabels(form *templates.Form) labelSet {
	var ls labelSet
	add := func(s string) {
		if n := normText(s); n != "" {
			ls = append(ls, n)
		}
	}
	for _, f := range form.Fields {
		add(f.Label)
	}
	for _, g := range form.Groups {
		add(g.Label)
	}
	add(form.BasicLabel)
	add(form.TotalLabel)
	add(form.Columns.Section)
	add(form.Columns.Criteria)
	add(form.Columns.Department)
	add(form.Columns.Cap)
	add(form.Columns.Self)
	return ls
}

// has reports whether a folded cell text is one of the labels.
func (ls labelSet) has(n string) bool {
	for _, l := range ls {
		if ok, _ := matchLabel(n, l); ok {
			return true
		}
	}
	return false
}

// findLabel returns the first cell (row by row) within rows [from, to) that
// is the label, and whether a value follows its colon in the same cell.
func findLabel(g *grid, label string, from, to int) (pos, bool, bool) {
	l := normText(label)
	maxLen := len(l) + 3*24
	for r := max(from, 0); r < to && r < len(g.rows); r++ {
		for c := range g.rows[r] {
			p := pos{r, c}
			n := g.norm(p)
			if len(n) < len(l) || len(n) > maxLen || g.covered(p) {
				continue
			}
			if ok, inline := matchLabel(n, l); ok {
				return p, inline, true
			}
		}
	}
	return pos{}, false, false
}

// maxValueGap is how many columns right of a label its value may be.
const maxValueGap = 6

// valueCell finds a field's value for the label at lp: the text after the
// colon in the label's cell, else the first non-empty cell to the right
// (skipping merged continuations and unit-only cells, stopping at the next
// label), else the cell below when labels stand in a row of their own.
// found is false when the value is empty; at is then where it belongs.
func valueCell(g *grid, ls labelSet, lp pos, inline bool) (at pos, found bool) {
	if inline {
		v := normText(inlineValue(g.raw(lp)))
		if v != "" && !isUnitOnly(v) {
			return lp, true
		}
	}
	ext := g.extent(lp)
	var firstEmpty *pos
	sawUnit, nextIsLabel := false, false
	for c := ext.c2 + 1; c <= ext.c2+maxValueGap && c < maxGridCols; c++ {
		p := pos{lp.r, c}
		if g.covered(p) {
			continue
		}
		n := g.norm(p)
		switch {
		case n == "":
			if firstEmpty == nil {
				firstEmpty = &p
			}
			continue
		case isUnitOnly(n):
			sawUnit = true
			continue
		case ls.has(n):
			nextIsLabel = firstEmpty == nil && !sawUnit
		default:
			return p, true
		}
		break
	}
	left := leftIsLabel(g, ls, lp)
	vertical := nextIsLabel || (firstEmpty == nil && !sawUnit) || left
	below := pos{ext.r2 + 1, lp.c}
	if vertical {
		if bn := g.norm(below); bn != "" && !ls.has(bn) && !isUnitOnly(bn) {
			return below, true
		}
		if nextIsLabel || firstEmpty == nil || (left && valueBelowLeft(g, ls, lp)) {
			return below, false
		}
	}
	if firstEmpty != nil {
		return *firstEmpty, false
	}
	if inline {
		return lp, false
	}
	return pos{lp.r, ext.c2 + 1}, false
}

// leftIsLabel reports whether the nearest non-empty cell left of p is a label
// (labels side by side: a header row over a value row).
func leftIsLabel(g *grid, ls labelSet, p pos) bool {
	for c := p.c - 1; c >= 0 && c >= p.c-3; c-- {
		q := pos{p.r, c}
		if g.covered(q) {
			continue
		}
		if n := g.norm(q); n != "" {
			return ls.has(n)
		}
	}
	return false
}

// valueBelowLeft reports whether the label left of p has a value under it:
// p is then the last label of a label row, and its value belongs below too.
func valueBelowLeft(g *grid, ls labelSet, p pos) bool {
	for c := p.c - 1; c >= 0 && c >= p.c-3; c-- {
		q := pos{p.r, c}
		if g.covered(q) || g.norm(q) == "" {
			continue
		}
		bn := g.norm(pos{g.extent(q).r2 + 1, c})
		return bn != "" && !ls.has(bn) && !isUnitOnly(bn)
	}
	return false
}

// findTotal returns the 总分值 row below the header.
func findTotal(g *grid, label string, from int) (int, bool) {
	l := normText(label)
	for r := max(from, 0); r < len(g.rows); r++ {
		for c := range g.rows[r] {
			n := g.norm(pos{r, c})
			if n == "" || !strings.HasPrefix(n, l) {
				continue
			}
			rest := stripParenSuffix(n[len(l):])
			if rest == "" || rest == ":" {
				return r, true
			}
		}
	}
	return 0, false
}
