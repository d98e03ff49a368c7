package validate

import (
	"fmt"
	"math"
	"strings"

	"kaohe/internal/cst"
	"kaohe/templates"
)

// readFields locates every field by its label and reads its value. Activity
// labels are short words that also occur in criteria text, so they are
// looked for only in their group's area: from the group's label (发展情况)
// down to the first indicator row.
func (r *reader) readFields(tableStart int) {
	groupFrom := map[string]int{}
	for _, g := range r.form.Groups {
		if g.Label == "" {
			continue
		}
		if p, _, ok := findLabel(r.g, g.Label, 0, tableStart); ok {
			groupFrom[g.ID] = r.g.extent(p).r1
		}
	}
	type located struct {
		fd      templates.Field
		fv      FieldValue
		lp, at  pos
		labeled bool
	}
	locs := make([]located, 0, len(r.form.Fields))
	var signs []int
	for _, fd := range r.form.Fields {
		from, to := 0, len(r.g.rows)
		if fd.Activity {
			from, to = groupFrom[fd.Group], tableStart
			if to <= from {
				to = from + 4
			}
		}
		l := located{fd: fd, fv: FieldValue{ID: fd.ID}}
		lp, inline, ok := findLabel(r.g, fd.Label, from, to)
		if ok {
			l.lp, l.labeled = lp, true
			l.at, l.fv.Raw = r.fieldText(lp, inline)
			l.fv.Sheet, l.fv.Cell = r.g.sheet, l.at.name()
			l.fv.Present = l.fv.Raw != ""
			if fd.Kind == templates.KindSign {
				signs = append(signs, len(locs))
				if strings.Contains(strings.ToUpper(l.fv.Raw), "DISPIMG(") {
					l.fv.Picture = true
				}
			}
		}
		locs = append(locs, l)
	}
	// Each picture belongs to the nearest sign field whose area holds it.
	for _, p := range r.pictures {
		best, bestDist := -1, 1<<30
		for _, i := range signs {
			l := &locs[i]
			if !r.pictureNear(l.lp, l.at, p) {
				continue
			}
			if d := abs(p.r-l.at.r)*10 + abs(p.c-l.at.c); d < bestDist {
				best, bestDist = i, d
			}
		}
		if best >= 0 {
			locs[best].fv.Picture = true
		}
	}
	for i := range locs {
		l := &locs[i]
		if !l.labeled {
			r.sub.Fields[l.fd.ID] = l.fv
			if l.fd.Required {
				r.add(CodeMissingField, "", "", l.fd.ID, fmt.Sprintf(
					"表中找不到「%s」一栏。请使用办事处下发的考核表，在「%s」处填写后再发送。", l.fd.Label, l.fd.Label))
			}
			continue
		}
		if l.fv.Picture {
			l.fv.Present = true
		}
		if (l.fd.Kind == templates.KindSign || l.fd.Kind == templates.KindText) && !l.fv.Picture && isPlaceholder(l.fv.Raw, l.fd.Label) {
			l.fv.Present = false
			r.sub.Fields[l.fd.ID] = l.fv
			if l.fd.Required {
				r.add(CodeMissingField, l.fv.Cell, "", l.fd.ID, placeholderMessage(l.fd, l.fv))
			}
			continue
		}
		r.readField(l.fd, &l.fv, l.at)
		r.sub.Fields[l.fd.ID] = l.fv
	}
}

// placeholderMessage says that a field holds only what the blank form
// left there.
func placeholderMessage(fd templates.Field, fv FieldValue) string {
	if fd.Kind == templates.KindSign {
		return fmt.Sprintf("%s：「%s」处只有「%s」，还没有签字或盖章。请签字或盖章（可手写签名后拍照插入图片）后再发送。", fv.Cell, fd.Label, fv.Raw)
	}
	return fmt.Sprintf("%s：「%s」处只有「%s」，还没有填写。请填写后再发送。", fv.Cell, fd.Label, fv.Raw)
}

// fieldText returns where a labelled field's value is and its text.
func (r *reader) fieldText(lp pos, inline bool) (pos, string) {
	at, found := valueCell(r.g, r.labels, lp, inline)
	var raw string
	if found {
		raw = r.value(at)
		if at == lp {
			raw = inlineValue(raw)
		}
	} else if at != lp {
		raw = r.value(at) // a formula without cached value, evaluated now
	}
	raw = cleanRaw(raw)
	if isUnitOnly(normText(raw)) {
		raw = ""
	}
	return at, raw
}

// pictureNear reports whether a picture anchored at p is on or near a sign
// field: from the row above the label to the row below its value, from the
// label's column to just before the next label on the label's row.
func (r *reader) pictureNear(lp, at, p pos) bool {
	if p == lp || p == at {
		return true
	}
	lastCol := lp.c + maxValueGap + 2
	for c := r.g.extent(lp).c2 + 1; c <= lastCol; c++ {
		if n := r.g.norm(pos{lp.r, c}); n != "" && r.labels.has(n) {
			lastCol = c - 1
			break
		}
	}
	return p.r >= lp.r-1 && p.r <= max(lp.r, at.r)+1 && p.c >= lp.c && p.c <= max(lastCol, at.c)
}

// readField interprets a located field's text by its kind and reports what
// cannot be read.
func (r *reader) readField(fd templates.Field, fv *FieldValue, at pos) {
	cell := fv.Cell
	if e := formulaError(fv.Raw); e != "" {
		r.add(CodeFormulaError, cell, "", fd.ID, fmt.Sprintf(
			"%s：「%s」单元格显示公式错误 %s。请删除公式，直接填写数值。", cell, fd.Label, e))
		fv.Present = false
		return
	}
	if !fv.Present {
		if fd.Required {
			what := "填写"
			if fd.Kind == templates.KindSign {
				what = "签字或盖章（可手写签名后拍照插入图片）"
			}
			r.add(CodeMissingField, cell, "", fd.ID, fmt.Sprintf("%s：「%s」未填写，请%s后再发送。", cell, fd.Label, what))
		}
		return
	}
	switch fd.Kind {
	case templates.KindDate:
		t, ok, lenient := parseDate(fv.Raw, r.date1904)
		if !ok {
			r.add(CodeInvalidField, cell, "", fd.ID, fmt.Sprintf(
				"%s：「%s」填写的「%s」不是有效日期。请按“2021年12月20日”或“2021-12-20”的格式填写。", cell, fd.Label, fv.Raw))
			return
		}
		fv.Date, fv.IsDate = t, true
		if lenient {
			r.add(CodeNormalizedValue, cell, "", fd.ID, fmt.Sprintf("%s：「%s」的「%s」按 %s 读取。", cell, fd.Label, fv.Raw, fmtDate(t)))
		}
		r.checkDate(fd, fv)
	case templates.KindCount, templates.KindPercent:
		n := parseNumber(fv.Raw)
		if !n.OK {
			r.add(CodeInvalidField, cell, "", fd.ID, fmt.Sprintf(
				"%s：「%s」填写的「%s」不是数字。请只填写数字%s。", cell, fd.Label, fv.Raw, unitHint(fd)))
			return
		}
		v := n.Value
		// A percent-formatted cell stores 85% as 0.85; a larger number in
		// such a cell would show as thousands of percent, so only small
		// numbers need the (DOM-parsing) style look-up.
		if fd.Kind == templates.KindPercent && !n.Percent && v > 0 && v <= 1.5 && r.percentFormatted(at) {
			v = math.Round(v*100*1e9) / 1e9
		}
		fv.Number, fv.IsNumber = v, true
		if n.Lenient {
			r.add(CodeNormalizedValue, cell, "", fd.ID, fmt.Sprintf("%s：「%s」的「%s」按 %s 读取。", cell, fd.Label, fv.Raw, fmtNum(v)))
		}
		if fd.Kind == templates.KindCount {
			r.checkCount(fd, fv)
		}
	}
}

// unitHint says which unit may follow a number.
func unitHint(fd templates.Field) string {
	if fd.Unit == "" {
		return ""
	}
	return "（单位：" + fd.Unit + "）"
}

// checkCount: a count is a whole number, not negative, within its Max.
func (r *reader) checkCount(fd templates.Field, fv *FieldValue) {
	v, cell := fv.Number, fv.Cell
	switch {
	case v < 0:
		r.add(CodeInvalidField, cell, "", fd.ID, fmt.Sprintf("%s：「%s」为 %s，不能是负数。请填写实际数字。", cell, fd.Label, fmtNum(v)))
	case !isInteger(v):
		r.add(CodeInvalidField, cell, "", fd.ID, fmt.Sprintf("%s：「%s」为 %s，应为整数。请填写实际数字%s。", cell, fd.Label, fmtNum(v), unitHint(fd)))
	case fd.Max != nil && v > *fd.Max:
		r.add(CodeInvalidField, cell, "", fd.ID, fmt.Sprintf("%s：「%s」为 %s，最多为 %s。请核对后改正。", cell, fd.Label, fmtNum(v), fmtNum(*fd.Max)))
	default:
		return
	}
	fv.IsNumber = false
}

// checkDate warns about a date after the mail's receipt or the deadline,
// or before the form was issued.
func (r *reader) checkDate(fd templates.Field, fv *FieldValue) {
	day := fv.Date
	if !r.opts.ReceivedAt.IsZero() {
		rt := r.opts.ReceivedAt.In(cst.Location())
		recvDay := timeDay(rt)
		if day.After(recvDay) {
			r.add(CodeDateSuspicious, fv.Cell, "", fd.ID, fmt.Sprintf(
				"%s：「%s」为 %s，晚于收到邮件的日期 %s。请核对填报日期。", fv.Cell, fd.Label, fmtDate(day), fmtDate(recvDay)))
			return
		}
	}
	if !r.opts.Cutoff.IsZero() && !day.Before(r.opts.Cutoff) {
		r.add(CodeDateSuspicious, fv.Cell, "", fd.ID, fmt.Sprintf(
			"%s：「%s」为 %s，晚于报送截止时间 %s。请核对填报日期。", fv.Cell, fd.Label, fmtDate(day),
			r.opts.Cutoff.In(cst.Location()).Format("2006年1月2日 15:04")))
		return
	}
	if issued := r.form.Issued; !issued.IsZero() && day.Before(timeDay(issued.In(cst.Location()))) {
		r.add(CodeDateSuspicious, fv.Cell, "", fd.ID, fmt.Sprintf(
			"%s：「%s」为 %s，早于考核通知下发的日期 %s，那时还没有这张考核表。请核对填报日期。", fv.Cell, fd.Label, fmtDate(day),
			fmtDate(issued.In(cst.Location()))))
	}
}

// percentFormatted reports whether a cell shows its number as a percent.
func (r *reader) percentFormatted(p pos) bool {
	if s, ok := r.g.cover[p]; ok {
		p = pos{s.r1, s.c1}
	}
	r.restoreStyles()
	idx, err := r.f.GetCellStyle(r.g.sheet, p.name())
	if err != nil || idx <= 0 {
		return false
	}
	st, err := r.f.GetStyle(idx)
	if err != nil || st == nil {
		return false
	}
	if st.NumFmt == 9 || st.NumFmt == 10 {
		return true
	}
	return st.CustomNumFmt != nil && strings.Contains(*st.CustomNumFmt, "%")
}

// restoreStyles hands the styles slim set aside back to excelize, which
// parses them on its next look at a style.
func (r *reader) restoreStyles() {
	if r.setAsideStyles == nil {
		return
	}
	if r.setAsideStyles.UncompressedSize64 > uint64(r.opts.limits().part) {
		r.setAsideStyles = nil // never inflated: the cell reads as not formatted
		return
	}
	if b := inflate(r.setAsideStyles); b != nil {
		r.f.Pkg.Store(stylesPart, b)
		r.f.Styles = nil
	}
	r.setAsideStyles = nil
}
