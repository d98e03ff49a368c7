package templates

import "math"

// Page margins of the blank form, inches.
const (
	marginSide      = 0.5
	marginTopBottom = 0.6
	marginHeader    = 0.3
)

// A4 in points.
const (
	a4Width  = 595.3
	a4Height = 841.9
)

// printScale is the print scale, in percent, at which a sheet of the given
// width (character units of the default 11-point font, whose digits are 7
// pixels wide; the stored width includes the cell padding) fills the width
// of an A4 page, as Excel computes it for fit-to-width. LibreOffice
// measures columns a little wider and prints smaller, so this is the
// largest scale the form is printed at: rows that fit at it fit everywhere.
func printScale(width float64) int {
	sheetPt := width * 7 * 0.75
	usable := a4Width - 2*marginSide*72
	return max(10, min(100, int(math.Floor(100*usable/sheetPt))))
}

// PrintScale is printScale, for the other forms printed with PrintPage.
func PrintScale(width float64) int { return printScale(width) }

// PageHeight is the height of the rows, in points, that a page printed
// with PrintPage at scale (percent) holds.
func PageHeight(scale int) float64 {
	// 4% in hand for the applications' own rounding of row heights.
	return (a4Height - 2*marginTopBottom*72) / (float64(scale) / 100) * 0.96
}

// pageBreaks puts a manual page break before every block of rows that
// would not fit on what is left of the page: the form's top (title,
// legend, header and 基本情况), the table's header row with the first
// section, each further section, the total with the note and the
// signatures, and each line of the notes block. A block taller than a page
// is broken between its rows. The repeated header row is counted on every
// page after the first.
func (b *blankWriter) pageBreaks(scale int) {
	page := PageHeight(scale)
	header := b.rowHeight(b.l.HeaderRow)
	used := 0.0
	for _, blk := range b.blocks(page) {
		h := b.rowsHeight(blk[0], blk[1])
		if used > 0 && used+h > page {
			b.check(b.x.InsertPageBreak(b.l.Sheet, cell(colSection, blk[0])))
			used = header
		}
		if used+h <= page {
			used += h
			continue
		}
		for r := blk[0]; r <= blk[1]; r++ {
			rh := b.rowHeight(r)
			if used > header && used+rh > page {
				b.check(b.x.InsertPageBreak(b.l.Sheet, cell(colSection, r)))
				used = header
			}
			used += rh
		}
	}
}

// blocks are the row ranges pageBreaks keeps together, top to bottom.
func (b *blankWriter) blocks(page float64) [][2]int {
	var out [][2]int
	out = append(out, [2]int{1, b.l.HeaderRow - 1})
	start := b.l.HeaderRow
	for _, s := range b.f.Sections {
		if len(s.Indicators) == 0 {
			continue
		}
		last := b.l.Rows[s.Indicators[len(s.Indicators)-1].ID]
		out = append(out, [2]int{start, last})
		start = last + 1
	}
	out = append(out, [2]int{start, b.l.FormLastRow})
	if len(b.l.NoteRows) > 0 {
		// The notes stay together when they fit on a page; else the blank
		// line, the block's title and header stay with its first line.
		if b.rowsHeight(b.l.FormLastRow+1, b.l.LastRow) <= page-b.rowHeight(b.l.HeaderRow) {
			return append(out, [2]int{b.l.FormLastRow + 1, b.l.LastRow})
		}
		out = append(out, [2]int{b.l.FormLastRow + 1, b.l.NoteRows[0]})
		for _, r := range b.l.NoteRows[1:] {
			out = append(out, [2]int{r, r})
		}
	}
	return out
}

func (b *blankWriter) rowsHeight(from, to int) float64 {
	h := 0.0
	for r := from; r <= to; r++ {
		h += b.rowHeight(r)
	}
	return h
}

func (b *blankWriter) rowHeight(row int) float64 {
	h, err := b.x.GetRowHeight(b.l.Sheet, row)
	b.check(err)
	return h
}
