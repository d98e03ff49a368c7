package consolidate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
)

// column describes one column of a table.
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

	// Column widths, hidden columns, panes, header rows and merges go
	// through excelize; the data rows are spliced in when the workbook is
	// written (see splice.go), so they never sit in memory.
	for i, c := range t.cols {
		lo, hi := c.min, c.max
		if lo == 0 {
			lo = 6
		}
		if hi == 0 {
			hi = 50
		}
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(t.name, name, name, min(max(widths[i]+2, lo), hi)); err != nil {
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
	b.bulk[t.name] = &bulkRows{t: t, first: h + 1, n: n}
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
func beijing(t time.Time) time.Time { return t.In(cst.Location()) }

// excelTime is t's Beijing wall-clock time as an Excel serial (1900 system).
func excelTime(t time.Time) float64 {
	w := beijing(t)
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return wall.Sub(epoch).Seconds() / 86400
}
