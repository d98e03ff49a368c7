package validate

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

const scoreEps = 1e-9

// selfCol is the column of an indicator row's self-score: the 自评分
// header's column, or another column under a header merged across several
// when only that one is filled in.
func (r *reader) selfCol(row int) int {
	s := r.hdr.selfSpan
	if r.value(pos{row, r.hdr.self}) != "" || s.c2 == s.c1 {
		return r.hdr.self
	}
	for c := s.c1; c <= s.c2; c++ {
		if r.g.raw(pos{row, c}) != "" {
			return c
		}
	}
	return r.hdr.self
}

// readScores reads and checks every indicator's 标准分 and 自评分.
func (r *reader) readScores(inds []templates.Indicator, rows map[string]pos) {
	for _, ind := range inds {
		sc := ScoreCell{ID: ind.ID}
		at, ok := rows[ind.ID]
		if !ok {
			r.sub.Scores[ind.ID] = sc
			r.add(CodeIndicatorNotFound, "", ind.ID, "", fmt.Sprintf(
				"找不到第 %s 项指标（考核标准“%s”）所在的行。请使用办事处下发的考核表，不要删除或改写考核标准的文字，在该行的「%s」列填写分值。",
				ind.ID, excerpt(ind.Criteria, 24), r.form.Columns.Self))
			continue
		}
		sc.Sheet = r.g.sheet
		selfAt := pos{at.r, r.selfCol(at.r)}
		if s, ok := r.g.cover[selfAt]; ok && s.r1 != at.r {
			selfAt = pos{s.r1, s.c1}
		}
		sc.Cell = selfAt.name()
		if r.hdr.cap >= 0 {
			capAt := pos{at.r, r.hdr.cap}
			sc.CapCell = capAt.name()
			r.checkCap(ind, capAt, &sc)
		}
		raw := r.value(selfAt)
		sc.Raw = cleanRaw(raw)
		sc.Present = sc.Raw != ""
		r.checkScore(ind, &sc)
		r.sub.Scores[ind.ID] = sc
	}
}

// checkCap compares a 标准分 cell with the rubric.
func (r *reader) checkCap(ind templates.Indicator, at pos, sc *ScoreCell) {
	raw := cleanRaw(r.value(at))
	n := parseNumber(raw)
	if n.OK {
		sc.CapValue, sc.CapRead = n.Value, true
	}
	if n.OK && math.Abs(n.Value-ind.Cap) < scoreEps {
		return
	}
	shown := "空白"
	if raw != "" {
		shown = "「" + raw + "」"
	}
	r.add(CodeCapAltered, sc.CapCell, ind.ID, "", fmt.Sprintf(
		"%s：第 %s 项的标准分应为 %s，表中为%s。标准分不能修改，请改回 %s；审核按 %s 分计算。",
		sc.CapCell, ind.ID, fmtNum(ind.Cap), shown, fmtNum(ind.Cap), fmtNum(ind.Cap)))
}

// checkScore reads a self-score and reports the first rule it breaks.
func (r *reader) checkScore(ind templates.Indicator, sc *ScoreCell) {
	cell, id := sc.Cell, ind.ID
	choices := fmtList(ind.Allowed)
	if e := formulaError(sc.Raw); e != "" {
		r.add(CodeFormulaError, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项的自评分单元格显示公式错误 %s。请删除公式，直接填写分值（可选 %s）。", cell, id, e, choices))
		return
	}
	if !sc.Present {
		r.add(CodeMissingScore, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项的自评分未填写。请按考核标准填写分值（可选 %s）。", cell, id, choices))
		return
	}
	n := parseNumber(sc.Raw)
	if !n.OK || n.Percent {
		r.add(CodeNotANumber, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项的自评分「%s」不是数字。请只填写分值（可选 %s），不要写文字。", cell, id, sc.Raw, choices))
		return
	}
	sc.Value, sc.IsNumber = n.Value, true
	if n.Lenient {
		r.add(CodeNormalizedValue, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项的自评分「%s」按 %s 分读取。", cell, id, sc.Raw, fmtNum(n.Value)))
	}
	switch v := n.Value; {
	case v < 0:
		r.add(CodeNegativeScore, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项的自评分 %s 是负数。请改为考核标准给出的分值（可选 %s）。", cell, id, fmtNum(v), choices))
	case v > ind.Cap+scoreEps:
		r.add(CodeScoreAboveCap, cell, id, "", fmt.Sprintf(
			"%s：自评分 %s 超过标准分 %s，请按考核标准改为不超过 %s 的分值（可选 %s）。", cell, fmtNum(v), fmtNum(ind.Cap), fmtNum(ind.Cap), choices))
	case !ind.Allows(v):
		r.add(CodeScoreNotAllowed, cell, id, "", fmt.Sprintf(
			"%s：第 %s 项按考核标准只能得 %s 分，不能得 %s 分。请改为其中之一。", cell, id, choices, fmtNum(v)))
	}
}

// readTotal reads the 总分值 row's self-total and compares it with the sum
// of the self-scores.
func (r *reader) readTotal() {
	row, ok := findTotal(r.g, r.form.TotalLabel, r.hdr.row+1)
	if !ok {
		return
	}
	at := pos{row, r.selfCol(row)}
	if s, ok := r.g.cover[at]; ok {
		at = pos{s.r1, s.c1}
	}
	r.sub.TotalCell = at.name()
	raw := cleanRaw(r.value(at))
	if raw == "" {
		return
	}
	if e := formulaError(raw); e != "" {
		r.add(CodeFormulaError, r.sub.TotalCell, "", "", fmt.Sprintf(
			"%s：总分值的自评分显示公式错误 %s。请改为各项自评分之和，或留空。", r.sub.TotalCell, e))
		return
	}
	n := parseNumber(raw)
	if !n.OK {
		r.add(CodeNotANumber, r.sub.TotalCell, "", "", fmt.Sprintf(
			"%s：总分值的自评分「%s」不是数字。请填写各项自评分之和，或留空。", r.sub.TotalCell, raw))
		return
	}
	r.sub.WrittenTotal, r.sub.HasWrittenTotal = n.Value, true
	var sum float64
	for _, sc := range r.sub.Scores {
		if sc.IsNumber {
			sum += sc.Value
		}
	}
	if math.Abs(sum-n.Value) > 1e-6 && !r.sumIgnoredText(at, sum-n.Value) {
		r.add(CodeTotalMismatch, r.sub.TotalCell, "", "", fmt.Sprintf(
			"%s：总分值写的是 %s，各项自评分合计为 %s。请核对各项自评分和总分值后改正。", r.sub.TotalCell, fmtNum(n.Value), fmtNum(sum)))
	}
}

// excerpt shortens a criteria text for a message.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "……"
}

// sumIgnoredText reports whether a total computed by a formula differs from
// the sum of the self-scores only by the scores stored as text, which
// Excel's SUM skips: the agency then wrote nothing wrong in the total.
func (r *reader) sumIgnoredText(total pos, diff float64) bool {
	if r.indexed() {
		if !r.cells[total.name()].hasF {
			return false
		}
	} else if f, err := r.f.GetCellFormula(r.g.sheet, total.name()); err != nil || f == "" {
		return false
	}
	var text float64
	for _, sc := range r.sub.Scores {
		if !sc.IsNumber {
			continue
		}
		if r.cellsKnown {
			if t := r.cells[sc.Cell].typ; t == "s" || t == "inlineStr" {
				text += sc.Value
			}
			continue
		}
		if t, err := r.f.GetCellType(r.g.sheet, sc.Cell); err == nil &&
			(t == excelize.CellTypeSharedString || t == excelize.CellTypeInlineString) {
			text += sc.Value
		}
	}
	return text != 0 && math.Abs(text-diff) < 1e-6
}
