package annotate

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// spoiled is a district form with errors: 1.4 above its cap, 1.2 blank,
// the 填报人 unsigned, a full-width score, and a written total that is not
// the sum.
func spoiled() sample.Values {
	return sample.Good("朝阳区代办处", true).
		With(sample.SetScore("1.4", 9)).
		With(sample.ClearScore("1.2")).
		With(sample.ClearField("filler_sign")).
		With(sample.SetScore("2.1", "３分")).
		With(func(v *sample.Values) { v.Total = 77 })
}

// check reads a workbook as the daemon does.
func check(t testing.TB, data []byte) *assess.Report {
	t.Helper()
	form := templates.MustLoad(2021)
	rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	if rep.Submission == nil {
		t.Fatalf("form not read: %+v", rep.Findings)
	}
	return rep
}

func openCopy(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reopen annotated copy: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func fillOf(t *testing.T, f *excelize.File, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(templates.SheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Fill.Pattern != 1 || len(st.Fill.Color) == 0 {
		return ""
	}
	c := strings.ToUpper(st.Fill.Color[0])
	return c[max(0, len(c)-6):]
}

func commentsOf(t *testing.T, f *excelize.File) map[string]string {
	t.Helper()
	cmts, err := f.GetComments(templates.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]string{}
	for _, c := range cmts {
		if c.Author != commentAuthor {
			t.Errorf("comment on %s by %q", c.Cell, c.Author)
		}
		byCell[c.Cell] = commentText(c)
	}
	return byCell
}

func redBold(t *testing.T, f *excelize.File, cell string) bool {
	t.Helper()
	id, _ := f.GetCellStyle(templates.SheetName, cell)
	st, _ := f.GetStyle(id)
	return st != nil && st.Font != nil && st.Font.Bold && strings.HasSuffix(strings.ToUpper(st.Font.Color), fontChanged)
}

// noFormulas fails for any formula left on the sheet.
func noFormulas(t *testing.T, f *excelize.File, sheet string) {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for r := range len(rows) + 2 {
		for c := range 12 {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
				t.Errorf("%s!%s has formula %q", sheet, cell, fm)
			}
		}
	}
}

func TestAnnotateOfficialForm(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	l := Layout(form)
	data, err := sample.Workbook(form, spoiled())
	if err != nil {
		t.Fatal(err)
	}
	rep := check(t, data)
	out, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	f := openCopy(t, out)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != templates.SheetName {
		t.Errorf("sheets %v, want only %s", got, templates.SheetName)
	}
	value := func(cell string) string {
		v, _ := f.GetCellValue(templates.SheetName, cell)
		return v
	}
	// The values read, at the official cells.
	for cell, want := range map[string]string{
		l.Fields["unit"]: "朝阳区代办处", l.Scores["1.4"]: "9", l.Scores["1.2"]: "", l.Scores["2.1"]: "3",
		l.TotalSelfCell: "77", l.Fields["filler_sign"]: "",
	} {
		if got := value(cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if got := value(l.Fields["date"]); !strings.HasPrefix(got, "2021-12-") {
		t.Errorf("填报日期 = %q, want a date of December 2021", got)
	}
	// Fills: red errors, orange warning, the untouched and noted cells
	// plain (white, so that no input cell looks like a finding).
	for cell, want := range map[string]string{
		l.Scores["1.4"]: fillError, l.Scores["1.2"]: fillError, l.Fields["filler_sign"]: fillError,
		l.TotalSelfCell: fillWarning, l.Scores["2.1"]: "", l.Scores["1.1"]: "", l.Caps["1.4"]: "",
	} {
		if got := fillOf(t, f, cell); got != want {
			t.Errorf("fill of %s = %q, want %q", cell, got, want)
		}
	}
	// Comments: the message, the item, and the agency's own cell (here the
	// agency used the blank form, whose cells lie above the copy's).
	cmts := commentsOf(t, f)
	blank := templates.BlankLayout(form)
	for cell, wants := range map[string][]string{
		l.Scores["1.4"]:         {"【错误】指标 1.4（", "超过标准分", "您发来的表中的单元格：" + blank.Scores["1.4"]},
		l.Scores["1.2"]:         {"自评分", "您发来的表中的单元格：" + blank.Scores["1.2"]},
		l.Fields["filler_sign"]: {"【错误】填报人签字："},
		l.TotalSelfCell:         {"【提醒】总分值写的是 77"},
		l.Scores["2.1"]:         {"【说明】", "按 3 分读取"},
	} {
		for _, w := range wants {
			if !strings.Contains(cmts[cell], w) {
				t.Errorf("comment on %s = %q, want it to contain %q", cell, cmts[cell], w)
			}
		}
	}
	// The 核定分 column: header, verified scores, green, red bold where changed.
	v := l.VerifiedCol
	if got := value(fmt.Sprintf("%s%d", v, l.HeaderRow)); got != verifiedLabel {
		t.Errorf("%s%d = %q, want %s", v, l.HeaderRow, got, verifiedLabel)
	}
	for _, ir := range rep.Indicators {
		cell := fmt.Sprintf("%s%d", v, l.Rows[ir.ID])
		if got := value(cell); got != num(ir.Verified) {
			t.Errorf("核定分 of %s at %s = %q, want %v", ir.ID, cell, got, ir.Verified)
		}
		if got := fillOf(t, f, cell); got != fillVerified {
			t.Errorf("fill of %s = %q", cell, got)
		}
	}
	for id, changed := range map[string]bool{"1.4": true, "1.2": true, "1.1": false} {
		cell := fmt.Sprintf("%s%d", v, l.Rows[id])
		if got := redBold(t, f, cell); got != changed {
			t.Errorf("%s red bold = %v, want %v", cell, got, changed)
		}
	}
	if got := value(fmt.Sprintf("%s%d", v, l.TotalRow)); got != num(rep.VerifiedTotal) {
		t.Errorf("verified total = %q, want %v", got, rep.VerifiedTotal)
	}
	// The printed page takes the new column in.
	var area string
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" {
			area = dn.RefersTo
		}
	}
	if !strings.Contains(area, ":$"+v+"$") {
		t.Errorf("print area %q does not reach the 核定分 column %s", area, v)
	}
	noFormulas(t, f, templates.SheetName)
	again, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Error("Annotate is not deterministic")
	}
}

// moved is the spoiled form as an agency reshaped it: two rows of its own
// above, a column of its own on the left, a remark right of 自评分 and the
// sheet renamed.
func moved(t testing.TB) []byte {
	t.Helper()
	x, err := templates.BuildBlank(templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := sample.Fill(x, templates.MustLoad(2021), spoiled()); err != nil {
		t.Fatal(err)
	}
	sh := templates.SheetName
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetCellStr(sh, "F21", "已参加培训两次"))
	must(x.InsertRows(sh, 1, 2))
	must(x.InsertCols(sh, "A", 1))
	must(x.SetCellStr(sh, "A1", "朝阳区代办处内部编号 2021-17"))
	must(x.SetSheetName(sh, "自评表"))
	buf, err := x.WriteToBuffer()
	must(err)
	return buf.Bytes()
}

// A form in the agency's own layout comes back in the official one; each
// comment names the agency's own cell, which the receipt lists too.
func TestAnnotateMovedLayout(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	l := Layout(form)
	rep := check(t, moved(t))
	sub := rep.Submission
	theirs := sub.Scores["1.4"].Cell
	if sub.Sheet != "自评表" || theirs == templates.BlankLayout(form).Scores["1.4"] {
		t.Fatalf("layout not moved: sheet %q, 1.4 at %s", sub.Sheet, theirs)
	}
	out, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	f := openCopy(t, out)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != templates.SheetName {
		t.Errorf("sheets %v, want only %s", got, templates.SheetName)
	}
	if got := fillOf(t, f, l.Scores["1.4"]); got != fillError {
		t.Errorf("official 1.4 cell %s fill %q, want red", l.Scores["1.4"], got)
	}
	cmts := commentsOf(t, f)
	if c := cmts[l.Scores["1.4"]]; !strings.Contains(c, "超过标准分") || !strings.Contains(c, "您发来的表中的单元格："+theirs) {
		t.Errorf("comment on %s = %q, want the finding and their cell %s", l.Scores["1.4"], c, theirs)
	}
	if c := cmts[l.TotalSelfCell]; !strings.Contains(c, sub.TotalCell) {
		t.Errorf("total comment %q does not name their total cell %s", c, sub.TotalCell)
	}
	if v, _ := f.GetCellValue(templates.SheetName, l.Scores["1.4"]); v != "9" {
		t.Errorf("1.4 = %q at the official cell", v)
	}
	for _, cell := range []string{"A1", "G23", "H23"} {
		if v, _ := f.GetCellValue(templates.SheetName, cell); strings.Contains(v, "朝阳区代办处内部") || strings.Contains(v, "培训两次") {
			t.Errorf("%s = %q: the agency's own cells came along", cell, v)
		}
	}
	// The receipt lists the same cell as the comment.
	found := false
	for _, fd := range rep.Findings {
		if fd.Indicator == "1.4" && fd.Cell == theirs {
			found = true
		}
	}
	if !found {
		t.Errorf("no finding on 1.4 names %s: %+v", theirs, rep.Findings)
	}
}

// Text read from the sheet is written as defused text, never as a formula;
// a message's control characters are dropped.
func TestAnnotateUntrustedText(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	l := Layout(form)
	rep := check(t, mustWorkbook(t, spoiled()))
	sub := *rep.Submission
	sub.Fields = map[string]validate.FieldValue{}
	for k, v := range rep.Submission.Fields {
		sub.Fields[k] = v
	}
	sub.Scores = map[string]validate.ScoreCell{}
	for k, v := range rep.Submission.Scores {
		sub.Scores[k] = v
	}
	unit := sub.Fields["unit"]
	unit.Raw = `=HYPERLINK("http://evil.example/login","点此解冻")`
	sub.Fields["unit"] = unit
	sc := sub.Scores["1.1"]
	sc.Raw, sc.IsNumber = "=cmd|' /C calc'!A0\x00\x07", false
	sub.Scores["1.1"] = sc
	rep.Submission = &sub
	rep.Findings = append(rep.Findings, validate.Finding{Code: validate.CodeNotANumber, Severity: validate.SeverityError,
		Cell: sc.Cell, Indicator: "1.1", Message: "=HYPERLINK(\"http://evil\")\x00\x07"})
	out, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	f := openCopy(t, out)
	noFormulas(t, f, templates.SheetName)
	if v, _ := f.GetCellValue(templates.SheetName, l.Fields["unit"]); !strings.HasPrefix(v, "=HYPERLINK(") || strings.Contains(v, "http://") {
		t.Errorf("unit = %q, want the text, its link defused", v)
	}
	if v, _ := f.GetCellValue(templates.SheetName, l.Scores["1.1"]); v != "=cmd|' /C calc'!A0" {
		t.Errorf("1.1 = %q", v)
	}
	if typ, _ := f.GetCellType(templates.SheetName, l.Scores["1.1"]); typ == excelize.CellTypeFormula {
		t.Error("1.1 written as a formula")
	}
	if c := commentsOf(t, f)[l.Scores["1.1"]]; strings.ContainsAny(c, "\x00\x07") {
		t.Errorf("comment keeps control characters: %q", c)
	}
}

func mustWorkbook(t testing.TB, v sample.Values) []byte {
	t.Helper()
	data, err := sample.Workbook(templates.MustLoad(2021), v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A seal that was a picture is not copied; its cell says so.
func TestAnnotatePictureSeal(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	l := Layout(form)
	v := spoiled().With(func(v *sample.Values) {
		delete(v.SignatureText, "seal")
		v.SignaturePicture = map[string]bool{"seal": true}
	})
	rep := check(t, mustWorkbook(t, v))
	if !rep.Submission.Fields["seal"].Picture {
		t.Fatal("the seal picture was not read")
	}
	out, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	f := openCopy(t, out)
	if pics, err := f.GetPictures(templates.SheetName, l.Fields["seal"]); err != nil || len(pics) != 0 {
		t.Errorf("pictures in the copy: %d, %v", len(pics), err)
	}
	if c := commentsOf(t, f)[l.Fields["seal"]]; !strings.Contains(c, pictureNote) {
		t.Errorf("seal comment = %q", c)
	}
	if got := fillOf(t, f, l.Fields["seal"]); got != "" {
		t.Errorf("seal fill %q: a picture is no error", got)
	}
}

// A report whose findings name cells that were never read (a hand-made
// report, a form whose rows were not found) still marks each on the
// official cell of its indicator or field.
func TestAnnotateUnlocatedFindings(t *testing.T) {
	t.Parallel()
	out, err := Copy(testReport(), templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	checkAnnotated(t, out)
}

// checkAnnotated checks the annotated copy of testReport.
func checkAnnotated(t *testing.T, out []byte) {
	t.Helper()
	l := Layout(templates.MustLoad(2021))
	f := openCopy(t, out)
	cmts := commentsOf(t, f)
	for cell, want := range map[string]string{
		l.Scores["1.2"]: "您发来的表中的单元格：E7", l.Fields["filler_sign"]: "填报人签字为空", l.TotalSelfCell: "总分值写的是",
	} {
		if !strings.Contains(cmts[cell], want) {
			t.Errorf("comment on %s = %q, want %q", cell, cmts[cell], want)
		}
	}
	if got := fillOf(t, f, l.Scores["1.2"]); got != fillError {
		t.Errorf("1.2 fill %q", got)
	}
	if v, _ := f.GetCellValue(templates.SheetName, l.VerifiedCol+strconv.Itoa(l.Rows["1.2"])); v != "3" {
		t.Errorf("核定分 of 1.2 = %q", v)
	}
}

func TestAnnotateBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Copy(nil, nil); err == nil {
		t.Error("Annotate accepted no report")
	}
	rep := testReport()
	rep.Submission = nil
	if _, err := Copy(rep, nil); err == nil {
		t.Error("Annotate accepted a report without submission")
	}
	rep = testReport()
	rep.Submission.Year = 1999
	if _, err := Copy(rep, nil); err == nil {
		t.Error("Annotate accepted a year without form")
	}
	rep.Submission.Year = 2021
	if _, err := Copy(rep, nil); err != nil {
		t.Errorf("nil form: %v", err)
	}
	// Findings and values no form cell can hold are left out, not fatal.
	rep = testReport()
	rep.Findings = append(rep.Findings,
		validate.Finding{Code: validate.CodeIndicatorNotFound, Severity: validate.SeverityError, Indicator: "9.9", Cell: "XFE1048577", Message: "x"},
		validate.Finding{Code: validate.CodeMissingField, Severity: validate.SeverityError, Field: "nope", Cell: "$A$1:$B$2", Message: "y"},
		validate.Finding{Code: validate.CodeFormulaError, Severity: validate.SeverityError, Cell: "not a cell", Message: "z"})
	rep.Submission.Fields = map[string]validate.FieldValue{"unit": {ID: "unit", Cell: "B3", Raw: strings.Repeat("长", 100000), Present: true}}
	out, err := Copy(rep, templates.MustLoad(2021))
	if err != nil {
		t.Fatalf("odd findings: %v", err)
	}
	l := Layout(templates.MustLoad(2021))
	if v, _ := openCopy(t, out).GetCellValue(templates.SheetName, l.Fields["unit"]); len([]rune(v)) > maxCellRunes+1 {
		t.Errorf("a %d-rune value was copied whole", len([]rune(v)))
	}
}

func TestRGB(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"FFC7CE": "FFC7CE", "#ffc7ce": "FFC7CE", "FFFFC7CE": "FFC7CE", "00000000": "000000",
		"FF00000000": "000000", "": "", "red": "", "GGGGGG": "", "12345": "",
	} {
		if got := rgb(in); got != want {
			t.Errorf("rgb(%q) = %q, want %q", in, got, want)
		}
	}
	st := &excelize.Style{
		Fill:   excelize.Fill{Color: []string{"00FFC7CE"}},
		Border: []excelize.Border{{Color: "00000000"}},
		Font:   &excelize.Font{Color: "FF00000000"},
	}
	normalizeColors(st)
	if st.Fill.Color[0] != "FFC7CE" || st.Border[0].Color != "000000" || st.Font.Color != "000000" {
		t.Errorf("normalised style: fill %v, border %q, font %q", st.Fill.Color, st.Border[0].Color, st.Font.Color)
	}
}
