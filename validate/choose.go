package validate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"kaohe/templates"
)

// sheetCand is a sheet that may hold the form.
type sheetCand struct {
	g         *grid
	hdr       header
	hasHeader bool
	year      int // the year of its title, else of its name; 0: none written
	hasTitle  bool
	hidden    bool
	rows      map[string]pos // indicator rows found
	filled    int            // self-scores filled in on those rows
}

// yearFit ranks a sheet by its year: the campaign's form (2), no year
// written (1), another year's form (0, never read).
func (c *sheetCand) yearFit(year int) int {
	switch c.year {
	case year:
		return 2
	case 0:
		return 1
	}
	return 0
}

// readable reports whether the sheet can be read as this year's form.
func (c *sheetCand) readable(year int) bool {
	return c.hasHeader && len(c.rows) > 0 && c.yearFit(year) > 0
}

// better reports whether c is to be read rather than d: the campaign's
// year first, then a visible sheet before a hidden one, then the sheet
// with more indicator rows, then the one with more self-scores filled in
// (a blank copy beside the filled form), then the first.
func (c *sheetCand) better(d *sheetCand, year int) bool {
	if a, b := c.yearFit(year), d.yearFit(year); a != b {
		return a > b
	}
	if c.hidden != d.hidden {
		return !c.hidden
	}
	if len(c.rows) != len(d.rows) {
		return len(c.rows) > len(d.rows)
	}
	return c.filled > d.filled
}

// chosenSheet is the sheet read, with the note on the sheets that were not.
type chosenSheet struct {
	*sheetCand
	others *Finding
}

var nameYear = regexp.MustCompile(`(20\d\d)\s*年`)

// chooseSheet finds the sheet holding the form and its indicator rows, or
// the file-level finding (wrong_year, form_not_found) that stops reading.
// wrong_year is given only when no sheet of the campaign's year holds a
// form.
func (r *reader) chooseSheet(inds []templates.Indicator) (chosenSheet, *Finding) {
	var cands []*sheetCand
	var names []string
	nonEmpty := map[string]bool{}
	for i, name := range r.f.GetSheetList() {
		if i >= maxSheets {
			break
		}
		names = append(names, name)
		if r.unread[name] {
			nonEmpty[name] = true
			continue
		}
		g, err := readGrid(r.f, name)
		if err != nil || len(g.rows) == 0 {
			continue
		}
		nonEmpty[name] = true
		c := &sheetCand{g: g}
		c.hdr, c.hasHeader = findHeader(g, r.form.Columns)
		c.year, _, c.hasTitle = titleYear(g, r.form.Title)
		if !c.hasHeader && !c.hasTitle {
			continue // other sheets' grids are dropped at once
		}
		if c.year == 0 {
			if m := nameYear.FindStringSubmatch(name); m != nil {
				c.year, _ = strconv.Atoi(m[1])
			}
		}
		if visible, err := r.f.GetSheetVisible(name); err == nil {
			c.hidden = !visible
		}
		if c.hasHeader {
			c.rows = matchIndicators(g, inds, c.hdr.row)
			for _, p := range c.rows {
				if g.raw(pos{p.r, c.hdr.self}) != "" {
					c.filled++
				}
			}
		}
		cands = append(cands, c)
	}
	var best *sheetCand
	for _, c := range cands {
		if c.readable(r.form.Year) && (best == nil || c.better(best, r.form.Year)) {
			best = c
		}
	}
	if best == nil {
		return chosenSheet{}, r.noForm(cands, names)
	}
	return chosenSheet{sheetCand: best, others: r.othersNote(best, cands, names, nonEmpty)}, nil
}

// noForm is the finding for a workbook without a readable form of the
// campaign's year.
func (r *reader) noForm(cands []*sheetCand, names []string) *Finding {
	thisYear := false
	for _, c := range cands {
		thisYear = thisYear || c.year == r.form.Year
	}
	for _, c := range cands {
		if !thisYear && c.year != 0 && c.year != r.form.Year && (c.hasTitle || c.hasHeader) {
			f := NewFinding(CodeWrongYear, fmt.Sprintf("工作表「%s」是 %d 年度的考核表，本次考核使用的是「%s」。请下载办事处下发的 %d 年度考核表重新填写后再发送。",
				c.g.sheet, c.year, r.form.Title, r.form.Year))
			f.Sheet = c.g.sheet
			return &f
		}
	}
	f := NewFinding(CodeFormNotFound, fmt.Sprintf(
		"附件的工作表（%s）中找不到考核表：没有同时带「%s」「%s」列和考核标准的表格。请使用办事处下发的「%s」填写后再发送。",
		strings.Join(names, "、"), r.form.Columns.Cap, r.form.Columns.Self, r.form.Title))
	return &f
}

// othersNote says which sheets holding anything were not read, and why;
// nil when there are none.
func (r *reader) othersNote(best *sheetCand, cands []*sheetCand, names []string, nonEmpty map[string]bool) *Finding {
	byName := make(map[string]*sheetCand, len(cands))
	for _, c := range cands {
		byName[c.g.sheet] = c
	}
	var parts, plain []string
	for _, name := range names {
		if name == best.g.sheet || !nonEmpty[name] {
			continue
		}
		c := byName[name]
		switch {
		case c == nil:
			plain = append(plain, "「"+name+"」")
		case c.year != 0 && c.year != r.form.Year:
			parts = append(parts, fmt.Sprintf("「%s」是 %d 年度的考核表", name, c.year))
		case !c.readable(r.form.Year):
			parts = append(parts, fmt.Sprintf("「%s」中的考核表不完整", name))
		case c.yearFit(r.form.Year) < best.yearFit(r.form.Year):
			parts = append(parts, fmt.Sprintf("「%s」中的考核表没有写明 %d 年度", name, r.form.Year))
		case c.hidden && !best.hidden:
			parts = append(parts, fmt.Sprintf("「%s」是隐藏的工作表", name))
		default:
			parts = append(parts, fmt.Sprintf("「%s」也是考核表，但填写的自评分比「%s」少", name, best.g.sheet))
		}
	}
	if len(plain) > 0 {
		parts = append(parts, strings.Join(plain, "、")+"不是考核表")
	}
	if len(parts) == 0 {
		return nil
	}
	f := NewFinding(CodeSheetsIgnored, fmt.Sprintf(
		"本次按工作表「%s」中的考核表检查；其他工作表未检查：%s。如果要报送的是其他工作表中的考核表，请删除多余的工作表后重新发送。",
		best.g.sheet, strings.Join(parts, "；")))
	f.Sheet = best.g.sheet
	return &f
}
