package consolidate

import (
	"time"

	"github.com/xuri/excelize/v2"
)

// The print layout of the staff workbook, for other workbooks kaohe writes
// (the results workbook) to print alike: landscape A4, text never below
// MinPrintPoints, header rows repeated, the campaign in the page header.

// Page is what PageSetup needs to know of a sheet.
type Page struct {
	Campaign   string    // shown at the left of the page header
	Now        time.Time // shown at the right as 生成于
	HeaderRows int       // rows repeated on every page; 0: none
	TitleCols  int       // columns repeated on every page of a sheet wider than one
	Width      float64   // printed width in points at 100 %: ColumnsWidth of the visible columns
}

// PageSetup gives sheet of f the staff workbook's print layout.
func PageSetup(f *excelize.File, sheet string, p Page) error {
	b := &builder{f: f, in: Input{Campaign: p.Campaign, Now: p.Now}}
	return b.printSetup(sheet, p.HeaderRows, p.TitleCols, p.Width)
}

// LineHeight is the height in points of one line of the workbook's text.
const LineHeight = lineHeight

// PrintableWidth is the width in points a landscape A4 page prints at 100 %.
const PrintableWidth = printableWidth

// TextWidth approximates the width of s in Excel character units, a wide
// (CJK) character a little over two.
func TextWidth(s string) float64 { return textWidth(s) }

// LinesWidth is the TextWidth of the widest line of s.
func LinesWidth(s string) float64 { return linesWidth(s) }

// BoundWidth is a column's measured width with a character to spare, kept
// within lo and hi (zero: 6 and 50), as the staff workbook's columns are.
func BoundWidth(w, lo, hi float64) float64 { return boundWidth(w, lo, hi) }

// WrappedLines estimates how many lines s takes in a column width wide.
func WrappedLines(s string, width float64) int { return wrappedLines(s, width) }

// ColumnsWidth is the printed width in points of columns this wide (in
// character units) at 100 %.
func ColumnsWidth(widths []float64) float64 {
	total := 0.0
	for _, w := range widths {
		total += columnPoints(w)
	}
	return total
}
