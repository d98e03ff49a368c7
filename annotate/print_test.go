package annotate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/internal/display"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// spoiledCopy is the annotated copy of the spoiled form, with its report.
func spoiledCopy(t *testing.T) (*excelize.File, *assess.Report, []byte) {
	t.Helper()
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, spoiled())
	if err != nil {
		t.Fatal(err)
	}
	rep := check(t, data)
	out, err := Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	return openCopy(t, out), rep, out
}

func printArea(f *excelize.File) string {
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" {
			return dn.RefersTo
		}
	}
	return ""
}

// Input cells, errors, warnings and verified scores cannot be taken for
// one another, and the legend under the title shows each colour as the
// cells have it.
func TestAnnotateColourKey(t *testing.T) {
	t.Parallel()
	f, _, _ := spoiledCopy(t)
	l := Layout(templates.MustLoad(2021))
	input, errFill, warn := fillOf(t, f, l.Scores["1.1"]), fillOf(t, f, l.Scores["1.4"]), fillOf(t, f, l.TotalSelfCell)
	verified := fillOf(t, f, fmt.Sprintf("%s%d", l.VerifiedCol, l.Rows["1.1"]))
	seen := map[string]string{}
	for name, c := range map[string]string{"input": input, "error": errFill, "warning": warn, "verified": verified} {
		if other, dup := seen[c]; dup {
			t.Errorf("%s and %s cells share fill %q", name, other, c)
		}
		seen[c] = name
	}
	if input != "" {
		t.Errorf("input cell filled %q, want white", input)
	}
	if len(l.LegendCells) != 3 {
		t.Fatalf("legend cells %v", l.LegendCells)
	}
	for i, want := range []string{errFill, warn, verified} {
		if got := fillOf(t, f, l.LegendCells[i]); got != want {
			t.Errorf("legend sample %s filled %q, want %q as the cells it explains", l.LegendCells[i], got, want)
		}
		_, row, _ := excelize.CellNameToCoordinates(l.LegendCells[i])
		text, _ := f.GetCellValue(templates.SheetName, fmt.Sprintf("B%d", row))
		colour := string([]rune(text)[:2])
		if !strings.HasSuffix(colour, "色") || !strings.Contains(ColourKey, colour) {
			t.Errorf("legend %q names a colour the receipt's key (%q) does not", text, ColourKey)
		}
		if row >= l.HeaderRow {
			t.Errorf("legend row %d is not above the table (row %d)", row, l.HeaderRow)
		}
	}
	if !redBold(t, f, l.LegendCells[2]) {
		t.Error("the 核定分 sample is not red and bold like a changed score")
	}
	if area := printArea(f); !strings.HasPrefix(area, "'"+templates.SheetName+"'!$A$1:") {
		t.Errorf("print area %q does not start at the title and legend", area)
	}
}

// notesOf reads the 核对说明 block: the rows under the form whose first
// cell is a severity, keyed by the copy's cell.
func notesOf(t *testing.T, f *excelize.File) (title int, rows [][]string) {
	t.Helper()
	all, err := f.GetRows(templates.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range all {
		if len(r) > 0 && strings.HasPrefix(r[0], "核对说明") {
			title = i + 1
			continue
		}
		if title > 0 && i+1 > title+1 && len(r) > 0 {
			rows = append(rows, append(r, make([]string, 4)...)[:4])
		}
	}
	return title, rows
}

// Comments do not print: every finding is listed again under the form,
// with its kind in the colour of its cell, the copy's cell and the
// agency's own, inside the print area.
func TestAnnotateNotesBlock(t *testing.T) {
	t.Parallel()
	f, rep, _ := spoiledCopy(t)
	l := Layout(templates.MustLoad(2021))
	title, rows := notesOf(t, f)
	if title <= l.FormLastRow {
		t.Fatalf("核对说明 at row %d, not under the form (row %d)", title, l.FormLastRow)
	}
	if len(rows) != len(rep.Findings) {
		t.Errorf("%d note rows for %d findings: %q", len(rows), len(rep.Findings), rows)
	}
	official := map[string]string{}
	for id, c := range l.Scores {
		official[templates.BlankLayout(templates.MustLoad(2021)).Scores[id]] = c
	}
	for _, fd := range rep.Findings {
		want := official[fd.Cell]
		if fd.Code == validate.CodeTotalMismatch {
			want = l.TotalSelfCell
		}
		if fd.Field != "" {
			want = l.Fields[fd.Field]
		}
		found := false
		for _, r := range rows {
			if r[0] == fd.Severity.Label() && r[2] == want && r[3] == fd.Cell &&
				strings.Contains(r[1], string([]rune(display.StripCellPrefix(fd.Message, fd.Cell))[:6])) {
				found = true
			}
		}
		if !found {
			t.Errorf("no note for %s at %s (their %s): %q", fd.Code, want, fd.Cell, rows)
		}
	}
	for i, r := range rows {
		row := title + 2 + i
		if got, want := fillOf(t, f, fmt.Sprintf("A%d", row)), severityMark(validate.Severity(kindSeverity(r[0]))).Fill; got != want {
			t.Errorf("kind cell A%d (%s) filled %q, want %q", row, r[0], got, want)
		}
	}
	last := title + 1 + len(rows)
	if area := printArea(f); !strings.HasSuffix(area, fmt.Sprintf(":$F$%d", last)) {
		t.Errorf("print area %q does not end with the notes at F%d", area, last)
	}
	// Sheet order: a row of the copy never comes after a lower one.
	prev := 0
	for _, r := range rows {
		_, row, err := excelize.CellNameToCoordinates(r[2])
		if err != nil {
			continue
		}
		if row < prev {
			t.Errorf("note on %s listed after row %d", r[2], prev)
		}
		prev = row
	}
}

func kindSeverity(label string) validate.Severity {
	for _, s := range []validate.Severity{validate.SeverityError, validate.SeverityWarning, validate.SeverityInfo} {
		if s.Label() == label {
			return s
		}
	}
	return ""
}

// A finding the copy has no cell for (one on another sheet) is still
// printed, with the sheet and cell it names.
func TestAnnotateNotesListLooseFindings(t *testing.T) {
	t.Parallel()
	rep := testReport()
	rep.Findings = append(rep.Findings, validate.Finding{Code: validate.CodeFormulaError, Severity: validate.SeverityError,
		Sheet: "附表", Cell: "C3", Message: "C3：公式出错（#REF!），请改为数值。"})
	out, err := Copy(rep, templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	_, rows := notesOf(t, openCopy(t, out))
	last := rows[len(rows)-1]
	if last[0] != "错误" || last[2] != "—" || last[3] != "附表!C3" || !strings.Contains(last[1], "公式出错") {
		t.Errorf("last note %q, want the finding on 附表!C3", last)
	}
}

// An agency may correct the copy itself and send it back: the legend and
// the notes do not disturb reading it, and the values read are the ones
// the copy shows.
func TestAnnotatedCopyReadsBack(t *testing.T) {
	t.Parallel()
	_, rep, out := spoiledCopy(t)
	form := templates.MustLoad(2021)
	again, _ := assess.Check(context.Background(), out, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	if again.Submission == nil {
		t.Fatalf("copy not read back: %+v", again.Findings)
	}
	for _, ind := range form.Indicators() {
		was, now := rep.Submission.Scores[ind.ID], again.Submission.Scores[ind.ID]
		// A score read as a number ("３分" as 3) is written as that number.
		if was.Value != now.Value || (was.Raw == "") != (now.Raw == "") {
			t.Errorf("%s read back as %q (%v), was %q (%v)", ind.ID, now.Raw, now.Value, was.Raw, was.Value)
		}
	}
	if again.Submission.Fields["unit"].Raw != "朝阳区代办处" {
		t.Errorf("unit read back as %q", again.Submission.Fields["unit"].Raw)
	}
	if again.SelfTotal != rep.SelfTotal {
		t.Errorf("self total %v, was %v", again.SelfTotal, rep.SelfTotal)
	}
}

// A note names its item once: "指标 3.2（…）：自评分 0 …", not
// "指标 3.2（…）：指标3.2：自评分 0 …".
func TestStripItemPrefix(t *testing.T) {
	t.Parallel()
	fd := validate.Finding{Indicator: "3.2"}
	for msg, want := range map[string]string{
		"指标3.2：自评分 0 与基本情况不符": "自评分 0 与基本情况不符",
		"指标 3.2：自评分 0":        "自评分 0",
		"指标3.3：自评分 0":         "指标3.3：自评分 0",
		"自评分为空":               "自评分为空",
	} {
		if got := stripItemPrefix(msg, fd); got != want {
			t.Errorf("stripItemPrefix(%q) = %q, want %q", msg, got, want)
		}
	}
	if got := stripItemPrefix("指标3.2：x", validate.Finding{}); got != "指标3.2：x" {
		t.Errorf("a finding without indicator lost %q", got)
	}
}
