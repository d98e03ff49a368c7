package validate

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds on how much of one sheet is looked at. The form has about 60 rows
// and 10 columns; agencies insert a few more. A sheet declaring
// A1:XFD1048576 is read only as far as these bounds.
const (
	maxGridRows = 1000
	maxGridCols = 60
	maxSheets   = 30
	maxMerges   = 5000
)

// pos is a 0-based row and column.
type pos struct{ r, c int }

// cellName is the A1 name of a 0-based position.
func (p pos) name() string {
	n, err := excelize.CoordinatesToCellName(p.c+1, p.r+1)
	if err != nil {
		return ""
	}
	return n
}

// span is a merged range, 0-based and inclusive.
type span struct{ r1, c1, r2, c2 int }

// grid is one sheet's cells as text (raw stored values), read once and
// searched in memory.
type grid struct {
	sheet string
	rows  [][]string
	norms [][]string // normText of each cell, computed lazily per row
	// cover maps every cell of a merged range except its anchor to the
	// range; anchor maps anchors to their range.
	cover  map[pos]span
	anchor map[pos]span
}

// columnEmpty reports whether no cell of column c (0-based) holds text and
// the column is within the columns read.
func (g *grid) columnEmpty(c int) bool {
	if c >= maxGridCols {
		return false
	}
	for _, row := range g.rows {
		if c < len(row) && strings.TrimSpace(row[c]) != "" {
			return false
		}
		if len(row) >= maxGridCols {
			return false // the row was cut: what lies beyond is unknown
		}
	}
	return true
}

// readGrid streams a sheet's rows (no DOM) up to the bounds.
func readGrid(f *excelize.File, sheet string) (*grid, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	g := &grid{sheet: sheet}
	raw := excelize.Options{RawCellValue: true}
	for i := 0; i < maxGridRows && rows.Next(); i++ {
		cols, err := rows.Columns(raw)
		if err != nil {
			return nil, err
		}
		if len(cols) > maxGridCols {
			cols = cols[:maxGridCols]
		}
		g.rows = append(g.rows, cols)
	}
	// Trim trailing empty rows.
	for len(g.rows) > 0 && len(g.rows[len(g.rows)-1]) == 0 {
		g.rows = g.rows[:len(g.rows)-1]
	}
	g.norms = make([][]string, len(g.rows))
	return g, nil
}

// loadMerges reads the sheet's merged ranges, from the sheet's raw XML when
// given, else through excelize (which parses the sheet's DOM).
func (g *grid) loadMerges(f *excelize.File, sheetXML []byte) error {
	var refs []string
	if sheetXML != nil {
		refs = rawMerges(sheetXML)
	} else {
		mcs, err := f.GetMergeCells(g.sheet, true)
		if err != nil {
			return err
		}
		for _, mc := range mcs {
			refs = append(refs, mc.GetStartAxis()+":"+mc.GetEndAxis())
		}
	}
	g.cover = map[pos]span{}
	g.anchor = map[pos]span{}
	for i, ref := range refs {
		if i >= maxMerges {
			break
		}
		a, b, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(a)
		c2, r2, err2 := excelize.CellNameToCoordinates(b)
		if err1 != nil || err2 != nil {
			continue
		}
		r1, r2 = min(r1, r2), max(r1, r2)
		c1, c2 = min(c1, c2), max(c1, c2)
		s := span{r1 - 1, c1 - 1, min(r2-1, r1-1+maxGridRows), min(c2-1, c1-1+maxGridCols)}
		g.anchor[pos{s.r1, s.c1}] = s
		for r := s.r1; r <= s.r2 && r < len(g.rows); r++ {
			for c := s.c1; c <= s.c2 && c < maxGridCols; c++ {
				if r != s.r1 || c != s.c1 {
					g.cover[pos{r, c}] = s
				}
			}
		}
	}
	return nil
}

// raw returns the stored text of a cell; a cell covered by a merged range
// reads as the range's anchor.
func (g *grid) raw(p pos) string {
	if s, ok := g.cover[p]; ok {
		p = pos{s.r1, s.c1}
	}
	return g.at(p)
}

// at returns the cell's own stored text, ignoring merges.
func (g *grid) at(p pos) string {
	if p.r < 0 || p.r >= len(g.rows) || p.c < 0 || p.c >= len(g.rows[p.r]) {
		return ""
	}
	return g.rows[p.r][p.c]
}

// norm returns normText of the cell's own text, cached per row.
func (g *grid) norm(p pos) string {
	if p.r < 0 || p.r >= len(g.rows) || p.c < 0 || p.c >= len(g.rows[p.r]) {
		return ""
	}
	if g.norms[p.r] == nil {
		row := make([]string, len(g.rows[p.r]))
		for c, v := range g.rows[p.r] {
			row[c] = normText(v)
		}
		g.norms[p.r] = row
	}
	return g.norms[p.r][p.c]
}

// width is the number of columns of row r.
func (g *grid) width(r int) int {
	if r < 0 || r >= len(g.rows) {
		return 0
	}
	return len(g.rows[r])
}

// extent returns the merged range a cell anchors or belongs to, or the cell
// itself.
func (g *grid) extent(p pos) span {
	if s, ok := g.anchor[p]; ok {
		return s
	}
	if s, ok := g.cover[p]; ok {
		return s
	}
	return span{p.r, p.c, p.r, p.c}
}

// covered reports whether p lies inside a merged range but is not its anchor.
func (g *grid) covered(p pos) bool {
	_, ok := g.cover[p]
	return ok
}
