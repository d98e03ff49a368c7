package consolidate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// column describes one column of a streamed sheet.
type column struct {
	header   string
	min, max float64 // width bounds in Excel character units; 0: defaults
	style    int     // cell style of the data rows
	hidden   bool
}

// condFormat is a conditional format over the data rows of one column.
type condFormat struct {
	col  int // 0-based
	opts []excelize.ConditionalFormatOptions
}

// table is a sheet written with a StreamWriter: header rows on top, then the
// data rows of rows, which is called twice (once to fit the column widths,
// once to write) and must yield the same rows both times. The slice it
// yields may be reused between rows.
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

// write adds the sheet to f.
func (b *builder) write(t *table) error {
	f := b.f
	widths := make([]float64, len(t.cols))
	for i, c := range t.cols {
		widths[i] = textWidth(c.header)
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
	n := 0
	t.rows(func(cells []any) bool {
		n++
		for i, v := range cells {
			if i < len(widths) {
				widths[i] = max(widths[i], valueWidth(v))
			}
		}
		return true
	})

	if err := b.newSheet(t.name); err != nil {
		return err
	}
	h := t.headerRows()
	last, _ := excelize.ColumnNumberToName(len(t.cols))
	if err := f.AutoFilter(t.name, fmt.Sprintf("A%d:%s%d", h, last, h+max(n, 1)), nil); err != nil {
		return fmt.Errorf("autofilter %s: %w", t.name, err)
	}
	if n > 0 {
		for _, cf := range t.cond {
			col, _ := excelize.ColumnNumberToName(cf.col + 1)
			ref := fmt.Sprintf("%s%d:%s%d", col, h+1, col, h+n)
			if err := f.SetConditionalFormat(t.name, ref, cf.opts); err != nil {
				return fmt.Errorf("conditional format %s: %w", t.name, err)
			}
		}
	}
	if err := b.printSetup(t.name, h); err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(t.name)
	if err != nil {
		return err
	}
	// The stream writer prepends each column it is told about and writes
	// them in that order; Excel wants them ascending, so go from the right.
	for i := len(t.cols) - 1; i >= 0; i-- {
		c := t.cols[i]
		lo, hi := c.min, c.max
		if lo == 0 {
			lo = 6
		}
		if hi == 0 {
			hi = 50
		}
		w := min(max(widths[i]+2, lo), hi)
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
		if c.hidden {
			if err := sw.SetColVisible(i+1, i+1, false); err != nil {
				return err
			}
		}
	}
	topLeft, _ := excelize.CoordinatesToCellName(t.freezeCols+1, h+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: t.freezeCols, YSplit: h, TopLeftCell: topLeft, ActivePane: paneName(t.freezeCols)}); err != nil {
		return err
	}
	rowNo := 1
	for _, hr := range t.headers {
		cells := make([]any, len(hr))
		for i, v := range hr {
			cells[i] = excelize.Cell{StyleID: b.styles.header, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, rowNo)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
		rowNo++
	}
	hdr := make([]any, len(t.cols))
	for i, c := range t.cols {
		hdr[i] = excelize.Cell{StyleID: b.styles.header, Value: c.header}
	}
	cell, _ := excelize.CoordinatesToCellName(1, rowNo)
	if err := sw.SetRow(cell, hdr); err != nil {
		return err
	}
	for _, m := range t.merges {
		if err := sw.MergeCell(m[0], m[1]); err != nil {
			return err
		}
	}
	styled := make([]any, len(t.cols))
	t.rows(func(cells []any) bool {
		rowNo++
		styled = styled[:0]
		for i, v := range cells {
			st := 0
			if i < len(t.cols) {
				st = t.cols[i].style
			}
			if c, ok := v.(excelize.Cell); ok {
				styled = append(styled, c)
				continue
			}
			if s, ok := v.(string); ok && s == "" {
				v = nil
			}
			if tm, ok := v.(time.Time); ok {
				v = excelTime(tm)
				if st == 0 {
					st = b.styles.date
				}
			}
			styled = append(styled, excelize.Cell{StyleID: st, Value: v})
		}
		cell, _ := excelize.CoordinatesToCellName(1, rowNo)
		err = sw.SetRow(cell, styled)
		return err == nil
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	return sw.Flush()
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

// printSetup sets landscape A4, fit to one page wide, header rows repeated
// on every page and a page header naming the campaign.
func (b *builder) printSetup(sheet string, headerRows int) error {
	f := b.f
	size, orient, one, zero := 9, "landscape", 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	yes := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return err
	}
	head := "&L" + escapeHF(b.in.Campaign) + "&C" + escapeHF(sheet) + "&R生成于 " + beijing(b.in.Now).Format("2006-01-02 15:04")
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: head, OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", sheet, headerRows),
		Scope:    sheet,
	})
}

// escapeHF doubles the ampersands that header/footer codes would read.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// textWidth approximates a string's width in Excel character units: wide
// (CJK) characters count two.
func textWidth(s string) float64 {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80) {
			w += 2
		} else {
			w++
		}
	}
	if utf8.RuneCountInString(s) == 0 {
		return 0
	}
	return float64(w)
}

func valueWidth(v any) float64 {
	switch x := v.(type) {
	case excelize.Cell:
		return valueWidth(x.Value)
	case string:
		return textWidth(x)
	case float64:
		return float64(len(strconv.FormatFloat(x, 'f', -1, 64)))
	case int:
		return float64(len(strconv.Itoa(x)))
	case time.Time:
		return 16
	}
	return 0
}

// beijing is t in Beijing time; a fixed zone needs no tz database.
func beijing(t time.Time) time.Time { return t.In(time.FixedZone("CST", 8*3600)) }

// excelTime is t's Beijing wall-clock time as an Excel serial (1900 system).
func excelTime(t time.Time) float64 {
	w := beijing(t)
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return wall.Sub(epoch).Seconds() / 86400
}
