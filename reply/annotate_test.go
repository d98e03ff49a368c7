package reply

import (
	"bytes"
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

// checkAnnotated reopens an annotated workbook and checks the 核定分
// column, the comments and the fills of testReport's findings.
func checkAnnotated(t *testing.T, data []byte, col string, verified map[string]float64) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reopen annotated: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue(formSheet, col+"5"); v != "核定分" {
		t.Errorf("%s5 = %q, want 核定分", col, v)
	}
	for cell, want := range verified {
		v, _ := f.GetCellValue(formSheet, cell)
		if v != num(want) {
			t.Errorf("%s = %q, want %v", cell, v, want)
		}
	}
	cmts, err := f.GetComments(formSheet)
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
	for cell, want := range map[string]string{"E7": "超过标准分", "E8": "自评分为空", "E9": "不是本项可得的分数", "B12": "填报人签字为空", "E10": "总分值写的是", "E6": "已按 4 分读取"} {
		if !strings.Contains(byCell[cell], want) {
			t.Errorf("comment on %s = %q, want it to contain %q", cell, byCell[cell], want)
		}
	}
	for cell, want := range map[string]string{"E7": fillError, "E8": fillError, "B12": fillError, "E10": fillWarning, "E6": "", "D7": ""} {
		if got := fillOf(t, f, cell); got != want {
			t.Errorf("fill of %s = %q, want %q", cell, got, want)
		}
	}
	// 核定分 cells are green; changed scores are red and bold.
	for _, tc := range []struct {
		cell    string
		changed bool
	}{{col + "6", false}, {col + "7", true}, {col + "8", true}} {
		if got := fillOf(t, f, tc.cell); got != fillVerified {
			t.Errorf("fill of %s = %q, want %q", tc.cell, got, fillVerified)
		}
		id, _ := f.GetCellStyle(formSheet, tc.cell)
		st, _ := f.GetStyle(id)
		bold := st.Font != nil && st.Font.Bold && strings.HasSuffix(strings.ToUpper(st.Font.Color), fontChanged)
		if bold != tc.changed {
			t.Errorf("%s red bold = %v, want %v", tc.cell, bold, tc.changed)
		}
	}
	// The header's bold survived the fill of nothing, and the criteria text is intact.
	if v, _ := f.GetCellValue(formSheet, "D7"); v != "3" {
		t.Errorf("D7 = %q, want the cap 3 untouched", v)
	}
}

func fillOf(t *testing.T, f *excelize.File, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(formSheet, cell)
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

func TestAnnotateFreeColumn(t *testing.T) {
	t.Parallel()
	out, err := Annotate(testWorkbook(t, false), testReport(), templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	checkAnnotated(t, out, "F", map[string]float64{"F6": 4, "F7": 3, "F8": 0, "F9": 3, "F10": 10})
	again, err := Annotate(testWorkbook(t, false), testReport(), templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Error("Annotate is not deterministic")
	}
}

func TestAnnotateInsertsColumn(t *testing.T) {
	t.Parallel()
	rep := testReport()
	out, err := Annotate(testWorkbook(t, true), rep, templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	checkAnnotated(t, out, "F", map[string]float64{"F6": 4, "F7": 3, "F8": 0, "F9": 3, "F10": 10})
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue(formSheet, "G7"); v != "已参加培训两次" {
		t.Errorf("G7 = %q: the agency's remark did not move right", v)
	}
}

func TestAnnotateUntrustedText(t *testing.T) {
	t.Parallel()
	rep := testReport()
	rep.Findings[0].Message = "=HYPERLINK(\"http://evil\")\x00\x07"
	out, err := Annotate(testWorkbook(t, false), rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, cell := range []string{"E10", "F5", "F7"} {
		if fm, _ := f.GetCellFormula(formSheet, cell); fm != "" {
			t.Errorf("%s has formula %q", cell, fm)
		}
	}
	if _, err := Annotate(testWorkbook(t, false), noSubmission(), nil); err == nil {
		t.Error("Annotate accepted a report without submission")
	}
}

func noSubmission() *assess.Report {
	r := testReport()
	r.Submission = nil
	return r
}

func TestAnnotateCommentNamesItem(t *testing.T) {
	t.Parallel()
	out, err := Annotate(testWorkbook(t, false), testReport(), templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmts, _ := f.GetComments(formSheet)
	want := map[string]string{"E7": "【错误】指标 1.2（按时参加", "B12": "【错误】填报人签字：", "E10": "【提醒】总分值写的是"}
	for _, c := range cmts {
		if w, ok := want[c.Cell]; ok {
			if !strings.Contains(commentText(c), w) {
				t.Errorf("comment on %s = %q, want %q", c.Cell, commentText(c), w)
			}
			delete(want, c.Cell)
		}
	}
	if len(want) != 0 {
		t.Errorf("comments missing on %v", want)
	}
}

func TestAnnotateBadInput(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{
		"garbage":   []byte("not a zip at all"),
		"empty":     nil,
		"truncated": testWorkbook(t, false)[:300],
	} {
		if _, err := Annotate(data, testReport(), nil); err == nil {
			t.Errorf("%s: Annotate succeeded", name)
		}
	}
	rep := testReport()
	rep.Submission.Sheet = "没有这张表"
	if _, err := Annotate(testWorkbook(t, false), rep, nil); err == nil {
		t.Error("missing sheet: Annotate succeeded")
	}
}

// On the official form the 核定分 column is printed too: the print area
// grows by the new column.
func TestAnnotateOfficialFormPrintArea(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	if err != nil {
		t.Fatal(err)
	}
	rep := assess.Check(data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	out, err := Annotate(data, rep, form)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var area string
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" {
			area = dn.RefersTo
		}
	}
	if !strings.Contains(area, ":$F$") {
		t.Errorf("print area %q does not reach the 核定分 column F", area)
	}
	if v, _ := f.GetCellValue(rep.Submission.Sheet, "F"+strconv.Itoa(rep.Submission.HeaderRow)); v != "核定分" {
		t.Errorf("F header = %q", v)
	}
}
