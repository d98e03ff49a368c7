package results

import (
	"fmt"
	"math"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
)

// column is one column of a sheet of the results workbook.
type column struct {
	header   string
	min, max float64 // width bounds in character units; 0: 6 and 50
	wrap     bool    // long text wraps, the row growing to show it
	style    int     // cell style of the data rows; 0: plain
}

// sheet is a table of the results workbook: optional rows above it (a
// title, a small table), its header row, data rows and a totals row.
type sheet struct {
	name       string
	above      [][]any // rows above the header, written as given
	cols       []column
	rows       [][]any
	totals     []any // written after the rows in bold; nil: none
	freezeCols int
	// breaks are data rows (0-based) that start a new printed page.
	breaks []int
	// prepare adds what excelize keeps outside the rows (conditional
	// formats, validations) given the sheet rows of the first and last
	// data row, before the rows are streamed.
	prepare func(first, last int) error
}

// write adds s to the workbook: widths, print layout and everything else
// the sheet holds are set before its rows are streamed, because the
// stream writer keeps them and writes them after the rows.
func (w *writer) write(s *sheet) error {
	f := w.f
	if err := w.newSheet(s.name); err != nil {
		return err
	}
	widths := s.measure()
	header := len(s.above) + 1
	first, last := header+1, header+len(s.rows)
	if s.totals != nil {
		last++
	}
	lastCol, _ := excelize.ColumnNumberToName(len(s.cols))
	if len(s.rows) > 0 {
		if err := f.AutoFilter(s.name, fmt.Sprintf("A%d:%s%d", header, lastCol, header+len(s.rows)), nil); err != nil {
			return fmt.Errorf("autofilter %s: %w", s.name, err)
		}
	}
	if s.prepare != nil && len(s.rows) > 0 {
		if err := s.prepare(first, header+len(s.rows)); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	if err := consolidate.PageSetup(f, s.name, consolidate.Page{Campaign: w.o.Campaign, Now: w.o.Now,
		HeaderRows: header, TitleCols: s.freezeCols, Width: consolidate.ColumnsWidth(widths)}); err != nil {
		return err
	}
	if header > 1 {
		// Print titles repeat the column headers only, not the rows above.
		titles := fmt.Sprintf("'%s'!$%d:$%d", s.name, header, header)
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: s.name}); err != nil {
			// PageSetup defined it already: replace it.
			if err := f.DeleteDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: s.name}); err != nil {
				return err
			}
			if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: s.name}); err != nil {
				return err
			}
		}
	}
	sw, err := f.NewStreamWriter(s.name)
	if err != nil {
		return err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	topLeft, _ := excelize.CoordinatesToCellName(s.freezeCols+1, header+1)
	pane := "bottomLeft"
	if s.freezeCols > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: s.freezeCols, YSplit: header, TopLeftCell: topLeft, ActivePane: pane}); err != nil {
		return err
	}
	n := 1
	for _, r := range s.above {
		if err := w.row(sw, n, r, nil, widths, 0); err != nil {
			return err
		}
		n++
	}
	hdr := make([]any, len(s.cols))
	for i, c := range s.cols {
		hdr[i] = excelize.Cell{StyleID: w.st.header, Value: c.header}
	}
	hl := 1
	for i, c := range s.cols {
		hl = max(hl, consolidate.WrappedLines(c.header, widths[i]))
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", n), hdr, excelize.RowOpts{Height: float64(hl*consolidate.LineHeight + 2)}); err != nil {
		return err
	}
	n++
	breaks := map[int]bool{}
	for _, b := range s.breaks {
		breaks[b] = true
	}
	for i, r := range s.rows {
		if breaks[i] && i > 0 {
			if err := sw.InsertPageBreak(fmt.Sprintf("A%d", n)); err != nil {
				return err
			}
		}
		if err := w.row(sw, n, r, s.cols, widths, 0); err != nil {
			return err
		}
		n++
	}
	if s.totals != nil {
		if err := w.row(sw, n, s.totals, s.cols, widths, w.st.total); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// row streams one row; a cell without a style of its own takes its
// column's, or else style (the totals row's) when that is not 0.
func (w *writer) row(sw *excelize.StreamWriter, n int, cells []any, cols []column, widths []float64, style int) error {
	out := make([]any, len(cells))
	lines := 1
	for i, v := range cells {
		cs := 0
		if i < len(cols) {
			cs = cols[i].style
			// The totals row is bold throughout, but for the columns
			// whose number format it must keep.
			if style != 0 && cs != w.st.share && cs != w.st.exact {
				cs = style
			}
			if cs == 0 && cols[i].wrap {
				cs = w.st.wrap
			}
			if s, ok := v.(string); ok && cols[i].wrap && i < len(widths) {
				lines = max(lines, consolidate.WrappedLines(s, widths[i]))
			}
		}
		if c, ok := v.(excelize.Cell); ok {
			out[i] = c
			continue
		}
		if s, ok := v.(string); ok {
			v = truncate(s)
		}
		if cs == 0 && cols != nil {
			cs = w.st.plain
		}
		out[i] = excelize.Cell{StyleID: cs, Value: v}
	}
	opts := []excelize.RowOpts{}
	if lines > 1 {
		opts = append(opts, excelize.RowOpts{Height: float64(lines*consolidate.LineHeight + 2)})
	}
	return sw.SetRow(fmt.Sprintf("A%d", n), out, opts...)
}

// measure is each column's width: what its cells ask for, within its
// bounds; a header breaks onto two lines rather than widen its column.
func (s *sheet) measure() []float64 {
	widths := make([]float64, len(s.cols))
	for i, c := range s.cols {
		widths[i] = math.Ceil(consolidate.TextWidth(c.header) / 2)
	}
	for _, r := range s.rows {
		for i, v := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], valueWidth(v))
			}
		}
	}
	for i, v := range s.totals {
		if i < len(widths) {
			widths[i] = max(widths[i], valueWidth(v))
		}
	}
	for i, c := range s.cols {
		widths[i] = consolidate.BoundWidth(widths[i], c.min, c.max)
	}
	return widths
}

func valueWidth(v any) float64 {
	switch x := v.(type) {
	case excelize.Cell:
		return valueWidth(x.Value)
	case string:
		return consolidate.LinesWidth(x)
	case float64:
		return float64(len(fmt.Sprintf("%.2f", x)))
	case int:
		return float64(len(fmt.Sprint(x)))
	}
	return 0
}

// truncate keeps a text within the 32,767 characters a cell holds.
func truncate(s string) string {
	const limit = 32000
	if len(s) <= limit {
		return s
	}
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit]) + "…"
}

// newSheet adds a sheet, reusing the blank first sheet of a new workbook.
func (w *writer) newSheet(name string) error {
	if !w.renamed {
		w.renamed = true
		return w.f.SetSheetName(w.f.GetSheetName(0), name)
	}
	_, err := w.f.NewSheet(name)
	return err
}
