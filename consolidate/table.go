package consolidate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
)

// column describes one column of a table.
type column struct {
	header   string
	min, max float64 // width bounds in Excel character units; 0: defaults
	style    int     // cell style of the data rows
	hidden   bool
	// wrap wraps the column's text within its width, the row growing to
	// show all of it: for long texts that must print whole.
	wrap bool
	// fill widens the column, within min and max, to what the other
	// columns leave of the page's width: wrapped text takes fewer lines.
	fill bool
}

// condFormat is a conditional format over the data rows of one column.
type condFormat struct {
	col  int // 0-based
	opts []excelize.ConditionalFormatOptions
}

// table is a sheet of header rows on top and data rows below. rows is
// called twice (once to fit the column widths, once when the workbook is
// written) and must yield the same rows both times; the slice it yields may
// be reused between rows. Values are nil, string, float64, int, time.Time
// (shown in Beijing time) or an excelize.Cell carrying a style.
type table struct {
	name       string
	cols       []column
	headers    [][]any // extra header rows above the column headers
	merges     [][2]string
	freezeCols int
	rows       func(yield func([]any) bool)
	cond       []condFormat
}

// headerRows is the number of rows above the data.
func (t *table) headerRows() int { return len(t.headers) + 1 }

// write adds the sheet to the workbook: layout, print setup and headers
// now, the data rows when the workbook is written.
func (b *builder) write(t *table) error {
	f := b.f
	widths, wrapped, n := t.measure()
	if err := b.newSheet(t.name); err != nil {
		return err
	}
	h := t.headerRows()
	if err := b.filters(t, h, n); err != nil {
		return err
	}
	// Column widths, hidden columns, panes, header rows and merges go
	// through excelize; the data rows are spliced in when the workbook is
	// written (see splice.go), so they never sit in memory.
	t.bound(widths)
	for i, c := range t.cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(t.name, name, name, widths[i]); err != nil {
			return err
		}
		if c.hidden {
			if err := f.SetColVisible(t.name, name, false); err != nil {
				return err
			}
		}
	}
	topLeft, _ := excelize.CoordinatesToCellName(t.freezeCols+1, h+1)
	if err := f.SetPanes(t.name, &excelize.Panes{Freeze: true, XSplit: t.freezeCols, YSplit: h, TopLeftCell: topLeft, ActivePane: paneName(t.freezeCols)}); err != nil {
		return err
	}
	if err := b.headers(t); err != nil {
		return err
	}
	if wrapped {
		if err := f.SetRowHeight(t.name, h, 2*lineHeight+2); err != nil {
			return err
		}
	}
	b.bulk[t.name] = &bulkRows{t: t, first: h + 1, n: n, widths: widths}
	return b.printSetup(t.name, h, t.freezeCols, printWidth(widths, t.cols))
}

// measure is the width each column's text asks for, whether a column
// header wraps to make do with less, and the number of data rows.
func (t *table) measure() (widths []float64, wrapped bool, n int) {
	widths = make([]float64, len(t.cols))
	for i, c := range t.cols {
		// A long header wraps onto two lines rather than widen a column
		// of short numbers: the width goes to the page, not the header.
		widths[i] = textWidth(c.header)
		if rs := []rune(c.header); widths[i] > 4 && !strings.Contains(c.header, "\n") {
			// Just wide enough for the first half: the header breaks
			// in the middle (自评/总分), not after all but one character.
			widths[i], wrapped = textWidth(string(rs[:(len(rs)+1)/2])), true
		}
	}
	for _, h := range t.headers {
		for i, v := range h {
			if i < len(widths) {
				if s, ok := v.(string); ok && !strings.Contains(s, "\n") {
					widths[i] = max(widths[i], textWidth(s)/2) // merged over two columns
				}
			}
		}
	}
	t.rows(func(cells []any) bool {
		n++
		for i, v := range cells {
			if i < len(widths) {
				widths[i] = max(widths[i], valueWidth(v))
			}
		}
		return true
	})
	return widths, wrapped, n
}

// filters sets the autofilter over the header row and n data rows, and
// the conditional formats of the data rows.
func (b *builder) filters(t *table, h, n int) error {
	last, _ := excelize.ColumnNumberToName(len(t.cols))
	if err := b.f.AutoFilter(t.name, fmt.Sprintf("A%d:%s%d", h, last, h+max(n, 1)), nil); err != nil {
		return fmt.Errorf("autofilter %s: %w", t.name, err)
	}
	if n == 0 {
		return nil
	}
	for _, cf := range t.cond {
		col, _ := excelize.ColumnNumberToName(cf.col + 1)
		ref := fmt.Sprintf("%s%d:%s%d", col, h+1, col, h+n)
		if err := b.f.SetConditionalFormat(t.name, ref, cf.opts); err != nil {
			return fmt.Errorf("conditional format %s: %w", t.name, err)
		}
	}
	return nil
}

// boundWidth is a column's measured width with a character to spare, kept
// within lo and hi (zero: 6 and 50).
func boundWidth(w, lo, hi float64) float64 {
	if lo == 0 {
		lo = 6
	}
	if hi == 0 {
		hi = 50
	}
	return min(max(math.Ceil(w)+1, lo), hi)
}

// bound keeps the measured widths within each column's bounds, and widens
// the fill columns to what the others leave of the page.
func (t *table) bound(widths []float64) {
	for i, c := range t.cols {
		widths[i] = boundWidth(widths[i], c.min, c.max)
	}
	for i, c := range t.cols {
		if c.fill {
			others := printWidth(widths, t.cols) - columnPoints(widths[i])
			w := math.Floor(((printableWidth-others)/0.75 - 5) / 7)
			widths[i] = min(max(w, c.min), c.max)
		}
	}
}

// headers writes the header rows, the column headers last, and merges
// their cells.
func (b *builder) headers(t *table) error {
	f := b.f
	colHeaders := make([]any, len(t.cols))
	for i, c := range t.cols {
		colHeaders[i] = c.header
	}
	headers := append(append([][]any(nil), t.headers...), colHeaders)
	for r, hr := range headers {
		for c, v := range hr {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if v != nil {
				if err := f.SetCellValue(t.name, cell, v); err != nil {
					return err
				}
			}
			if err := f.SetCellStyle(t.name, cell, cell, b.styles.header); err != nil {
				return err
			}
		}
	}
	for _, m := range t.merges {
		if err := f.MergeCell(t.name, m[0], m[1]); err != nil {
			return err
		}
	}
	return nil
}

func paneName(freezeCols int) string {
	if freezeCols > 0 {
		return "bottomRight"
	}
	return "bottomLeft"
}

// newSheet adds a sheet, reusing the blank first sheet of a new workbook.
func (b *builder) newSheet(name string) error {
	if !b.renamed {
		b.renamed = true
		return b.f.SetSheetName(b.f.GetSheetName(0), name)
	}
	_, err := b.f.NewSheet(name)
	return err
}

// Print geometry. The workbook's font is 11 pt Calibri, whose digit is 7
// pixels wide at 96 dpi: a column w characters wide is w·7+5 pixels.
const (
	fontPoints = 11
	// MinPrintPoints is the smallest printed text size: the print scale
	// never goes below MinPrintPoints / fontPoints.
	MinPrintPoints = 8
	// minScale is that scale in percent, rounded up.
	minScale = (MinPrintPoints*100 + fontPoints - 1) / fontPoints
	// printableWidth is the width in points of landscape A4 (297 mm)
	// inside the margins of pageMargin inches, less a little for the
	// rounding of column widths by the printing application.
	pageMargin     = 0.3
	printableWidth = (297/25.4 - 2*pageMargin) * 72 * 0.97
)

// columnPoints is the printed width of a column w characters wide at 100 %.
func columnPoints(w float64) float64 { return (w*7 + 5) * 0.75 }

// printWidth is the printed width of the visible columns at 100 %.
func printWidth(widths []float64, cols []column) float64 {
	total := 0.0
	for i, w := range widths {
		if i < len(cols) && cols[i].hidden {
			continue
		}
		total += columnPoints(w)
	}
	return total
}

// printScale is the print scale in percent for a sheet width points wide:
// one page wide when that keeps the text at MinPrintPoints or more, else
// minScale, and the sheet prints across pages with its first columns
// repeated.
func printScale(width float64) int {
	if width <= printableWidth {
		return 100
	}
	return max(int(printableWidth/width*100), minScale)
}

// printSetup sets landscape A4 at the scale printScale gives for a sheet
// width points wide, with the header rows (and the first titleCols columns,
// for a sheet wider than a page) repeated on every page and a page header
// naming the campaign.
func (b *builder) printSetup(sheet string, headerRows, titleCols int, width float64) error {
	f := b.f
	size, orient := 9, "landscape"
	scale := uint(printScale(width))
	order := "overThenDown"
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, AdjustTo: &scale, PageOrder: &order}); err != nil {
		return err
	}
	side, top, hf := pageMargin, 0.6, 0.3
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &top, Header: &hf, Footer: &hf}); err != nil {
		return err
	}
	head := "&L" + escapeHF(b.in.Campaign) + "&C" + escapeHF(sheet) + "&R生成于 " + beijing(b.in.Now).Format("2006-01-02 15:04")
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: head, OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	if headerRows == 0 {
		return nil
	}
	titles := fmt.Sprintf("'%s'!$1:$%d", sheet, headerRows)
	if titleCols > 0 && width > printableWidth {
		last, _ := excelize.ColumnNumberToName(titleCols)
		titles = fmt.Sprintf("'%s'!$A:$%s,%s", sheet, last, titles)
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: sheet})
}

// escapeHF doubles the ampersands that header/footer codes would read.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// textWidth approximates a string's width in Excel character units (the
// width of a digit): a wide (CJK) character prints a little wider than two.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80) {
			w += 2.2
		} else {
			w++
		}
	}
	return w
}

// linesWidth is the width of the widest line of s, in textWidth's units.
func linesWidth(s string) float64 {
	w := 0.0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, textWidth(line))
	}
	return w
}

func valueWidth(v any) float64 {
	switch x := v.(type) {
	case excelize.Cell:
		return valueWidth(x.Value)
	case string:
		return linesWidth(x)
	case float64:
		return float64(len(strconv.FormatFloat(x, 'f', -1, 64)))
	case int:
		return float64(len(strconv.Itoa(x)))
	case time.Time:
		return float64(len(dateFormat))
	}
	return 0
}

// beijing is t in Beijing time; a fixed zone needs no tz database.
func beijing(t time.Time) time.Time { return t.In(cst.Location()) }

// excelTime is t's Beijing wall-clock time as an Excel serial (1900 system).
func excelTime(t time.Time) float64 {
	w := beijing(t)
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return wall.Sub(epoch).Seconds() / 86400
}
