package recommend

import (
	"bytes"
	"errors"

	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"kaohe/validate"
)

// ReadOptions configure Read. The zero value reads with the 2021
// definition and the default bounds.
type ReadOptions struct {
	Definition *Definition // nil: MustLoad(2021)
	// MaxFileSize and MaxUnzipSize bound the attachment and everything
	// it unzips to; zero takes the defaults.
	MaxFileSize, MaxUnzipSize int64
}

// Read reads a returned 推荐表 from the bytes of an .xlsx workbook, as
// Excel, WPS or LibreOffice save it: the sheet whose title holds 推荐表
// and whose labels are the form's, every field by its label (the value
// right of it, or after a colon in the label's cell), and the person
// table by its header, one Person per row that holds anything.
//
// The form is nil exactly when a file-level finding (unreadable_file,
// encrypted_file, legacy_format, form_not_found) says none could be read;
// the findings then hold that one finding. Read checks nothing else:
// Check does. The input is untrusted: Read never panics and reads within
// the size bounds.
func Read(data []byte, opts ReadOptions) (f *Filled, findings []validate.Finding) {
	defer func() {
		if p := recover(); p != nil {
			f = nil
			findings = []validate.Finding{validate.NewFinding(validate.CodeUnreadableFile,
				"附件无法读取（文件结构异常）。请用 Excel 或 WPS 打开推荐表，另存为新的 .xlsx 文件后再发送。")}
		}
	}()
	def := opts.Definition
	if def == nil {
		def = MustLoad(2021)
	}
	x, bad := open(data, opts)
	if bad != nil {
		return nil, []validate.Finding{*bad}
	}
	defer x.Close()
	g, ok := findSheet(x, def)
	if !ok {
		return nil, []validate.Finding{validate.NewFinding(validate.CodeFormNotFound,
			"附件中没有找到推荐表（标题含“推荐表”，并有推荐单位、姓名、出生年月、公示等栏目）。请使用办事处下发的推荐表填写，保存为 .xlsx 后再发送。")}
	}
	return g.read(x, def), nil
}

// Recognise reports whether the workbook holds a 推荐表 of any embedded
// year: a sheet whose title holds 推荐表 and which carries the form's
// labels. It is what tells a returned 推荐表 from a 考核表; a workbook
// that cannot be opened is not one. It never panics.
func Recognise(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	x, bad := open(data, ReadOptions{})
	if bad != nil {
		return false
	}
	defer x.Close()
	for _, y := range Years() {
		if _, found := findSheet(x, MustLoad(y)); found {
			return true
		}
	}
	return false
}

// RecogniseRows is Recognise on a sheet's cells already read, row by row.
func RecogniseRows(rows [][]string, def *Definition) bool {
	return looksLike(rows, def)
}

func open(data []byte, opts ReadOptions) (*excelize.File, *validate.Finding) {
	maxFile, maxUnzip := opts.MaxFileSize, opts.MaxUnzipSize
	if maxFile <= 0 {
		maxFile = DefaultMaxFileSize
	}
	if maxUnzip <= 0 {
		maxUnzip = DefaultMaxUnzipSize
	}
	if f := sniff(data, maxFile, maxUnzip); f != nil {
		return nil, f
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxUnzip,
		UnzipXMLSizeLimit: maxUnzip, // parts never spill to temporary files; sniff bounded them
	})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookPassword) {
			return nil, fileFinding(validate.CodeEncryptedFile, "附件设置了打开密码，系统无法读取。请删除打开密码，保存为 .xlsx 后再发送。")
		}
		return nil, fileFinding(validate.CodeUnreadableFile, "附件已损坏，无法读取。"+saveAsHint)
	}
	return x, nil
}

// sheetGrid is one sheet's cells: shown as the cell displays them, raw as
// stored (a date cell's serial).
type sheetGrid struct {
	name        string
	shown, raw  [][]string
	mergeEnd    map[[2]int]int // top-left (row, col) of a merge → its last column
	date1904    bool
	pictures    [][2]int
	labelFields map[string]bool
}

func (g *sheetGrid) at(rows [][]string, r, c int) string {
	if r < 0 || r >= len(rows) || c < 0 || c >= len(rows[r]) {
		return ""
	}
	return rows[r][c]
}

// findSheet returns the first sheet that looks like the form.
func findSheet(x *excelize.File, def *Definition) (*sheetGrid, bool) {
	sheets := x.GetSheetList()
	if len(sheets) > maxSheets {
		sheets = sheets[:maxSheets]
	}
	for _, name := range sheets {
		shown, err := readRows(x, name, false)
		if err != nil || !looksLike(shown, def) {
			continue
		}
		raw, err := readRows(x, name, true)
		if err != nil {
			continue
		}
		g := &sheetGrid{name: name, shown: shown, raw: raw, mergeEnd: map[[2]int]int{}}
		if merges, err := x.GetMergeCells(name, true); err == nil {
			for _, m := range merges {
				c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
				c2, _, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
				if err1 == nil && err2 == nil {
					g.mergeEnd[[2]int{r1 - 1, c1 - 1}] = c2 - 1
				}
			}
		}
		if props, err := x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
			g.date1904 = *props.Date1904
		}
		if cells, err := x.GetPictureCells(name); err == nil {
			for _, c := range cells {
				if col, row, err := excelize.CellNameToCoordinates(c); err == nil {
					g.pictures = append(g.pictures, [2]int{row - 1, col - 1})
				}
			}
		}
		return g, true
	}
	return nil, false
}

// readRows reads at most maxRows rows of maxCols columns.
func readRows(x *excelize.File, sheet string, raw bool) ([][]string, error) {
	rows, err := x.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() && len(out) < maxRows {
		cols, err := rows.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			return nil, err
		}
		if len(cols) > maxCols {
			cols = cols[:maxCols]
		}
		out = append(out, cols)
	}
	return out, rows.Error()
}

// looksLike: a title with 推荐表 near the top, and most of the labels that
// set the form apart from the 考核表.
func looksLike(rows [][]string, def *Definition) bool {
	title := false
	for r := 0; r < min(len(rows), 6) && !title; r++ {
		for _, s := range rows[r] {
			if strings.Contains(normLabel(s), "推荐表") {
				title = true
				break
			}
		}
	}
	if !title {
		return false
	}
	want := []string{FieldAgency, ColName, ColBirth, FieldPublicityResult, FieldProposeUnit}
	found := 0
	for _, id := range want {
		fd, _ := def.Field(id)
		if _, _, ok := findLabel(rows, fd, 0, len(rows)); ok {
			found++
		}
	}
	return found >= 3
}

// normLabel folds a label for comparison: full-width to half-width, no
// white space, no colon at the end, no bracketed remark at the end
// ("单位主要事迹（不超过500字）" → "单位主要事迹").
func normLabel(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '\u3000' || r == '\u200b' || r == '\ufeff' || r == '*' {
			continue
		}
		b.WriteRune(r)
	}
	t := strings.TrimRight(b.String(), ":")
	if i := strings.LastIndex(t, "("); i > 0 && strings.HasSuffix(t, ")") {
		t = strings.TrimRight(t[:i], ":")
	}
	return t
}

// matchLabel reports whether a cell is the field's label; inline is the
// value written after a colon in the same cell ("推荐单位：丰台区代办处").
func matchLabel(cell string, fd Field) (ok bool, inline string) {
	n := normLabel(cell)
	if n == "" {
		return false, ""
	}
	for _, l := range append([]string{fd.Label}, fd.Aliases...) {
		nl := normLabel(l)
		if n == nl {
			return true, ""
		}
		for _, sep := range []string{":", "："} {
			if head, rest, found := strings.Cut(cell, sep); found && normLabel(head) == nl {
				return true, strings.TrimSpace(rest)
			}
		}
	}
	return false, ""
}

// findLabel finds the field's label in rows from..to-1.
func findLabel(rows [][]string, fd Field, from, to int) (r, c int, ok bool) {
	for r = max(from, 0); r < min(to, len(rows)); r++ {
		for c = range rows[r] {
			if hit, _ := matchLabel(rows[r][c], fd); hit {
				return r, c, true
			}
		}
	}
	return 0, 0, false
}

func cellName(r, c int) string {
	n, err := excelize.CoordinatesToCellName(c+1, r+1)
	if err != nil {
		return ""
	}
	return n
}

func (g *sheetGrid) read(x *excelize.File, def *Definition) *Filled {
	f := &Filled{Definition: def.ID, Year: def.Year, Sheet: g.name, Fields: map[string]Value{}}
	persons := def.Persons()
	hr, cols := g.tableHeader(persons)
	for _, s := range def.Sections {
		for _, fd := range s.Fields {
			f.Fields[fd.ID] = g.field(fd)
		}
	}
	if hr < 0 {
		return f
	}
	f.TableFound = true
	f.TableCell = cellName(hr, cols[persons.Columns[0].ID])
	end := g.tableEnd(def, hr)
	for r := hr + 1; r < end; r++ {
		p := Person{Row: r + 1, Values: map[string]Value{}}
		any := false
		for _, col := range persons.Columns {
			c, ok := cols[col.ID]
			if !ok {
				p.Values[col.ID] = Value{}
				continue
			}
			v := g.value(col, r, c)
			any = any || !v.Empty()
			p.Values[col.ID] = v
		}
		if any {
			f.Persons = append(f.Persons, p)
		}
	}
	return f
}

// tableHeader finds the person table's header row (one with the 姓名 and
// 出生年月 columns) and the column of each column id it has.
func (g *sheetGrid) tableHeader(s Section) (row int, cols map[string]int) {
	for r := range g.shown {
		cols = map[string]int{}
		for c, text := range g.shown[r] {
			for _, col := range s.Columns {
				if _, done := cols[col.ID]; done {
					continue
				}
				if ok, inline := matchLabel(text, col); ok && inline == "" {
					cols[col.ID] = c
					break
				}
			}
		}
		_, name := cols[ColName]
		_, birth := cols[ColBirth]
		if name && birth {
			return r, cols
		}
	}
	return -1, nil
}

// tableEnd is the first row after the header that holds a label of a
// field or the heading of a later section: the table's rows end there.
func (g *sheetGrid) tableEnd(def *Definition, header int) int {
	after := false
	var labels []Field
	for _, s := range def.Sections {
		if s.ID == SectionPersons {
			after = true
			continue
		}
		if !after {
			continue
		}
		if s.Label != "" {
			labels = append(labels, Field{Label: s.Label})
		}
		labels = append(labels, s.Fields...)
	}
	for r := header + 1; r < len(g.shown); r++ {
		for _, text := range g.shown[r] {
			for _, fd := range labels {
				if ok, _ := matchLabel(text, fd); ok {
					return r
				}
			}
		}
	}
	return len(g.shown)
}

// field reads a field: the cell right of its label (past the label's
// merge), or the text after a colon in the label's own cell.
func (g *sheetGrid) field(fd Field) Value {
	r, c, ok := findLabel(g.shown, fd, 0, len(g.shown))
	if !ok {
		return Value{}
	}
	if _, inline := matchLabel(g.shown[r][c], fd); inline != "" {
		v := g.value(fd, r, c)
		v.Text = inline
		v.Date, v.Number, v.IsNumber = parsedOf(fd, inline, inline, g.date1904)
		return v
	}
	vc := c + 1
	if end, merged := g.mergeEnd[[2]int{r, c}]; merged {
		vc = end + 1
	}
	return g.value(fd, r, vc)
}

// value reads the cell at r, c as the field's kind.
func (g *sheetGrid) value(fd Field, r, c int) Value {
	v := Value{Cell: cellName(r, c)}
	shown, raw := clean(g.at(g.shown, r, c)), clean(g.at(g.raw, r, c))
	if strings.Contains(strings.ToUpper(raw), "DISPIMG(") {
		v.Picture = true // a WPS picture in a cell
		return v
	}
	v.Text = shown
	if fd.Kind == KindSign {
		end := c
		if e, merged := g.mergeEnd[[2]int{r, c}]; merged {
			end = e
		}
		for _, p := range g.pictures {
			if p[0] >= r-1 && p[0] <= r+1 && p[1] >= c && p[1] <= end+1 {
				v.Picture = true
			}
		}
	}
	v.Date, v.Number, v.IsNumber = parsedOf(fd, raw, shown, g.date1904)
	return v
}

func parsedOf(fd Field, raw, shown string, date1904 bool) (d time.Time, n float64, isNum bool) {
	switch fd.Kind {
	case KindDate:
		d, _ = parseDay(raw, shown, date1904)
	case KindMonth:
		d, _ = parseMonth(raw, shown, date1904)
	case KindYears:
		n, isNum = parseYears(shown)
	}
	return d, n, isNum
}

// clean trims a cell's text: white space of every kind, NBSP, U+3000.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u3000' || r == '\u00a0'
	})
}
