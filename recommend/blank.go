package recommend

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// The look of the blank, the 考核表's (package templates).
const (
	fontName   = "宋体"
	fontSize   = 11
	lineHeight = 15.0 // points per wrapped line
	rowPadding = 7.0
	minRow     = 22.0
	inputFill  = "FFF2CC"
	headerFill = "D9E1F2"
)

// WriteBlank writes the blank 推荐表 of def to w. Callers writing a file
// write to a temporary file and rename it.
func WriteBlank(w io.Writer, def *Definition, opts BlankOptions) error {
	x, err := BuildBlank(def, opts)
	if err != nil {
		return err
	}
	defer x.Close()
	if _, err := x.WriteTo(w); err != nil {
		return fmt.Errorf("write blank 推荐表: %w", err)
	}
	return nil
}

// BuildBlank builds the blank in memory, laid out as BlankLayout says,
// for callers that fill it in before writing (the annotated copy). The
// caller must Close the file.
func BuildBlank(def *Definition, opts BlankOptions) (*excelize.File, error) {
	x := excelize.NewFile()
	b := &blankWriter{def: def, x: x, l: BlankLayout(def, opts), opts: opts, marks: map[templates.Mark]int{}}
	if err := b.build(); err != nil {
		x.Close()
		return nil, fmt.Errorf("build blank 推荐表 %d: %w", def.Year, err)
	}
	return x, nil
}

type blankWriter struct {
	def  *Definition
	x    *excelize.File
	l    Layout
	opts BlankOptions
	err  error

	sTitle, sLabel, sHead, sSection, sCenter, sNote, sLegend, sLeft int
	sInput, sInputText, sInputDate, sInputMonth                     int
	marks                                                           map[templates.Mark]int
}

func (b *blankWriter) check(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

func (b *blankWriter) build() error {
	b.check(b.x.SetSheetName("Sheet1", b.l.Sheet))
	b.styles()
	for i, w := range b.def.Widths {
		b.check(b.x.SetColWidth(b.l.Sheet, col(i), col(i), w))
	}
	b.title()
	b.legend()
	for _, s := range b.def.Sections {
		b.section(s)
	}
	b.note()
	b.notes()
	b.validations()
	b.print()
	b.check(b.x.ProtectSheet(b.l.Sheet, &excelize.SheetProtectionOptions{
		SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true,
		EditObjects: true, // seals and signatures may be pasted as pictures
	}))
	b.check(b.x.SetDocProps(&excelize.DocProperties{
		Title: b.def.Title, Subject: b.def.Title, Keywords: fmt.Sprintf("kaohe recommend-%d", b.def.Year),
		Creator: "kaohe", Language: "zh-CN",
	}))
	return b.err
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
		{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	top := &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}
	bold := &excelize.Font{Family: fontName, Size: fontSize, Bold: true}
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{inputFill}}
	if b.opts.PlainInput {
		fill = excelize.Fill{}
	}
	open := &excelize.Protection{Locked: false}
	dateFmt, monthFmt := "yyyy-mm-dd", `yyyy"年"m"月"`
	b.sTitle = b.style(&excelize.Style{Font: &excelize.Font{Family: fontName, Size: 16, Bold: true}, Alignment: center})
	b.sLabel = b.style(&excelize.Style{Border: border, Alignment: center})
	b.sHead = b.style(&excelize.Style{Border: border, Alignment: center, Font: bold,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headerFill}}})
	b.sSection = b.style(&excelize.Style{Border: border, Font: bold,
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}})
	b.sCenter = b.style(&excelize.Style{Border: border, Alignment: center})
	b.sNote = b.style(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}})
	b.sLegend = b.style(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true, Indent: 1}})
	b.sInput = b.style(&excelize.Style{Border: border, Alignment: center, Fill: fill, Protection: open})
	b.sInputText = b.style(&excelize.Style{Border: border, Alignment: top, Fill: fill, Protection: open})
	b.sInputDate = b.style(&excelize.Style{Border: border, Alignment: center, Fill: fill, Protection: open, CustomNumFmt: &dateFmt})
	b.sInputMonth = b.style(&excelize.Style{Border: border, Alignment: center, Fill: fill, Protection: open, CustomNumFmt: &monthFmt})
	b.sLeft = b.style(&excelize.Style{Border: border, Alignment: left})
}

// inputStyle is the style of a field's input cell: long text top-left,
// dates as dates, the rest centred.
func (b *blankWriter) inputStyle(fd Field) int {
	switch fd.Kind {
	case KindDate:
		return b.sInputDate
	case KindMonth:
		return b.sInputMonth
	case KindText:
		if fd.Lines > 1 || fd.MaxRunes > 0 {
			return b.sInputText
		}
	}
	return b.sInput
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

func (b *blankWriter) height(row int, h float64) { b.check(b.x.SetRowHeight(b.l.Sheet, row, h)) }

func (b *blankWriter) width(from, to int) float64 {
	w := 0.0
	for i := from; i <= to && i < len(b.def.Widths); i++ {
		w += b.def.Widths[i]
	}
	return w
}

func (b *blankWriter) title() {
	b.set(b.l.TitleCell, b.def.Title, b.sTitle)
	b.merge(b.l.TitleCell, b.l.LastCol+"1", b.sTitle)
	b.height(1, 40)
}

func (b *blankWriter) legend() {
	for i, e := range b.opts.Legend {
		c := b.l.LegendCells[i]
		_, r, _ := excelize.CellNameToCoordinates(c)
		b.set(c, e.Sample, b.markStyle(e.Style))
		b.set(at(1, r), e.Text, b.sLegend)
		b.merge(at(1, r), at(len(b.def.Widths)-1, r), b.sLegend)
		b.height(r, templates.RowHeight(e.Text, b.width(1, len(b.def.Widths)-1)))
	}
}

// markStyle is a centred bordered cell marked as the legend says.
func (b *blankWriter) markStyle(m templates.Mark) int {
	if id, ok := b.marks[m]; ok {
		return id
	}
	id := b.style(m.Style("center"))
	b.marks[m] = id
	return id
}

// SectionHeading is the text of a section's heading row; the person
// section's states the quota when the blank has one.
func SectionHeading(s Section, opts BlankOptions) string {
	if s.ID == SectionPersons && opts.Quota {
		if opts.Persons <= 0 {
			return s.Label + "（本单位本年度没有优秀个人推荐名额）"
		}
		return fmt.Sprintf("%s（本单位推荐名额：%d名）", s.Label, opts.Persons)
	}
	return s.Label
}

// ColumnHeading is a person-table column's header: its label and, for
// long text, the limit ("主要事迹（不超过300字）").
func ColumnHeading(fd Field) string {
	switch {
	case fd.MaxRunes > 0:
		return fmt.Sprintf("%s（不超过%d字）", fd.Label, fd.MaxRunes)
	case fd.Unit != "":
		return fmt.Sprintf("%s（%s）", fd.Label, fd.Unit)
	}
	return fd.Label
}

// FieldLabel is a field's label cell: with the limit of a long text on a
// line of its own.
func FieldLabel(fd Field) string {
	if fd.MaxRunes > 0 {
		return fmt.Sprintf("%s\n（%d字以内）", fd.Label, fd.MaxRunes)
	}
	return fd.Label
}

func (b *blankWriter) section(s Section) {
	last := len(b.def.Widths) - 1
	if c, ok := b.l.SectionCells[s.ID]; ok {
		_, r, _ := excelize.CellNameToCoordinates(c)
		b.set(c, SectionHeading(s, b.opts), b.sSection)
		b.merge(c, at(last, r), b.sSection)
		b.height(r, 26)
	}
	if s.ID == SectionPersons {
		b.table(s)
		return
	}
	for _, fd := range s.Fields {
		label, value, end := b.l.Labels[fd.ID], b.l.Fields[fd.ID], b.l.FieldEnds[fd.ID]
		lc, r, _ := excelize.CellNameToCoordinates(label)
		vc, _, _ := excelize.CellNameToCoordinates(value)
		b.set(label, FieldLabel(fd), b.sLabel)
		b.merge(label, at(vc-2, r), b.sLabel)
		var v any
		if fd.ID == FieldAgency && b.opts.Agency != "" {
			v = b.opts.Agency
		}
		b.set(value, v, b.inputStyle(fd))
		b.merge(value, end, b.inputStyle(fd))
		h := 28.0
		if fd.Kind == KindSign {
			h = 40 // room for a seal or a handwritten signature
		}
		if fd.Lines > 1 {
			h = float64(fd.Lines)*lineHeight + rowPadding
		}
		h = max(h, templates.RowHeight(FieldLabel(fd), b.width(lc-1, vc-2)))
		if cur, err := b.x.GetRowHeight(b.l.Sheet, r); err == nil && cur > h {
			h = cur // the other half of the row is taller
		}
		b.height(r, h)
	}
}

func (b *blankWriter) table(s Section) {
	h := b.l.HeaderRow
	b.set(at(0, h), s.NumberLabel, b.sHead)
	heights := minRow
	for i, c := range s.Columns {
		text := ColumnHeading(c)
		b.set(at(i+1, h), text, b.sHead)
		heights = max(heights, templates.RowHeight(text, b.def.Widths[i+1]))
	}
	b.height(h, heights)
	rowH := 28.0
	for _, c := range s.Columns {
		if c.Lines > 1 {
			rowH = max(rowH, float64(c.Lines)*lineHeight+rowPadding)
		}
	}
	for n, r := range b.l.PersonRows {
		b.set(at(0, r), n+1, b.sCenter)
		for i, c := range s.Columns {
			b.set(at(i+1, r), nil, b.inputStyle(c))
		}
		b.height(r, rowH)
	}
}

func (b *blankWriter) note() {
	_, r, _ := excelize.CellNameToCoordinates(b.l.NoteCell)
	text := b.def.NoteText(b.opts.PublicityDays)
	b.set(b.l.NoteCell, text, b.sNote)
	b.merge(b.l.NoteCell, b.l.LastCol+fmt.Sprint(r), b.sNote)
	b.height(r, templates.RowHeight(text, b.width(0, len(b.def.Widths)-1)))
}

// notes writes the block of explanations: kind | this sheet's cell | the
// other file's cell | text, the text in the widest columns.
func (b *blankWriter) notes() {
	nb := b.opts.Notes
	if nb == nil || len(nb.Rows) == 0 {
		return
	}
	last := len(b.def.Widths) - 1
	_, tr, _ := excelize.CellNameToCoordinates(b.l.NotesCell)
	b.set(b.l.NotesCell, nb.Title, b.sSection)
	b.merge(b.l.NotesCell, at(last, tr), b.sSection)
	b.height(tr, 26)
	hr := b.l.NotesHeaderRow
	heads := []struct {
		text     string
		from, to int
	}{{nb.Columns[0], 0, 0}, {nb.Columns[2], 1, 1}, {nb.Columns[3], 2, 3}, {nb.Columns[1], 4, last}}
	hh := minRow
	for _, h := range heads {
		b.set(at(h.from, hr), h.text, b.sHead)
		b.merge(at(h.from, hr), at(h.to, hr), b.sHead)
		hh = max(hh, templates.RowHeight(h.text, b.width(h.from, h.to)))
	}
	b.height(hr, hh)
	for i, row := range nb.Rows {
		r := b.l.NoteRows[i]
		b.set(at(0, r), row.Kind, b.markStyle(row.Style))
		b.set(at(1, r), row.Cell, b.sCenter)
		b.set(at(2, r), row.Other, b.sCenter)
		b.merge(at(2, r), at(3, r), b.sCenter)
		b.set(at(4, r), row.Text, b.sLeft)
		b.merge(at(4, r), at(last, r), b.sLeft)
		// A sixth in hand: CJK fallback fonts set wider than two units.
		b.height(r, max(templates.RowHeight(row.Text, b.width(4, last)*0.85), templates.RowHeight(row.Other, b.width(2, 3))))
	}
}
