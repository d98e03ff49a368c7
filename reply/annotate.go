package reply

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/templates"
	"kaohe/validate"
)

// Annotation look.
const (
	commentAuthor = "考核系统"
	fillError     = "FFC7CE" // light red
	fillWarning   = "FFD966" // yellow, darker than the form's pale input cells
	fillVerified  = "E2EFDA" // light green: computed by the system, not for input
	fontChanged   = "C00000" // a verified score that differs from the self-score
	verifiedLabel = "核定分"
	maxComment    = 30000
)

// Annotate returns the agency's own workbook with the check written on it:
// on the form sheet every cell with a finding gets a fill (light red for
// errors, yellow for warnings) and a comment by 考核系统 with the messages,
// and a 核定分 column beside 自评分 carries the verified score of every
// indicator. Everything else is left as it was. Text from the sheet or the
// findings is only ever written as text, never as a formula. The bytes are
// deterministic for the same input.
func Annotate(orig []byte, rep *assess.Report, form *templates.Form) (out []byte, err error) {
	defer func() {
		// excelize on an odd workbook must cost the annotated copy, not the
		// reply.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("annotate: panic: %v", r)
		}
	}()
	if rep == nil || rep.Submission == nil {
		return nil, errors.New("annotate: no submission in report")
	}
	sub := rep.Submission
	f, err := excelize.OpenReader(bytes.NewReader(orig), excelize.Options{
		UnzipSizeLimit:    validate.DefaultMaxUnzipSize,
		UnzipXMLSizeLimit: validate.DefaultMaxUnzipSize,
	})
	if err != nil {
		return nil, fmt.Errorf("annotate: open workbook: %w", err)
	}
	defer f.Close()
	sheet := sub.Sheet
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		return nil, fmt.Errorf("annotate: sheet %q not found", sheet)
	}

	a := annotator{f: f, sheet: sheet, form: form}
	if err := a.addVerifiedColumn(rep); err != nil {
		return nil, err
	}
	if err := a.markFindings(rep.Findings); err != nil {
		return nil, err
	}
	f.SetZipWriter(newOrderedZip)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("annotate: write workbook: %w", err)
	}
	return buf.Bytes(), nil
}

type annotator struct {
	f     *excelize.File
	sheet string
	form  *templates.Form // names indicators and fields in comments; may be nil
	// insertedAt is the column number where a column was inserted, 0 when
	// none was: finding cells at or right of it move one column right.
	insertedAt int
	derived    map[derivedStyle]int
}

// selfColumn is the column number of 自评分: the submission's, else the
// column of the first indicator's cell.
func selfColumn(rep *assess.Report) int {
	if c, err := excelize.ColumnNameToNumber(rep.Submission.SelfColumn); err == nil {
		return c
	}
	for _, ir := range rep.Indicators {
		if col, _, err := excelize.CellNameToCoordinates(ir.Cell); err == nil {
			return col
		}
	}
	return 0
}

func (a *annotator) addVerifiedColumn(rep *assess.Report) error {
	self := selfColumn(rep)
	if self == 0 {
		return nil // nothing located: no column to add
	}
	target := self + 1
	free := rep.Submission.RightOfSelfFree
	if !free {
		var err error
		if free, err = a.columnFree(target); err != nil {
			return err
		}
	}
	targetName, _ := excelize.ColumnNumberToName(target)
	selfName, _ := excelize.ColumnNumberToName(self)
	if !free {
		if err := a.f.InsertCols(a.sheet, targetName, 1); err != nil {
			return fmt.Errorf("annotate: insert column: %w", err)
		}
		a.insertedAt = target
	}
	if w, err := a.f.GetColWidth(a.sheet, selfName); err == nil {
		_ = a.f.SetColWidth(a.sheet, targetName, targetName, max(w, 8))
	}
	headerRow := rep.Submission.HeaderRow
	if headerRow > 0 {
		cell, _ := excelize.CoordinatesToCellName(target, headerRow)
		if err := a.f.SetCellStr(a.sheet, cell, verifiedLabel); err != nil {
			return fmt.Errorf("annotate: header: %w", err)
		}
		a.copyStyle(selfName, headerRow, cell)
	}
	for _, ir := range rep.Indicators {
		_, row, err := excelize.CellNameToCoordinates(ir.Cell)
		if err != nil || row == headerRow {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(target, row)
		if err := a.f.SetCellFloat(a.sheet, cell, ir.Verified, -1, 64); err != nil {
			return fmt.Errorf("annotate: verified score: %w", err)
		}
		changed := ir.Self == nil || math.Abs(*ir.Self-ir.Verified) > 1e-9
		a.verifiedStyle(fmt.Sprintf("%s%d", selfName, row), cell, changed)
	}
	// The verified total beside the written one.
	if _, row, err := excelize.CellNameToCoordinates(rep.Submission.TotalCell); err == nil && row != headerRow {
		cell, _ := excelize.CoordinatesToCellName(target, row)
		if err := a.f.SetCellFloat(a.sheet, cell, rep.VerifiedTotal, -1, 64); err != nil {
			return fmt.Errorf("annotate: verified total: %w", err)
		}
		a.verifiedStyle(fmt.Sprintf("%s%d", selfName, row), cell, math.Abs(rep.SelfTotal-rep.VerifiedTotal) > 1e-9)
	}
	a.widenPrintArea(target)
	return nil
}

// widenPrintArea makes a print area that ends before the new column take
// it in, so that the printed sheet shows the 核定分 too. A print area the
// workbook does not have, or cannot be read, is left alone.
func (a *annotator) widenPrintArea(col int) {
	for _, dn := range a.f.GetDefinedName() {
		if dn.Name != "_xlnm.Print_Area" || dn.Scope != a.sheet {
			continue
		}
		sheetRef, rng, ok := strings.Cut(dn.RefersTo, "!")
		if !ok {
			return
		}
		from, to, ok := strings.Cut(strings.ReplaceAll(rng, "$", ""), ":")
		if !ok {
			return
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(from)
		c2, r2, err2 := excelize.CellNameToCoordinates(to)
		if err1 != nil || err2 != nil || c2 >= col {
			return
		}
		start, _ := excelize.CoordinatesToCellName(c1, r1, true)
		end, _ := excelize.CoordinatesToCellName(col, r2, true)
		widened := excelize.DefinedName{Name: dn.Name, Scope: dn.Scope, RefersTo: sheetRef + "!" + start + ":" + end}
		if a.f.DeleteDefinedName(&excelize.DefinedName{Name: dn.Name, Scope: dn.Scope}) == nil {
			_ = a.f.SetDefinedName(&widened)
		}
		return
	}
}

// columnFree reports whether no cell of the column holds a value.
func (a *annotator) columnFree(col int) (bool, error) {
	rows, err := a.f.GetRows(a.sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return false, fmt.Errorf("annotate: read rows: %w", err)
	}
	for _, r := range rows {
		if len(r) >= col && strings.TrimSpace(r[col-1]) != "" {
			return false, nil
		}
	}
	return true, nil
}

func (a *annotator) copyStyle(fromCol string, row int, to string) {
	if id, err := a.f.GetCellStyle(a.sheet, fmt.Sprintf("%s%d", fromCol, row)); err == nil && id > 0 {
		_ = a.f.SetCellStyle(a.sheet, to, to, id)
	}
}

// verifiedStyle gives a 核定分 cell the look of the self-score cell from,
// with a light green fill, and red bold figures when the score changed.
func (a *annotator) verifiedStyle(from, to string, changed bool) {
	variant := "verified"
	if changed {
		variant = "verified-changed"
	}
	a.restyle(from, to, variant, func(st *excelize.Style) {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillVerified}}
		if changed {
			font := excelize.Font{}
			if st.Font != nil {
				font = *st.Font
			}
			font.Bold, font.Color, font.ColorTheme = true, fontChanged, nil
			st.Font = &font
		}
	})
}

// restyle sets on cell to the style of cell from, changed by mutate; variant
// names the change. Most cells share a handful of styles, so each derived
// style is made once per source style and variant.
func (a *annotator) restyle(from, to, variant string, mutate func(*excelize.Style)) {
	fromID, err := a.f.GetCellStyle(a.sheet, from)
	if err != nil {
		fromID = -1 // unknown: derived from the default style
	}
	key := derivedStyle{fromID, variant}
	id, ok := a.derived[key]
	if !ok {
		st := &excelize.Style{}
		if fromID >= 0 {
			if s, err := a.f.GetStyle(fromID); err == nil && s != nil {
				st = s
			}
		}
		mutate(st)
		if id, err = a.f.NewStyle(st); err != nil {
			return
		}
		if a.derived == nil {
			a.derived = map[derivedStyle]int{}
		}
		a.derived[key] = id
	}
	_ = a.f.SetCellStyle(a.sheet, to, to, id)
}

// derivedStyle is a source style and the change made to it.
type derivedStyle struct {
	from    int
	variant string
}

// shift moves a cell reference of the original sheet to where it is after
// the inserted column.
func (a *annotator) shift(cell string) (string, bool) {
	cell, _, _ = strings.Cut(strings.ReplaceAll(cell, "$", ""), ":") // a range: its first cell
	col, row, err := excelize.CellNameToCoordinates(cell)
	if err != nil {
		return "", false
	}
	if a.insertedAt > 0 && col >= a.insertedAt {
		col++
	}
	c, err := excelize.CoordinatesToCellName(col, row)
	return c, err == nil
}

func (a *annotator) markFindings(findings []validate.Finding) error {
	type mark struct {
		cell  string
		worst validate.Severity
		lines []string
	}
	var marks []*mark
	byCell := map[string]*mark{}
	sorted := slices.Clone(findings)
	slices.SortStableFunc(sorted, func(x, y validate.Finding) int { return x.Severity.Rank() - y.Severity.Rank() })
	for _, fd := range sorted {
		if fd.Cell == "" || (fd.Sheet != "" && fd.Sheet != a.sheet) {
			continue
		}
		cell, ok := a.shift(fd.Cell)
		if !ok {
			continue
		}
		m := byCell[cell]
		if m == nil {
			m = &mark{cell: cell, worst: fd.Severity}
			byCell[cell] = m
			marks = append(marks, m)
		}
		if fd.Severity.Rank() < m.worst.Rank() {
			m.worst = fd.Severity
		}
		line := "【" + fd.Severity.Label() + "】"
		if fd.Indicator != "" || fd.Field != "" {
			line += itemLabel(fd, a.form) + "："
		}
		m.lines = append(m.lines, line+cleanText(stripCellPrefix(fd.Message, fd.Cell), maxTextRunes))
	}
	existing := map[string]string{}
	if cmts, err := a.f.GetComments(a.sheet); err == nil {
		for _, c := range cmts {
			existing[c.Cell] = commentText(c)
		}
	}
	for _, m := range marks {
		switch m.worst {
		case validate.SeverityError:
			a.fill(m.cell, fillError)
		case validate.SeverityWarning:
			a.fill(m.cell, fillWarning)
		}
		text := strings.Join(m.lines, "\n")
		if old, ok := existing[m.cell]; ok {
			if err := a.f.DeleteComment(a.sheet, m.cell); err == nil && strings.TrimSpace(old) != "" {
				text += "\n——原批注：" + old
			}
		}
		if r := []rune(text); len(r) > maxComment {
			text = string(r[:maxComment]) + "…"
		}
		lines := strings.Count(text, "\n") + 1 + len([]rune(text))/24
		err := a.f.AddComment(a.sheet, excelize.Comment{
			Author: commentAuthor,
			Cell:   m.cell,
			Paragraph: []excelize.RichTextRun{
				{Text: commentAuthor + "：\n", Font: &excelize.Font{Bold: true}},
				{Text: text},
			},
			Width:  320,
			Height: uint(min(40+lines*16, 400)),
		})
		if err != nil {
			return fmt.Errorf("annotate: comment on %s: %w", m.cell, err)
		}
	}
	return nil
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

// fill gives the cell a solid fill, keeping its font, border and number
// format.
func (a *annotator) fill(cell, color string) {
	a.restyle(cell, cell, "fill-"+color, func(st *excelize.Style) {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	})
}

// zipEpochDate is 1980-01-01 in MS-DOS date format, the modification date
// of every entry of an annotated copy (its time is 00:00).
const zipEpochDate = 1<<5 | 1

// orderedZip is the zip writer excelize saves an annotated copy through. It
// keeps the parts until Close and then writes them in a fixed order
// ([Content_Types].xml first, then by name) with a fixed time, because
// excelize writes its parts in map order and the same annotation must give
// the same bytes, so that a recomposed reply is identical. It deflates at
// the fastest level: the copy is a mail attachment of a few dozen KB, and
// the default level cost more than opening the workbook.
type orderedZip struct {
	out   io.Writer
	parts map[string]*bytes.Buffer
}

func newOrderedZip(w io.Writer) excelize.ZipWriter {
	return &orderedZip{out: w, parts: map[string]*bytes.Buffer{}}
}

func (z *orderedZip) Create(name string) (io.Writer, error) {
	if _, dup := z.parts[name]; dup {
		return nil, fmt.Errorf("annotate: part %s written twice", name)
	}
	b := new(bytes.Buffer)
	z.parts[name] = b
	return b, nil
}

// AddFS is part of excelize's interface; saving a workbook does not use it.
func (z *orderedZip) AddFS(fs.FS) error {
	return errors.New("annotate: adding a file system is not supported")
}

func (z *orderedZip) Close() error {
	names := slices.Collect(maps.Keys(z.parts))
	slices.SortFunc(names, func(x, y string) int {
		xc, yc := x == "[Content_Types].xml", y == "[Content_Types].xml"
		switch {
		case xc && !yc:
			return -1
		case yc && !xc:
			return 1
		}
		return strings.Compare(x, y)
	})
	zw := zip.NewWriter(z.out)
	zw.RegisterCompressor(zip.Deflate, newFastDeflater)
	for _, name := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, ModifiedDate: zipEpochDate})
		if err != nil {
			return err
		}
		if _, err := w.Write(z.parts[name].Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// fastDeflaters are reused: a flate writer is about a megabyte to set up.
var fastDeflaters sync.Pool

// pooledDeflater is a fastest-level flate writer that returns to the pool
// when closed.
type pooledDeflater struct{ fw *flate.Writer }

func newFastDeflater(w io.Writer) (io.WriteCloser, error) {
	if fw, ok := fastDeflaters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return &pooledDeflater{fw}, nil
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return &pooledDeflater{fw}, nil
}

func (p *pooledDeflater) Write(b []byte) (int, error) {
	if p.fw == nil {
		return 0, errors.New("write to a closed deflater")
	}
	return p.fw.Write(b)
}

func (p *pooledDeflater) Close() error {
	if p.fw == nil {
		return nil
	}
	err := p.fw.Close()
	fastDeflaters.Put(p.fw)
	p.fw = nil
	return err
}
