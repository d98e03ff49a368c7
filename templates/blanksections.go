package templates

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

func (b *blankWriter) header() {
	last := cell(b.lastCol, 1)
	b.set(b.l.TitleCell, b.f.Title, b.sTitle)
	b.merge(b.l.TitleCell, last, b.sTitle)
	b.height(1, 40)
	for _, fd := range b.f.FieldsIn("header") {
		label, value := b.l.FieldLabels[fd.ID], b.l.Fields[fd.ID]
		b.set(label, FieldLabel(fd), b.sLabelFit)
		b.set(value, nil, b.inputStyle(fd))
		if strings.HasPrefix(value, colCap) {
			// The right-hand header field spans the columns right of it.
			b.merge(value, b.lastCol+value[len(colCap):], b.inputStyle(fd))
		}
		_, row, _ := excelize.CellNameToCoordinates(value)
		b.height(row, 26)
	}
}

func (b *blankWriter) basic() {
	_, row, _ := excelize.CellNameToCoordinates(b.l.BasicCell)
	b.set(b.l.BasicCell, b.f.BasicLabel, b.sHead)
	b.merge(b.l.BasicCell, cell(b.lastCol, row), b.sHead)
	b.height(row, minRow)
	for _, g := range b.f.Groups {
		gc, ok := b.l.GroupCells[g.ID]
		if !ok {
			continue
		}
		fields := b.f.FieldsIn(g.ID)
		_, first, _ := excelize.CellNameToCoordinates(gc)
		lastRow := first + len(fields) - 1
		b.set(gc, g.Label, b.sSection)
		b.merge(gc, cell(colSection, lastRow), b.sSection)
		for _, fd := range fields {
			b.set(b.l.FieldLabels[fd.ID], FieldLabel(fd), b.sLabel)
			b.set(b.l.Fields[fd.ID], nil, b.inputStyle(fd))
			_, r, _ := excelize.CellNameToCoordinates(b.l.Fields[fd.ID])
			unit := cell(colCap, r)
			b.set(unit, fd.Unit, b.sLabel)
			b.merge(unit, cell(b.lastCol, r), b.sLabel)
			b.height(r, minRow)
		}
		b.growMerged(g.Label, blankWidths[0], first, lastRow, minRow)
	}
}

func (b *blankWriter) table() {
	h := b.l.HeaderRow
	c := b.f.Columns
	for i, text := range []string{c.Section, c.Criteria, c.Department, c.Cap, c.Self} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		b.set(cell(col, h), text, b.sHead)
	}
	if b.opts.Verified != "" {
		b.set(cell(colVerified, h), b.opts.Verified, b.sHead)
	}
	b.height(h, 26)
	var selfCells []string
	for _, s := range b.f.Sections {
		first := 0
		var heights []float64
		for _, ind := range s.Indicators {
			r := b.l.Rows[ind.ID]
			if first == 0 {
				first = r
			}
			depts := listText(ind.Departments, "、", blankWidths[2])
			b.set(b.l.Criteria[ind.ID], ind.Criteria, b.sCriteria)
			b.set(b.l.Departments[ind.ID], depts, b.sCenter)
			b.set(b.l.Caps[ind.ID], ind.Cap, b.sCenter)
			b.set(b.l.Scores[ind.ID], nil, b.sInput)
			if b.opts.Verified != "" {
				b.set(cell(colVerified, r), nil, b.sCenter)
			}
			selfCells = append(selfCells, b.l.Scores[ind.ID])
			hgt := max(rowHeight(ind.Criteria, blankWidths[1]), rowHeight(depts, blankWidths[2]))
			heights = append(heights, hgt)
			b.height(r, hgt)
		}
		if first == 0 {
			continue
		}
		sc := b.l.SectionCells[s.ID]
		lastRow := first + len(s.Indicators) - 1
		b.set(sc, SectionText(s), b.sSection)
		b.merge(sc, cell(colSection, lastRow), b.sSection)
		total := 0.0
		for _, v := range heights {
			total += v
		}
		if need := rowHeight(SectionText(s), blankWidths[0]); need > total {
			b.height(lastRow, heights[len(heights)-1]+need-total)
		}
	}
	t := b.l.TotalRow
	b.set(b.l.TotalLabelCell, b.f.TotalLabel, b.sTotal)
	b.merge(b.l.TotalLabelCell, cell(colDepartment, t), b.sTotal)
	b.set(b.l.TotalCapCell, b.f.TotalCap, b.sTotal)
	b.set(b.l.TotalSelfCell, nil, b.sTotal)
	if b.opts.Verified != "" {
		b.set(cell(colVerified, t), nil, b.sTotal)
	}
	if len(selfCells) > 0 {
		b.check(b.x.SetCellFormula(b.l.Sheet, b.l.TotalSelfCell, sumFormula(selfCells)))
	}
	b.height(t, 26)
}

// sumFormula is SUM over the cells, as ranges of one column where they are
// contiguous.
func sumFormula(cells []string) string {
	var parts []string
	start, prev := cells[0], cells[0]
	flush := func() {
		if start == prev {
			parts = append(parts, start)
		} else {
			parts = append(parts, start+":"+prev)
		}
	}
	for _, c := range cells[1:] {
		pc, pr, _ := excelize.CellNameToCoordinates(prev)
		cc, cr, _ := excelize.CellNameToCoordinates(c)
		if cc == pc && cr == pr+1 {
			prev = c
			continue
		}
		flush()
		start, prev = c, c
	}
	flush()
	return "SUM(" + strings.Join(parts, ",") + ")"
}

func (b *blankWriter) footer() {
	_, nr, _ := excelize.CellNameToCoordinates(b.l.NoteCell)
	b.set(b.l.NoteCell, b.f.Note, b.sNote)
	b.merge(b.l.NoteCell, cell(b.lastCol, nr), b.sNote)
	b.height(nr, rowHeight(b.f.Note, b.width()))
	for _, fd := range b.f.FieldsIn("signature") {
		label, value := b.l.FieldLabels[fd.ID], b.l.Fields[fd.ID]
		b.set(label, FieldLabel(fd), b.sLabelFit)
		b.set(value, nil, b.inputStyle(fd))
		_, r, _ := excelize.CellNameToCoordinates(value)
		// Room for a seal or a handwritten signature.
		b.height(r, 40)
	}
}
