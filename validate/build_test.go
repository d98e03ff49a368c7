package validate

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// layout describes a form built by hand in a test, the way agencies re-type
// or rearrange the official one.
type layout struct {
	sheet      string
	top, left  int  // 1-based row and column of the title
	idCol      bool // an indicator id column before 内容
	selfFirst  bool // 自评分 before 标准分
	vertical   bool // basic figures as a label row over a value row
	inline     bool // header and signature values typed after the colon
	text       bool // every number stored as text
	fullWidth  bool // numbers typed with full-width digits and units
	formulas   string
	merged     bool // label cells merged over two columns
	pictures   bool // seal and director signature as pictures
	year       int  // title year; 0: the form's
	noTitle    bool
	edit       bool   // small edits of every criteria text
	extraSheet string // a sheet before the form's
	blankRows  int    // empty rows between blocks
}

// built is a workbook and where the builder put each value.
type built struct {
	data   []byte
	scores map[string]string // indicator id → self cell
	caps   map[string]string
	fields map[string]string // field id → value cell
	total  string
	selfC  string
}

// tinyPNG is a generated 4×4 red square.
func tinyPNG(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		img.Set(i%4, i/4, color.NRGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func cellOf(c, r int) string {
	n, _ := excelize.CoordinatesToCellName(c, r)
	return n
}

// buildForm writes the form with the values v in the layout l.
func buildForm(t testing.TB, form *templates.Form, v sample.Values, l layout) built {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sh := l.sheet
	if sh == "" {
		sh = "Sheet1"
	}
	if l.extraSheet != "" {
		must(t, x.SetSheetName("Sheet1", l.extraSheet))
		_ = x.SetCellValue(l.extraSheet, "A1", "填表说明：请在自评分一栏填写分值")
		_ = x.SetCellValue(l.extraSheet, "B3", "考核单位")
		if _, err := x.NewSheet(sh); err != nil {
			t.Fatal(err)
		}
	} else if sh != "Sheet1" {
		must(t, x.SetSheetName("Sheet1", sh))
	}
	b := built{scores: map[string]string{}, caps: map[string]string{}, fields: map[string]string{}}
	pic := tinyPNG(t)
	top, L := max(l.top, 1), max(l.left, 1)
	row := top
	year := form.Year
	if l.year != 0 {
		year = l.year
	}
	if !l.noTitle {
		title := strings.Replace(form.Title, fmt.Sprint(form.Year), fmt.Sprint(year), 1)
		must(t, x.SetCellValue(sh, cellOf(L, row), title))
		must(t, x.MergeCell(sh, cellOf(L, row), cellOf(L+5, row)))
	}
	row += 1 + l.blankRows
	num := func(cell string, val any) {
		switch n := val.(type) {
		case int, float64:
			s := fmt.Sprint(n)
			switch {
			case l.fullWidth:
				must(t, x.SetCellStr(sh, cell, toFullWidth(s)))
			case l.text:
				must(t, x.SetCellStr(sh, cell, s))
			case l.formulas == "cached":
				must(t, x.SetCellValue(sh, cell, n))
				must(t, x.SetCellFormula(sh, cell, s+"*1"))
			case l.formulas == "nocache":
				must(t, x.SetCellFormula(sh, cell, "0+"+s))
			default:
				must(t, x.SetCellValue(sh, cell, n))
			}
		default:
			must(t, x.SetCellValue(sh, cell, val))
		}
	}
	// label writes a label, merged over two columns when asked, and returns
	// the column after it.
	label := func(c, r int, text string) int {
		must(t, x.SetCellValue(sh, cellOf(c, r), text))
		if l.merged {
			must(t, x.MergeCell(sh, cellOf(c, r), cellOf(c+1, r)))
			return c + 2
		}
		return c + 1
	}
	fieldVal := func(fd templates.Field) any {
		if val, ok := v.Fields[fd.ID]; ok {
			return val
		}
		switch {
		case fd.ID == "unit":
			return v.Unit
		case fd.ID == "date":
			return v.Date
		case fd.Kind == templates.KindSign:
			return v.SignatureText[fd.ID]
		}
		return nil
	}
	// pairs writes label/value pairs along a row.
	pairs := func(r int, fds []templates.Field) {
		c := L
		for _, fd := range fds {
			val := fieldVal(fd)
			if l.inline {
				text := fd.Label + "："
				if val != nil && !(fd.Kind == templates.KindSign && l.pictures && fd.ID != "filler_sign") {
					text += fmt.Sprint(val)
				}
				must(t, x.SetCellValue(sh, cellOf(c, r), text))
				b.fields[fd.ID] = cellOf(c, r)
				if fd.Kind == templates.KindSign && l.pictures && fd.ID != "filler_sign" {
					must(t, x.AddPictureFromBytes(sh, cellOf(c+1, r), &excelize.Picture{Extension: ".png", File: pic, Format: &excelize.GraphicOptions{}}))
					b.fields[fd.ID] = cellOf(c+1, r)
				}
				c += 3
				continue
			}
			c = label(c, r, fd.Label+"：")
			b.fields[fd.ID] = cellOf(c, r)
			if fd.Kind == templates.KindSign && l.pictures && fd.ID != "filler_sign" {
				must(t, x.AddPictureFromBytes(sh, cellOf(c, r), &excelize.Picture{Extension: ".png", File: pic, Format: &excelize.GraphicOptions{}}))
			} else if val != nil {
				num(cellOf(c, r), val)
			}
			c += 2
		}
	}
	pairs(row, form.FieldsIn("header"))
	row += 2 + l.blankRows
	must(t, x.SetCellValue(sh, cellOf(L, row), form.BasicLabel))
	row++
	for _, g := range form.Groups {
		fds := form.FieldsIn(g.ID)
		if g.Label == "" || len(fds) == 0 {
			continue
		}
		must(t, x.SetCellValue(sh, cellOf(L, row), g.Label))
		if l.vertical {
			must(t, x.MergeCell(sh, cellOf(L, row), cellOf(L, row+1)))
			for i, fd := range fds {
				must(t, x.SetCellValue(sh, cellOf(L+1+i, row), fmt.Sprintf("%s（%s）", fd.Label, fd.Unit)))
				b.fields[fd.ID] = cellOf(L+1+i, row+1)
				if val := fieldVal(fd); val != nil {
					num(cellOf(L+1+i, row+1), val)
				}
			}
			row += 2
			continue
		}
		for i := 0; i < len(fds); i += 3 {
			c := L + 1
			for _, fd := range fds[i:min(i+3, len(fds))] {
				c = label(c, row, fd.Label)
				b.fields[fd.ID] = cellOf(c, row)
				if val := fieldVal(fd); val != nil {
					num(cellOf(c, row), val)
				}
				must(t, x.SetCellValue(sh, cellOf(c+1, row), fd.Unit))
				c += 2
			}
			row++
		}
	}
	row += l.blankRows
	// The indicator table.
	c := L
	if l.idCol {
		must(t, x.SetCellValue(sh, cellOf(c, row), "序号"))
		c++
	}
	secC, critC, depC := c, c+1, c+2
	capC, selfC := c+3, c+4
	if l.selfFirst {
		capC, selfC = selfC, capC
	}
	for col, text := range map[int]string{secC: form.Columns.Section, critC: form.Columns.Criteria, depC: form.Columns.Department,
		capC: " 标 准\n分 ", selfC: "自评分\n（分）"} {
		must(t, x.SetCellValue(sh, cellOf(col, row), text))
	}
	b.selfC, _ = excelize.ColumnNumberToName(selfC)
	row++
	first := row
	for _, s := range form.Sections {
		must(t, x.SetCellValue(sh, cellOf(secC, row), s.Name))
		if len(s.Indicators) > 1 {
			must(t, x.MergeCell(sh, cellOf(secC, row), cellOf(secC, row+len(s.Indicators)-1)))
		}
		for _, ind := range s.Indicators {
			if l.idCol {
				must(t, x.SetCellValue(sh, cellOf(L, row), ind.ID))
			}
			crit := ind.Criteria
			if l.edit {
				crit = editCriteria(crit)
			}
			must(t, x.SetCellValue(sh, cellOf(critC, row), crit))
			must(t, x.SetCellValue(sh, cellOf(depC, row), strings.Join(ind.Departments, "、")))
			num(cellOf(capC, row), ind.Cap)
			b.caps[ind.ID], b.scores[ind.ID] = cellOf(capC, row), cellOf(selfC, row)
			if s, ok := v.Scores[ind.ID]; ok {
				num(cellOf(selfC, row), s)
			}
			row++
		}
	}
	must(t, x.SetCellValue(sh, cellOf(secC, row), form.TotalLabel))
	num(cellOf(capC, row), form.TotalCap)
	b.total = cellOf(selfC, row)
	col, _ := excelize.ColumnNumberToName(selfC)
	sum := fmt.Sprintf("SUM(%s%d:%s%d)", col, first, col, row-1)
	switch {
	case v.Total != nil:
		num(b.total, v.Total)
	case l.formulas == "nocache":
		must(t, x.SetCellFormula(sh, b.total, sum))
	default:
		must(t, x.SetCellValue(sh, b.total, v.SelfTotal()))
		must(t, x.SetCellFormula(sh, b.total, sum))
	}
	row += 2 + l.blankRows
	must(t, x.SetCellValue(sh, cellOf(L, row), form.Note))
	row += 2
	pairs(row, form.FieldsIn("signature"))
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	b.data = buf.Bytes()
	return b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// toFullWidth turns ASCII digits, '.', '-' and '%' full-width and adds a
// trailing 分 to plain numbers, as some clerks type.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '!' && r <= '~' {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return " " + b.String() + "\u3000"
}

// editCriteria makes the small changes a re-typing clerk makes: half-width
// punctuation, a dropped character, extra spaces and a line break.
func editCriteria(s string) string {
	s = strings.ReplaceAll(s, "，", ",")
	s = strings.ReplaceAll(s, "。", ".")
	r := []rune(s)
	if len(r) > 20 {
		r = append(r[:10:10], r[11:]...)
		r = append(r[:15:15], append([]rune(" \n "), r[15:]...)...)
	}
	return "  " + string(r)
}
