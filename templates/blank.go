package templates

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Column widths of the blank form, in Excel character units.
var blankWidths = [5]float64{16, 59, 14, 8, 10}

const (
	fontName   = "宋体"
	fontSize   = 11
	lineHeight = 15.0 // points per wrapped line at fontSize
	rowPadding = 7.0  // points above and below the text
	minRow     = 22.0 // the smallest row height, points
	inputFill  = "FFF2CC"
	headerFill = "D9E1F2"
)

// WriteBlank writes the blank form f as an .xlsx workbook to w, laid out as
// BlankLayout(f) says. Callers writing a file write to a temporary file and
// rename it.
func WriteBlank(f *Form, w io.Writer) error {
	x, err := BuildBlank(f)
	if err != nil {
		return err
	}
	defer x.Close()
	if _, err := x.WriteTo(w); err != nil {
		return fmt.Errorf("write blank form: %w", err)
	}
	return nil
}

// BuildBlank builds the blank form f in memory, for callers that fill it in
// before writing (the sample package). The caller must Close the file.
func BuildBlank(f *Form) (*excelize.File, error) {
	return BuildBlankWith(f, BlankOptions{})
}

// BlankOptions change the blank form for a use other than handing it out.
// The zero value is the form of WriteBlank.
type BlankOptions struct {
	// Verified adds the 核定分 column (Layout.VerifiedCol) right of 自评分,
	// headed with this label: the title, the header and 基本情况 blocks,
	// the note and the print area then span it. Its cells are empty and
	// locked; the annotated copy writes the verified scores there.
	Verified string
	// PlainInput leaves the input cells white: on a copy that marks
	// findings with fills, no other fill may look like one.
	PlainInput bool
	// Legend puts one row per entry under the title (Layout.LegendCells).
	Legend []LegendEntry
	// Notes adds a block of printed explanations under the signatures
	// (Layout.NotesCell); nil or no rows: none.
	Notes *NotesBlock
}

// LegendEntry is one row of the legend: a sample cell that looks like the
// cells it explains, and the explanation right of it.
type LegendEntry struct {
	Sample string // the sample's text
	Style  Mark
	Text   string
}

// Mark is how a cell stands out: its fill and font, RRGGBB ("" keeps the
// form's).
type Mark struct {
	Fill      string
	FontColor string
	Bold      bool
}

// NotesBlock is a titled table of explanations under the form, one row per
// entry: kind (in a cell marked like the cells it explains) | text | cell of
// this sheet | where else, for instance the cell of another file.
type NotesBlock struct {
	Title   string
	Columns [4]string
	Rows    []NoteRow
}

// NoteRow is one line of a NotesBlock.
type NoteRow struct {
	Kind  string
	Style Mark
	Text  string
	Cell  string
	Other string
}

// BuildBlankWith is BuildBlank with options. The caller must Close the file.
func BuildBlankWith(f *Form, opts BlankOptions) (*excelize.File, error) {
	x := excelize.NewFile()
	b := &blankWriter{f: f, x: x, l: BlankLayoutWith(f, opts), opts: opts, lastCol: colSelf,
		marks: map[markKey]int{}}
	if opts.Verified != "" {
		b.lastCol = colVerified
	}
	if err := b.build(); err != nil {
		x.Close()
		return nil, fmt.Errorf("build blank form %d: %w", f.Year, err)
	}
	return x, nil
}

type blankWriter struct {
	f   *Form
	x   *excelize.File
	l   Layout
	err error // the first error; later calls are no-ops

	opts BlankOptions
	// lastCol is the rightmost column: 自评分, or 核定分 when the form has it.
	lastCol string

	sTitle, sLabel, sLabelFit, sHead, sSection, sCriteria, sCenter, sTotal, sNote int
	sInput, sInputText, sInputDate, sLegendText                                   int
	marks                                                                         map[markKey]int
}

func (b *blankWriter) build() error {
	sh := b.l.Sheet
	if err := b.x.SetSheetName("Sheet1", sh); err != nil {
		return err
	}
	b.styles()
	b.columns()
	b.header()
	b.legend()
	b.basic()
	b.table()
	b.footer()
	b.notes()
	b.validations()
	b.print()
	b.protect()
	b.check(b.x.SetDocProps(&excelize.DocProperties{
		Title:    b.f.Title,
		Subject:  b.f.Title,
		Keywords: fmt.Sprintf("kaohe form-%d", b.f.Year),
		Creator:  "kaohe",
		Language: "zh-CN",
	}))
	return b.err
}

func (b *blankWriter) check(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

func (b *blankWriter) style(s *excelize.Style) int {
	if s.Font == nil {
		s.Font = &excelize.Font{Family: fontName, Size: fontSize}
	}
	id, err := b.x.NewStyle(s)
	b.check(err)
	return id
}

func (b *blankWriter) styles() {
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	bold := &excelize.Font{Family: fontName, Size: fontSize, Bold: true}
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{inputFill}}
	if b.opts.PlainInput {
		fill = excelize.Fill{}
	}
	unlocked := &excelize.Protection{Locked: false}
	dateFmt := "yyyy-mm-dd"

	b.sTitle = b.style(&excelize.Style{
		Font:      &excelize.Font{Family: fontName, Size: 18, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	b.sLabel = b.style(&excelize.Style{Border: border, Alignment: center})
	// A one-line label in the narrow first column shrinks rather than
	// breaking a word ("代办处主任签⏎字").
	b.sLabelFit = b.style(&excelize.Style{Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", ShrinkToFit: true}})
	b.sHead = b.style(&excelize.Style{Border: border, Alignment: center, Font: bold,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headerFill}}})
	b.sSection = b.style(&excelize.Style{Border: border, Alignment: center, Font: bold})
	b.sCriteria = b.style(&excelize.Style{Border: border, Alignment: left})
	b.sCenter = b.style(&excelize.Style{Border: border, Alignment: center})
	b.sTotal = b.style(&excelize.Style{Border: border, Alignment: center, Font: bold})
	b.sNote = b.style(&excelize.Style{Alignment: left})
	b.sLegendText = b.style(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true, Indent: 1}})
	b.sInput = b.style(&excelize.Style{Border: border, Alignment: center, Fill: fill, Protection: unlocked})
	b.sInputText = b.style(&excelize.Style{Border: border, Alignment: left, Fill: fill, Protection: unlocked})
	b.sInputDate = b.style(&excelize.Style{Border: border, Alignment: center, Fill: fill, Protection: unlocked,
		CustomNumFmt: &dateFmt})
}

func (b *blankWriter) columns() {
	for i, w := range blankWidths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		b.check(b.x.SetColWidth(b.l.Sheet, col, col, w))
	}
	if b.opts.Verified != "" {
		b.check(b.x.SetColWidth(b.l.Sheet, colVerified, colVerified, blankWidths[len(blankWidths)-1]))
	}
}

// width is the printed width of the form in character units.
func (b *blankWriter) width() float64 {
	w := 0.0
	for _, v := range blankWidths {
		w += v
	}
	if b.opts.Verified != "" {
		w += blankWidths[len(blankWidths)-1]
	}
	return w
}

func (b *blankWriter) set(cell string, v any, style int) {
	if v != nil {
		b.check(b.x.SetCellValue(b.l.Sheet, cell, v))
	}
	b.check(b.x.SetCellStyle(b.l.Sheet, cell, cell, style))
}

func (b *blankWriter) merge(from, to string, style int) {
	if from != to {
		b.check(b.x.MergeCell(b.l.Sheet, from, to))
	}
	b.check(b.x.SetCellStyle(b.l.Sheet, from, to, style))
}

func (b *blankWriter) height(row int, h float64) {
	b.check(b.x.SetRowHeight(b.l.Sheet, row, h))
}

// inputStyle is the style of a field's input cell.
func (b *blankWriter) inputStyle(fd Field) int {
	switch fd.Kind {
	case KindText, KindSign:
		return b.sInputText
	case KindDate:
		return b.sInputDate
	}
	return b.sInput
}

func (b *blankWriter) header() {
	last := cell(b.lastCol, 1)
	b.set(b.l.TitleCell, b.f.Title, b.sTitle)
	b.merge(b.l.TitleCell, last, b.sTitle)
	b.height(1, 40)
	for _, fd := range b.f.FieldsIn("header") {
		label, value := b.l.FieldLabels[fd.ID], b.l.Fields[fd.ID]
		b.set(label, FieldLabel(fd), b.sLabelFit)
		b.set(value, nil, b.inputStyle(fd))
		if strings.HasPrefix(value, colCap) {
			// The right-hand header field spans the columns right of it.
			b.merge(value, b.lastCol+value[len(colCap):], b.inputStyle(fd))
		}
		_, row, _ := excelize.CellNameToCoordinates(value)
		b.height(row, 26)
	}
}

func (b *blankWriter) basic() {
	_, row, _ := excelize.CellNameToCoordinates(b.l.BasicCell)
	b.set(b.l.BasicCell, b.f.BasicLabel, b.sHead)
	b.merge(b.l.BasicCell, cell(b.lastCol, row), b.sHead)
	b.height(row, minRow)
	for _, g := range b.f.Groups {
		gc, ok := b.l.GroupCells[g.ID]
		if !ok {
			continue
		}
		fields := b.f.FieldsIn(g.ID)
		_, first, _ := excelize.CellNameToCoordinates(gc)
		lastRow := first + len(fields) - 1
		b.set(gc, g.Label, b.sSection)
		b.merge(gc, cell(colSection, lastRow), b.sSection)
		for _, fd := range fields {
			b.set(b.l.FieldLabels[fd.ID], FieldLabel(fd), b.sLabel)
			b.set(b.l.Fields[fd.ID], nil, b.inputStyle(fd))
			_, r, _ := excelize.CellNameToCoordinates(b.l.Fields[fd.ID])
			unit := cell(colCap, r)
			b.set(unit, fd.Unit, b.sLabel)
			b.merge(unit, cell(b.lastCol, r), b.sLabel)
			b.height(r, minRow)
		}
		b.growMerged(g.Label, blankWidths[0], first, lastRow, minRow)
	}
}

func (b *blankWriter) table() {
	h := b.l.HeaderRow
	c := b.f.Columns
	for i, text := range []string{c.Section, c.Criteria, c.Department, c.Cap, c.Self} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		b.set(cell(col, h), text, b.sHead)
	}
	if b.opts.Verified != "" {
		b.set(cell(colVerified, h), b.opts.Verified, b.sHead)
	}
	b.height(h, 26)
	var selfCells []string
	for _, s := range b.f.Sections {
		first := 0
		var heights []float64
		for _, ind := range s.Indicators {
			r := b.l.Rows[ind.ID]
			if first == 0 {
				first = r
			}
			depts := listText(ind.Departments, "、", blankWidths[2])
			b.set(b.l.Criteria[ind.ID], ind.Criteria, b.sCriteria)
			b.set(b.l.Departments[ind.ID], depts, b.sCenter)
			b.set(b.l.Caps[ind.ID], ind.Cap, b.sCenter)
			b.set(b.l.Scores[ind.ID], nil, b.sInput)
			if b.opts.Verified != "" {
				b.set(cell(colVerified, r), nil, b.sCenter)
			}
			selfCells = append(selfCells, b.l.Scores[ind.ID])
			hgt := max(rowHeight(ind.Criteria, blankWidths[1]), rowHeight(depts, blankWidths[2]))
			heights = append(heights, hgt)
			b.height(r, hgt)
		}
		if first == 0 {
			continue
		}
		sc := b.l.SectionCells[s.ID]
		lastRow := first + len(s.Indicators) - 1
		b.set(sc, SectionText(s), b.sSection)
		b.merge(sc, cell(colSection, lastRow), b.sSection)
		total := 0.0
		for _, v := range heights {
			total += v
		}
		if need := rowHeight(SectionText(s), blankWidths[0]); need > total {
			b.height(lastRow, heights[len(heights)-1]+need-total)
		}
	}
	t := b.l.TotalRow
	b.set(b.l.TotalLabelCell, b.f.TotalLabel, b.sTotal)
	b.merge(b.l.TotalLabelCell, cell(colDepartment, t), b.sTotal)
	b.set(b.l.TotalCapCell, b.f.TotalCap, b.sTotal)
	b.set(b.l.TotalSelfCell, nil, b.sTotal)
	if b.opts.Verified != "" {
		b.set(cell(colVerified, t), nil, b.sTotal)
	}
	if len(selfCells) > 0 {
		b.check(b.x.SetCellFormula(b.l.Sheet, b.l.TotalSelfCell, sumFormula(selfCells)))
	}
	b.height(t, 26)
}

// sumFormula is SUM over the cells, as ranges of one column where they are
// contiguous.
func sumFormula(cells []string) string {
	var parts []string
	start, prev := cells[0], cells[0]
	flush := func() {
		if start == prev {
			parts = append(parts, start)
		} else {
			parts = append(parts, start+":"+prev)
		}
	}
	for _, c := range cells[1:] {
		pc, pr, _ := excelize.CellNameToCoordinates(prev)
		cc, cr, _ := excelize.CellNameToCoordinates(c)
		if cc == pc && cr == pr+1 {
			prev = c
			continue
		}
		flush()
		start, prev = c, c
	}
	flush()
	return "SUM(" + strings.Join(parts, ",") + ")"
}

func (b *blankWriter) footer() {
	_, nr, _ := excelize.CellNameToCoordinates(b.l.NoteCell)
	b.set(b.l.NoteCell, b.f.Note, b.sNote)
	b.merge(b.l.NoteCell, cell(b.lastCol, nr), b.sNote)
	b.height(nr, rowHeight(b.f.Note, b.width()))
	for _, fd := range b.f.FieldsIn("signature") {
		label, value := b.l.FieldLabels[fd.ID], b.l.Fields[fd.ID]
		b.set(label, FieldLabel(fd), b.sLabelFit)
		b.set(value, nil, b.inputStyle(fd))
		_, r, _ := excelize.CellNameToCoordinates(value)
		// Room for a seal or a handwritten signature.
		b.height(r, 40)
	}
}

// growMerged makes rows first..last tall enough for text in a vertical
// merge of the given column width, growing the last row.
func (b *blankWriter) growMerged(text string, width float64, first, last int, each float64) {
	have := each * float64(last-first+1)
	if need := rowHeight(text, width); need > have {
		b.height(last, each+need-have)
	}
}

// textUnits is the width of one line of text in character units: CJK
// characters take two, others one.
func textUnits(s string) float64 {
	units := 0.0
	for _, r := range s {
		if r > 0x2E80 {
			units += 2
		} else {
			units++
		}
	}
	return units
}

// fits reports whether text fits on one line of a column of the given width.
func fits(text string, width float64) bool { return textUnits(text) <= width-1.5 }

// rowHeight is the height in points that shows all of text wrapped in a
// column of the given width: CJK characters take two character units,
// others one.
func rowHeight(text string, width float64) float64 {
	usable := width - 1.5
	if usable < 2 {
		usable = 2
	}
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		units := textUnits(para)
		n := int(units / usable)
		if units/usable > float64(n) || n == 0 {
			n++
		}
		lines += n
	}
	return max(minRow, float64(lines)*lineHeight+rowPadding)
}

func (b *blankWriter) print() {
	sh := b.l.Sheet
	size, orient := 9, "portrait" // 9: A4
	// One page wide, as tall as it takes: the scale then follows the
	// fonts of the machine that prints. The manual breaks keep each section
	// on one page, placed for the largest scale, the one with the form's
	// fonts.
	fitW, fitH := 1, 0
	fit := true
	b.check(b.x.SetPageLayout(sh, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH,
	}))
	b.check(b.x.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}))
	scale := uint(printScale(b.width()))
	lr, tb, hf := marginSide, marginTopBottom, marginHeader
	center := true
	b.check(b.x.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{
		Left: &lr, Right: &lr, Top: &tb, Bottom: &tb, Header: &hf, Footer: &hf, Horizontally: &center,
	}))
	b.check(b.x.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	}))
	b.check(b.x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, b.l.HeaderRow, b.l.HeaderRow),
		Scope:    sh,
	}))
	b.check(b.x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", sh, b.lastCol, b.l.LastRow),
		Scope:    sh,
	}))
	b.pageBreaks(scale)
}

// protect locks the sheet without a password: agencies can only type into
// the input cells, yet anyone who must can lift the protection.
func (b *blankWriter) protect() {
	b.check(b.x.ProtectSheet(b.l.Sheet, &excelize.SheetProtectionOptions{
		SelectLockedCells:   true,
		SelectUnlockedCells: true,
		FormatColumns:       true,
		FormatRows:          true,
		EditObjects:         true, // seals and signatures may be pasted as pictures
	}))
}
