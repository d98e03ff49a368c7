package templates

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// The parts of the blank form that only a copy built with BlankOptions has
// (the legend and the notes block), and the text shaping shared with the
// handed-out form.

// markKey names a derived style: a Mark on a bordered cell of one alignment.
type markKey struct {
	m     Mark
	align string
}

// markStyle is a bordered, wrapped cell of the given horizontal alignment
// that looks as m says.
func (b *blankWriter) markStyle(m Mark, align string) int {
	k := markKey{m, align}
	if id, ok := b.marks[k]; ok {
		return id
	}
	id := b.style(m.Style(align))
	b.marks[k] = id
	return id
}

// Style is a bordered, wrapped cell of the given horizontal alignment in
// the blank form's font, looking as m says: the one look of a mark on
// every form, so that a legend explains it alike.
func (m Mark) Style(align string) *excelize.Style {
	st := &excelize.Style{
		Border: []excelize.Border{
			{Type: "left", Color: "000000", Style: 1},
			{Type: "top", Color: "000000", Style: 1},
			{Type: "right", Color: "000000", Style: 1},
			{Type: "bottom", Color: "000000", Style: 1},
		},
		Alignment: &excelize.Alignment{Horizontal: align, Vertical: "center", WrapText: true},
		Font:      &excelize.Font{Family: fontName, Size: fontSize, Bold: m.Bold, Color: m.FontColor},
	}
	if m.Fill != "" {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{m.Fill}}
	}
	return st
}

// spanWidth is the width of columns from..to in character units.
func (b *blankWriter) spanWidth(from, to string) float64 {
	f, _ := excelize.ColumnNameToNumber(from)
	t, _ := excelize.ColumnNameToNumber(to)
	w := 0.0
	for c := f; c <= t; c++ {
		if c-1 < len(blankWidths) {
			w += blankWidths[c-1]
		} else {
			w += blankWidths[len(blankWidths)-1] // the 核定分 column
		}
	}
	return w
}

// legend writes BlankOptions.Legend under the title.
func (b *blankWriter) legend() {
	for i, e := range b.opts.Legend {
		sample := b.l.LegendCells[i]
		_, row, _ := excelize.CellNameToCoordinates(sample)
		b.set(sample, e.Sample, b.markStyle(e.Style, "center"))
		text := cell(colCriteria, row)
		b.set(text, e.Text, b.sLegendText)
		b.merge(text, cell(b.lastCol, row), b.sLegendText)
		b.height(row, rowHeight(e.Text, b.spanWidth(colCriteria, b.lastCol)-2))
	}
}

// notes writes BlankOptions.Notes under the signatures.
func (b *blankWriter) notes() {
	n := b.opts.Notes
	if b.l.NotesCell == "" {
		return
	}
	_, title, _ := excelize.CellNameToCoordinates(b.l.NotesCell)
	b.set(b.l.NotesCell, n.Title, b.sHead)
	b.merge(b.l.NotesCell, cell(b.lastCol, title), b.sHead)
	b.height(title, minRow)
	h := b.l.NotesHeaderRow
	for i, col := range []string{colSection, colCriteria, colDepartment, colCap} {
		b.set(cell(col, h), n.Columns[i], b.sHead)
	}
	b.merge(cell(colCap, h), cell(b.lastCol, h), b.sHead)
	b.height(h, minRow)
	otherW := b.spanWidth(colCap, b.lastCol)
	for i, r := range n.Rows {
		row := b.l.NoteRows[i]
		b.set(cell(colSection, row), r.Kind, b.markStyle(r.Style, "center"))
		b.set(cell(colCriteria, row), r.Text, b.sCriteria)
		b.set(cell(colDepartment, row), r.Cell, b.sCenter)
		b.set(cell(colCap, row), r.Other, b.sCenter)
		b.merge(cell(colCap, row), cell(b.lastCol, row), b.sCenter)
		b.height(row, max(rowHeight(r.Text, blankWidths[1]), rowHeight(r.Other, otherW),
			rowHeight(r.Cell, blankWidths[2]), rowHeight(r.Kind, blankWidths[0])))
	}
}

// SectionText is the text of a section's name cell on the blank form:
// SectionLabel, with the cap on a line of its own when both do not fit on
// one line of the section column, so that the column never breaks inside
// a word ("组织机构管理（15⏎分）").
func SectionText(s Section) string {
	label := SectionLabel(s)
	if fits(label, blankWidths[0]) {
		return label
	}
	return strings.Replace(label, "（", "\n（", 1)
}

// listText joins items with sep, breaking the line after a separator
// where the next item would not fit in a column of the given width, so
// that no item is broken ("组织机构部、合规⏎部").
func listText(items []string, sep string, width float64) string {
	var b strings.Builder
	line := ""
	for i, it := range items {
		piece := it
		if i < len(items)-1 {
			piece += sep
		}
		if line != "" && !fits(line+piece, width) {
			b.WriteString("\n")
			line = ""
		}
		b.WriteString(piece)
		line += piece
	}
	return b.String()
}
