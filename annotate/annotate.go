package annotate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/internal/display"
	"kaohe/templates"
	"kaohe/validate"
)

// Annotation look. The copy's input cells are white, so that a fill on the
// sheet always means something the legend under the title explains: red an
// error, orange a warning, green the 核定分 column.
const (
	commentAuthor = "考核系统"
	fillError     = "FF7C80" // red
	fillWarning   = "FFC000" // orange: another hue than red, and no input cell is yellow
	fillVerified  = "E2EFDA" // light green: computed by the system, not for input
	fontChanged   = "C00000" // a verified score that differs from the self-score
	verifiedLabel = "核定分"
	maxComment    = 30000
)

// ColourKey is the sentence receipts give after naming the annotated copy
// ("附件《…》是您这份表的核对版：" + ColourKey): it says what the copy's
// legend says.
const ColourKey = "有问题的单元格已标色（红色为错误，必须改正；橙色为提醒，请核实），" +
	"每一处的说明列在表格下方的“核对说明”中，鼠标移到单元格上也能看到；" +
	"绿色的“核定分”一列是系统核定的分数，红色粗体表示与自评分不同。"

// Copy writes the check of one form on a fresh copy of the official
// form, the blank kaohe hands out (templates.BuildBlankWith), with a 核定分
// column right of 自评分:
//   - the values read from the agency's workbook (rep.Submission) go into
//     the official cells, as values only;
//   - every cell with a finding gets a fill (red for errors, orange for
//     warnings) and a comment by 考核系统 with the messages and the cell of
//     the agency's own file the value came from, since the agency may have
//     laid the form out differently and fixes its own file;
//   - comments do not print, so a 核对说明 block under the form lists every
//     finding again: its kind, the message, the cell of the copy and the
//     agency's own cell;
//   - the 核定分 column carries the verified score of every indicator and
//     the verified total;
//   - a legend under the title says what each colour means.
//
// Nothing of the agency's file is carried over: no other sheet, no formula,
// link, macro, picture, embedded object, defined name or style. The copy
// goes out from the office's address, so it must hold nothing a stranger
// could have planted. Text read from the sheet or the findings is only
// ever written as text. A nil form is the form of the submission's year.
// The bytes are deterministic for the same input.
func Copy(rep *assess.Report, form *templates.Form) (out []byte, err error) {
	defer func() {
		// excelize on odd values must cost the annotated copy, not the reply.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("annotate: panic: %v", r)
		}
	}()
	if rep == nil || rep.Submission == nil {
		return nil, errors.New("annotate: no submission in report")
	}
	if form == nil {
		if form, err = templates.Load(rep.Submission.Year); err != nil {
			return nil, fmt.Errorf("annotate: %w", err)
		}
	}
	// Where the values go and what is marked where is planned first: the
	// notes block under the form is part of the form's layout.
	opts := copyOptions()
	a := &annotator{form: form, l: templates.BlankLayoutWith(form, opts), sub: rep.Submission, official: map[string]string{}}
	a.mapSources()
	marks, loose := a.plan(rep.Findings)
	opts.Notes = a.notesBlock(marks, loose)
	f, err := templates.BuildBlankWith(form, opts)
	if err != nil {
		return nil, fmt.Errorf("annotate: %w", err)
	}
	defer f.Close()
	a.f, a.l = f, templates.BlankLayoutWith(form, opts)
	a.sheet = a.l.Sheet
	if err := a.fillValues(); err != nil {
		return nil, err
	}
	if err := a.addVerified(rep); err != nil {
		return nil, err
	}
	if err := a.markFindings(marks); err != nil {
		return nil, err
	}
	return copyBytes(f)
}

type annotator struct {
	f     *excelize.File
	sheet string
	form  *templates.Form
	l     templates.Layout
	sub   *validate.Submission
	// official maps a cell of the agency's sheet ("F17") to the official
	// cell its value was written to.
	official map[string]string
	// notes are remarks on copied cells that no finding made: a seal that
	// was a picture. Official cell → text.
	notes   map[string]string
	derived map[derivedStyle]int
}

// addVerified writes the verified scores and total in the 核定分 column.
func (a *annotator) addVerified(rep *assess.Report) error {
	col := a.l.VerifiedCol
	for _, ir := range rep.Indicators {
		row, ok := a.l.Rows[ir.ID]
		if !ok {
			continue
		}
		cell := fmt.Sprintf("%s%d", col, row)
		if err := a.f.SetCellFloat(a.sheet, cell, ir.Verified, -1, 64); err != nil {
			return fmt.Errorf("annotate: verified score: %w", err)
		}
		a.verifiedStyle(cell, ir.Self == nil || math.Abs(*ir.Self-ir.Verified) > 1e-9)
	}
	cell := fmt.Sprintf("%s%d", col, a.l.TotalRow)
	if err := a.f.SetCellFloat(a.sheet, cell, rep.VerifiedTotal, -1, 64); err != nil {
		return fmt.Errorf("annotate: verified total: %w", err)
	}
	a.verifiedStyle(cell, math.Abs(rep.SelfTotal-rep.VerifiedTotal) > 1e-9)
	return nil
}

// mark is what is written on one official cell: its fill and comment.
type mark struct {
	cell    string
	worst   validate.Severity
	lines   []markLine
	sources []string // cells of the agency's sheet the findings are about
}

// markSet gathers the marks of a copy, one per cell.
type markSet struct {
	byCell map[string]*mark
	list   []*mark
}

// at is the mark of cell, made on first use; it keeps the worst severity
// of what is marked on the cell.
func (s *markSet) at(cell string, sev validate.Severity) *mark {
	m := s.byCell[cell]
	if m == nil {
		if s.byCell == nil {
			s.byCell = map[string]*mark{}
		}
		m = &mark{cell: cell, worst: sev}
		s.byCell[cell] = m
		s.list = append(s.list, m)
	}
	if sev.Rank() < m.worst.Rank() {
		m.worst = sev
	}
	return m
}

// sorted is the marks in the order of the sheet: by row, then by column.
func (s *markSet) sorted() []*mark {
	slices.SortStableFunc(s.list, func(x, y *mark) int {
		xc, xr, _ := excelize.CellNameToCoordinates(x.cell)
		yc, yr, _ := excelize.CellNameToCoordinates(y.cell)
		if xr != yr {
			return xr - yr
		}
		return xc - yc
	})
	return s.list
}

// markLine is one finding or note on a marked cell.
type markLine struct {
	sev  validate.Severity
	item string // what it is about ("指标 1.4（…）"); "" for a note
	text string
}

func (l markLine) String() string {
	s := "【" + l.sev.Label() + "】"
	if l.item != "" {
		s += l.item + "："
	}
	return s + l.text
}

// plan says which official cell each finding is marked on, in the order
// of the sheet, and lists the findings no cell of the copy holds (another
// sheet, the whole file).
func (a *annotator) plan(findings []validate.Finding) (marks []*mark, loose []validate.Finding) {
	var set markSet
	sorted := slices.Clone(findings)
	slices.SortStableFunc(sorted, func(x, y validate.Finding) int { return x.Severity.Rank() - y.Severity.Rank() })
	for _, fd := range sorted {
		if fd.Code == validate.CodeSheetsIgnored {
			// About the agency's other sheets, which the copy does not
			// carry: the receipt says it; the copy repeats nothing of them.
			continue
		}
		cell, source, ok := a.target(fd)
		if !ok {
			loose = append(loose, fd)
			continue
		}
		m := set.at(cell, fd.Severity)
		line := markLine{sev: fd.Severity, text: display.Clean(stripItemPrefix(display.StripCellPrefix(fd.Message, fd.Cell), fd), display.MaxTextRunes)}
		if fd.Indicator != "" || fd.Field != "" {
			line.item = display.ItemLabel(fd, a.form)
		}
		m.lines = append(m.lines, line)
		if source != "" && !slices.Contains(m.sources, source) {
			m.sources = append(m.sources, source)
		}
	}
	for _, fd := range a.form.Fields {
		cell := a.l.Fields[fd.ID]
		if note, ok := a.notes[cell]; ok {
			m := set.at(cell, validate.SeverityInfo)
			m.lines = append(m.lines, markLine{sev: validate.SeverityInfo, item: fd.Label, text: note})
		}
	}
	return set.sorted(), loose
}

// stripItemPrefix drops a leading "指标3.2：" from a message shown after its
// item's label anyway.
func stripItemPrefix(msg string, fd validate.Finding) string {
	if fd.Indicator == "" {
		return msg
	}
	for _, p := range []string{"指标" + fd.Indicator + "：", "指标 " + fd.Indicator + "："} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			return rest
		}
	}
	return msg
}

// markFindings fills and comments the planned cells.
func (a *annotator) markFindings(marks []*mark) error {
	for _, m := range marks {
		switch m.worst {
		case validate.SeverityError:
			a.fill(m.cell, fillError)
		case validate.SeverityWarning:
			a.fill(m.cell, fillWarning)
		}
		if err := a.comment(m); err != nil {
			return err
		}
	}
	return nil
}

// comment writes a mark's comment: its lines, then where in the agency's
// own file the value is, because the receipt asks the clerk to correct
// that file, and its cells are the ones the receipt lists.
func (a *annotator) comment(m *mark) error {
	lines := make([]string, len(m.lines))
	for i, l := range m.lines {
		lines[i] = l.String()
	}
	text := strings.Join(lines, "\n")
	if len(m.sources) > 0 {
		text += "\n您发来的表中的单元格：" + strings.Join(m.sources, "、")
	}
	if r := []rune(text); len(r) > maxComment {
		text = string(r[:maxComment]) + "…"
	}
	tall := strings.Count(text, "\n") + 1 + len([]rune(text))/24
	err := a.f.AddComment(a.sheet, excelize.Comment{
		Author: commentAuthor,
		Cell:   m.cell,
		Paragraph: []excelize.RichTextRun{
			{Text: commentAuthor + "：\n", Font: &excelize.Font{Bold: true}},
			{Text: text},
		},
		Width:  320,
		Height: uint(min(40+tall*16, 400)),
	})
	if err != nil {
		return fmt.Errorf("annotate: comment on %s: %w", m.cell, err)
	}
	return nil
}

// target is the official cell a finding is marked on and the cell of the
// agency's sheet it names ("" when none). A finding on a cell whose value
// was copied goes where that value went; one on a field or indicator that
// was not found at all goes on the official cell where it belongs. A
// finding about another sheet, or about nothing the form holds, is not
// marked: the receipt lists it.
func (a *annotator) target(fd validate.Finding) (official, source string, ok bool) {
	if fd.Sheet != "" && fd.Sheet != a.sub.Sheet {
		return "", "", false
	}
	source = canonicalCell(fd.Cell)
	if c, ok := a.official[source]; ok {
		return c, source, true
	}
	var c string
	switch {
	case fd.Indicator != "":
		c = a.l.Scores[fd.Indicator]
	case fd.Field != "":
		c = a.l.Fields[fd.Field]
	case fd.Code == validate.CodeTotalMismatch:
		c = a.l.TotalSelfCell
	}
	return c, source, c != ""
}

// canonicalCell is a cell reference as excelize names it: "F17" for
// "$f$17", the first cell of a range; "" for anything else.
func canonicalCell(ref string) string {
	ref, _, _ = strings.Cut(strings.ReplaceAll(strings.TrimSpace(ref), "$", ""), ":")
	col, row, err := excelize.CellNameToCoordinates(ref)
	if err != nil {
		return ""
	}
	c, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return ""
	}
	return c
}

// fill gives the cell a solid fill, keeping its font, border, number
// format and protection.
func (a *annotator) fill(cell, color string) {
	a.restyle(cell, "fill-"+color, func(st *excelize.Style) {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	})
}

func commentText(c excelize.Comment) string {
	if c.Text != "" {
		return c.Text
	}
	var b strings.Builder
	for _, p := range c.Paragraph {
		b.WriteString(p.Text)
	}
	return b.String()
}
