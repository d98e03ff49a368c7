package templates

import (
	"fmt"
	"io"

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
