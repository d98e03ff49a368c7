package templates

import (
	"fmt"
	"strings"
)

// SheetName is the name of the sheet WriteBlank writes the form on.
const SheetName = "考核表"

// The blank form has five columns, the indicator table's: 内容 | 考核标准 |
// 考核部门 | 标准分 | 自评分. The blocks above and below the table reuse them.
const (
	colSection    = "A"
	colCriteria   = "B"
	colDepartment = "C"
	colCap        = "D"
	colSelf       = "E"
	colVerified   = "F" // only on forms built with BlankOptions.Verified
)

// Layout says where everything is on the blank form written by WriteBlank.
// It is a pure function of the Form (BlankLayout), so code that fills or
// checks a blank form need not search for labels.
//
// Fields are laid out label-left: a field's input cell is the cell directly
// to the right of its label cell, on the same row. The basic figures
// (基本情况) take one row each: group name (merged down the group's rows) |
// label | value | unit. Header and signature labels end in a full-width
// colon ("考核单位："), basic-figure labels do not ("职工总数").
type Layout struct {
	Sheet     string
	TitleCell string // the title, merged across the table's width
	// LegendCells are the sample cells of BlankOptions.Legend, one row each
	// right under the title; the explanation is right of each.
	LegendCells []string
	BasicCell   string // the 基本情况 block heading

	FieldLabels map[string]string // field id → label cell
	Fields      map[string]string // field id → input cell (right of the label)
	FieldUnits  map[string]string // field id → unit cell, for fields with a unit
	GroupCells  map[string]string // group id → group name cell (members, development)

	// The indicator table. HeaderRow holds the column headers and is
	// repeated on every printed page.
	HeaderRow                                               int
	SectionCol, CriteriaCol, DepartmentCol, CapCol, SelfCol string
	// VerifiedCol is the 核定分 column right of 自评分, on forms built with
	// BlankOptions.Verified (the annotated copy); the handed-out form has none.
	VerifiedCol string

	SectionCells map[string]string // section id → section name cell, top of its vertical merge
	Rows         map[string]int    // indicator id → row
	Criteria     map[string]string // indicator id → 考核标准 cell
	Departments  map[string]string // indicator id → 考核部门 cell
	Caps         map[string]string // indicator id → 标准分 cell
	Scores       map[string]string // indicator id → 自评分 (input) cell

	TotalRow       int
	TotalLabelCell string // 总分值, merged across the section, criteria and department columns
	TotalCapCell   string // holds TotalCap
	TotalSelfCell  string // a SUM formula of the 自评分 cells
	NoteCell       string // 备注, merged across the table's width
	// FormLastRow is the last row of the form proper (the signatures).
	FormLastRow int
	// NotesCell heads the BlankOptions.Notes block under the form, and
	// NotesHeaderRow names its columns; NoteRows are its lines. All are
	// empty when the form has no notes block.
	NotesCell      string
	NotesHeaderRow int
	NoteRows       []int
	LastRow        int // the last row of the printed page
}

// SectionLabel is the text of a section's name cell: the name and its cap,
// "组织机构管理（15分）".
func SectionLabel(s Section) string {
	return fmt.Sprintf("%s（%s分）", s.Name, formatNumber(s.Cap))
}

// FieldLabel is the text of a field's label cell: header and signature labels
// end in a full-width colon ("考核单位："), basic figures do not.
func FieldLabel(fd Field) string {
	if fd.Group == "header" || fd.Group == "signature" {
		return fd.Label + "："
	}
	return fd.Label
}

// BlankLayout computes where WriteBlank puts everything for form f.
func BlankLayout(f *Form) Layout { return BlankLayoutWith(f, BlankOptions{}) }

// BlankLayoutWith computes where BuildBlankWith puts everything for form f
// built with opts: a legend moves everything below the title down; the
// notes block follows the signatures.
func BlankLayoutWith(f *Form, opts BlankOptions) Layout {
	l := Layout{
		Sheet:         SheetName,
		TitleCell:     "A1",
		FieldLabels:   map[string]string{},
		Fields:        map[string]string{},
		FieldUnits:    map[string]string{},
		GroupCells:    map[string]string{},
		SectionCol:    colSection,
		CriteriaCol:   colCriteria,
		DepartmentCol: colDepartment,
		CapCol:        colCap,
		SelfCol:       colSelf,
		VerifiedCol:   colVerified,
		SectionCells:  map[string]string{},
		Rows:          map[string]int{},
		Criteria:      map[string]string{},
		Departments:   map[string]string{},
		Caps:          map[string]string{},
		Scores:        map[string]string{},
	}
	row := 2
	for range opts.Legend {
		l.LegendCells = append(l.LegendCells, cell(colSection, row))
		row++
	}
	// Header line: up to two fields side by side (label A, value B; label C,
	// value D merged with E); more header fields take further rows.
	header := f.FieldsIn("header")
	for i := 0; i < len(header); i += 2 {
		l.FieldLabels[header[i].ID] = cell(colSection, row)
		l.Fields[header[i].ID] = cell(colCriteria, row)
		if i+1 < len(header) {
			l.FieldLabels[header[i+1].ID] = cell(colDepartment, row)
			l.Fields[header[i+1].ID] = cell(colCap, row)
		}
		row++
	}
	l.BasicCell = cell(colSection, row)
	row++
	for _, g := range f.Groups {
		if g.ID == "header" || g.ID == "signature" {
			continue
		}
		fields := f.FieldsIn(g.ID)
		if len(fields) == 0 {
			continue
		}
		l.GroupCells[g.ID] = cell(colSection, row)
		for _, fd := range fields {
			l.FieldLabels[fd.ID] = cell(colCriteria, row)
			l.Fields[fd.ID] = cell(colDepartment, row)
			if fd.Unit != "" {
				l.FieldUnits[fd.ID] = cell(colCap, row)
			}
			row++
		}
	}
	l.HeaderRow = row
	row++
	for _, s := range f.Sections {
		l.SectionCells[s.ID] = cell(colSection, row)
		for _, ind := range s.Indicators {
			l.Rows[ind.ID] = row
			l.Criteria[ind.ID] = cell(colCriteria, row)
			l.Departments[ind.ID] = cell(colDepartment, row)
			l.Caps[ind.ID] = cell(colCap, row)
			l.Scores[ind.ID] = cell(colSelf, row)
			row++
		}
	}
	l.TotalRow = row
	l.TotalLabelCell = cell(colSection, row)
	l.TotalCapCell = cell(colCap, row)
	l.TotalSelfCell = cell(colSelf, row)
	row++
	l.NoteCell = cell(colSection, row)
	row++
	for _, fd := range f.FieldsIn("signature") {
		l.FieldLabels[fd.ID] = cell(colSection, row)
		l.Fields[fd.ID] = cell(colCriteria, row)
		row++
	}
	l.FormLastRow = row - 1
	if opts.Notes != nil && len(opts.Notes.Rows) > 0 {
		row++ // a blank line between the form and its notes
		l.NotesCell = cell(colSection, row)
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

// InputCells lists every cell an agency fills in: the fields in form order,
// then the 自评分 cells in form order.
func (l Layout) InputCells(f *Form) []string {
	var out []string
	for _, fd := range f.Fields {
		if c, ok := l.Fields[fd.ID]; ok {
			out = append(out, c)
		}
	}
	for _, ind := range f.Indicators() {
		out = append(out, l.Scores[ind.ID])
	}
	return out
}

func cell(col string, row int) string { return fmt.Sprintf("%s%d", col, row) }

// formatNumber writes 15 as "15" and 0.5 as "0.5".
func formatNumber(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}
