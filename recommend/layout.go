package recommend

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// SheetName is the name of the sheet the blank 推荐表 is written on.
const SheetName = "推荐表"

// Layout says where everything is on a blank written by BuildBlank: a
// pure function of the definition and the options, so that code filling
// or annotating a blank need not search for labels.
//
// The sheet's columns are the person table's: 序号 | one per column. A
// field outside the table takes a row: label across the first two
// columns, value across the rest; two half fields share a row (label A:B,
// value C:D; label E:F, value G). Each section with a label starts with a
// heading row across the sheet.
type Layout struct {
	Sheet     string
	LastCol   string // the rightmost column
	TitleCell string // merged across the sheet
	// LegendCells are the sample cells of BlankOptions.Legend, one row
	// each under the title, the explanation right of each.
	LegendCells  []string
	SectionCells map[string]string // section id → heading cell ("" label: none)
	Labels       map[string]string // field id → label cell
	Fields       map[string]string // field id → input cell (first of its merge)
	FieldEnds    map[string]string // field id → last cell of the input's merge
	// The person table: its header row, the column of each column id and
	// of 序号, and one row per person.
	HeaderRow  int
	NumberCol  string
	Columns    map[string]string
	PersonRows []int
	NoteCell   string // the printed note, merged across the sheet
	// FormLastRow is the last row of the form proper (its note).
	FormLastRow int
	// NotesCell heads the BlankOptions.Notes block, NotesHeaderRow names
	// its columns, NoteRows are its lines; empty when there is none.
	NotesCell      string
	NotesHeaderRow int
	NoteRows       []int
	LastRow        int
}

// PersonCell is the cell of the i-th person row (from 0) in a column.
func (l Layout) PersonCell(i int, col string) string {
	if i < 0 || i >= len(l.PersonRows) {
		return ""
	}
	return l.Columns[col] + fmt.Sprint(l.PersonRows[i])
}

// InputCells lists every cell an agency fills in, in the order of the form.
func (l Layout) InputCells(def *Definition) []string {
	var out []string
	for _, s := range def.Sections {
		for _, fd := range s.Fields {
			out = append(out, l.Fields[fd.ID])
		}
		if s.ID == SectionPersons {
			for i := range l.PersonRows {
				for _, col := range s.Columns {
					out = append(out, l.PersonCell(i, col.ID))
				}
			}
		}
	}
	return out
}

func col(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

func at(c int, row int) string { return fmt.Sprintf("%s%d", col(c), row) }

// halfCols are the column spans of a half field's label and value: the
// left one in the first four columns, the right one in the rest.
func halfCols(n int, right bool) (label, value [2]int) {
	if !right {
		return [2]int{0, 1}, [2]int{2, 3}
	}
	return [2]int{4, 5}, [2]int{6, n - 1}
}

// personRows is the number of person rows a blank has.
func personRows(def *Definition, opts BlankOptions) int {
	if opts.Quota {
		return max(opts.Persons, 0)
	}
	if opts.Persons > 0 {
		return opts.Persons
	}
	return def.Persons().Rows
}

// BlankLayout computes where BuildBlank puts everything.
func BlankLayout(def *Definition, opts BlankOptions) Layout {
	n := len(def.Widths)
	l := Layout{
		Sheet: SheetName, LastCol: col(n - 1), TitleCell: "A1",
		SectionCells: map[string]string{}, Labels: map[string]string{}, Fields: map[string]string{},
		FieldEnds: map[string]string{}, Columns: map[string]string{},
	}
	row := 2
	for range opts.Legend {
		l.LegendCells = append(l.LegendCells, at(0, row))
		row++
	}
	for _, s := range def.Sections {
		if s.Label != "" {
			l.SectionCells[s.ID] = at(0, row)
			row++
		}
		if s.ID == SectionPersons {
			l.HeaderRow = row
			l.NumberCol = col(0)
			for i, c := range s.Columns {
				l.Columns[c.ID] = col(i + 1)
			}
			row++
			for range personRows(def, opts) {
				l.PersonRows = append(l.PersonRows, row)
				row++
			}
			continue
		}
		right := false
		for i, fd := range s.Fields {
			if fd.Half {
				lc, vc := halfCols(n, right)
				l.Labels[fd.ID], l.Fields[fd.ID], l.FieldEnds[fd.ID] = at(lc[0], row), at(vc[0], row), at(vc[1], row)
				right = !right
				if right && i+1 < len(s.Fields) && s.Fields[i+1].Half {
					continue
				}
				right = false
				row++
				continue
			}
			l.Labels[fd.ID], l.Fields[fd.ID], l.FieldEnds[fd.ID] = at(0, row), at(2, row), at(n-1, row)
			row++
		}
	}
	l.NoteCell = at(0, row)
	l.FormLastRow = row
	row++
	if opts.Notes != nil && len(opts.Notes.Rows) > 0 {
		row++
		l.NotesCell = at(0, row)
		l.NotesHeaderRow = row + 1
		row += 2
		for range opts.Notes.Rows {
			l.NoteRows = append(l.NoteRows, row)
			row++
		}
	}
	l.LastRow = row - 1
	return l
}

// BlankOptions change the blank. The zero value is the form handed out
// before the results: no agency, the definition's number of person rows.
type BlankOptions struct {
	// Agency is written into 推荐单位.
	Agency string
	// Persons is the number of person rows; zero: the definition's. With
	// Quota it is the agency's quota of 优秀个人 (0 allowed: no row), and
	// the person section's heading states it.
	Persons int
	Quota   bool
	// PublicityDays is the working days the note says a 公示 lasts;
	// zero: DefaultPublicityDays.
	PublicityDays int
	// PlainInput leaves the input cells white, for the annotated copy.
	PlainInput bool
	// Legend puts one row per entry under the title.
	Legend []templates.LegendEntry
	// Notes adds a block of printed explanations under the form.
	Notes *templates.NotesBlock
}
