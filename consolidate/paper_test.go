package consolidate

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst.Location()) }

// paperCell is the 纸质版收到 cell of agency on 汇总.
func paperCell(t *testing.T, f *excelize.File, agency string) string {
	t.Helper()
	rows := sheetRows(t, f, SheetSummary)
	cell, _ := excelize.CoordinatesToCellName(col(t, rows[0], colPaper)+1, rowsByName(rows, 1)[agency])
	return cell
}

// TestPaperImportForms: every way Excel, WPS and LibreOffice hold a day
// typed into 纸质版收到, and 是, is read; the column's tip is there.
func TestPaperImportForms(t *testing.T) {
	fx := newFixture(20, 0)
	f, _, _ := build(t, fx.in)
	// LibreOffice saves a typed 2022/1/5 as a date cell of its own
	// format; Excel and WPS as the built-in short date (14) or 年月日.
	lo, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("YYYY/M/D")})
	if err != nil {
		t.Fatal(err)
	}
	cn, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr(`[$-804]yyyy"年"m"月"d"日";@`)})
	if err != nil {
		t.Fatal(err)
	}
	short, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	serial := func(d time.Time) float64 { return excelTime(d) }
	tests := []struct {
		name  string
		set   func(cell string)
		want  time.Time // zero: 是
		agent int
	}{
		{"是", func(c string) { setCell(t, f, SheetSummary, c, "是") }, time.Time{}, 5},
		{"time.Time through excelize", func(c string) { setCell(t, f, SheetSummary, c, time.Date(2022, 1, 4, 0, 0, 0, 0, time.UTC)) }, day(2022, 1, 4), 6},
		{"LibreOffice date cell", func(c string) {
			setCell(t, f, SheetSummary, c, serial(day(2022, 1, 5)))
			f.SetCellStyle(SheetSummary, c, c, lo)
		}, day(2022, 1, 5), 8},
		{"WPS 年月日 date cell", func(c string) {
			setCell(t, f, SheetSummary, c, serial(day(2021, 12, 30)))
			f.SetCellStyle(SheetSummary, c, c, cn)
		}, day(2021, 12, 30), 9},
		{"Excel short date", func(c string) {
			setCell(t, f, SheetSummary, c, serial(day(2022, 1, 6)))
			f.SetCellStyle(SheetSummary, c, c, short)
		}, day(2022, 1, 6), 10},
		{"text 2022-01-05", func(c string) { setCell(t, f, SheetSummary, c, "2022-01-05") }, day(2022, 1, 5), 11},
		{"text 2022/1/5", func(c string) { setCell(t, f, SheetSummary, c, "2022/1/5") }, day(2022, 1, 5), 12},
		{"text 1月5日", func(c string) { setCell(t, f, SheetSummary, c, "1月5日") }, day(2022, 1, 5), 13},
		{"text 12月28日 is of the form's year", func(c string) { setCell(t, f, SheetSummary, c, "12月28日") }, day(2021, 12, 28), 14},
		{"full-width ２０２２年１月３日", func(c string) { setCell(t, f, SheetSummary, c, "２０２２年１月３日") }, day(2022, 1, 3), 15},
	}
	for _, tc := range tests {
		tc.set(paperCell(t, f, agencyName(tc.agent)))
	}
	imp, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: fx.in.AgencyNames()})
	if len(errs) != 0 {
		t.Fatalf("import errors: %v", errs)
	}
	got := map[string]PaperForm{}
	for _, p := range imp.Paper {
		got[p.Agency] = p
	}
	if len(got) != len(tests) || len(imp.PaperCleared) != 0 {
		t.Errorf("paper = %+v, cleared %v; want %d records", imp.Paper, imp.PaperCleared, len(tests))
	}
	for _, tc := range tests {
		p, ok := got[agencyName(tc.agent)]
		switch {
		case !ok:
			t.Errorf("%s: not read", tc.name)
		case !p.Day.Equal(tc.want):
			t.Errorf("%s: day %v, want %v", tc.name, p.Day, tc.want)
		case p.Source != SheetSummary+"!"+paperCell(t, f, agencyName(tc.agent)):
			t.Errorf("%s: source %q", tc.name, p.Source)
		}
	}
}

// TestPaperImportRefused: anything but a day or 是 refuses the whole
// import, naming the cell in Chinese.
func TestPaperImportRefused(t *testing.T) {
	fx := newFixture(20, 0)
	for _, tc := range []struct {
		name string
		set  func(f *excelize.File, cell string)
		want string
	}{
		{"a word", func(f *excelize.File, c string) { setCell(t, f, SheetSummary, c, "下周寄") }, "填写了“下周寄”，不是日期"},
		{"a bare number", func(f *excelize.File, c string) { setCell(t, f, SheetSummary, c, 5) }, "填写了“5”，不是日期"},
		{"否 instead of blank", func(f *excelize.File, c string) { setCell(t, f, SheetSummary, c, "否") }, "未收到请留空"},
		{"no such day", func(f *excelize.File, c string) { setCell(t, f, SheetSummary, c, "2022-02-30") }, "不是日期"},
		{"after today", func(f *excelize.File, c string) { setCell(t, f, SheetSummary, c, "2022-01-11") }, "晚于今天"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _ := build(t, fx.in)
			a := agencyName(5)
			cell := paperCell(t, f, a)
			tc.set(f, cell)
			// A review beside it is not imported either: the caller saves
			// nothing when there is an error.
			setCell(t, f, "业务部", "G"+strconv.Itoa(deptRow(t, f, "业务部", a, "3.1")), 0)
			_, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: fx.in.AgencyNames()})
			if len(errs) != 1 || errs[0].Sheet != SheetSummary || errs[0].Cell != cell ||
				!strings.HasPrefix(errs[0].Message, SheetSummary+"!"+cell+"：") || !strings.Contains(errs[0].Message, tc.want) {
				t.Errorf("errors = %v, want one at %s saying %q", errs, cell, tc.want)
			}
		})
	}
	t.Run("a row added by hand", func(t *testing.T) {
		f, _, _ := build(t, fx.in)
		rows := sheetRows(t, f, SheetSummary)
		r := len(rows) + 1
		setCell(t, f, SheetSummary, "A"+strconv.Itoa(r), "不存在的代办处")
		pc, _ := excelize.CoordinatesToCellName(col(t, rows[0], colPaper)+1, r)
		setCell(t, f, SheetSummary, pc, "是")
		_, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: fx.in.AgencyNames()})
		if len(errs) != 1 || !strings.Contains(errs[0].Message, "不存在的代办处") || !strings.Contains(errs[0].Message, "纸质版收到") {
			t.Errorf("errors = %v", errs)
		}
	})
}

// TestPaperRoundTrip: a recorded paper form is exported into the next
// workbook, imports again unchanged, and is cleared when staff blank it;
// a cell blank when exported and still blank says nothing.
func TestPaperRoundTrip(t *testing.T) {
	fx := newFixture(20, 0)
	in := fx.in
	a, b, c := agencyName(5), agencyName(6), agencyName(8)
	in.Paper = []PaperForm{{Agency: a, Day: day(2022, 1, 5)}, {Agency: b}, {Agency: c, Day: day(2021, 12, 31)}}
	f, _, _ := build(t, in)
	if v, _ := f.GetCellValue(SheetSummary, paperCell(t, f, a)); v != "1月5日" {
		t.Errorf("%s 纸质版收到 shows %q, want 1月5日", a, v)
	}
	if v, _ := f.GetCellValue(SheetSummary, paperCell(t, f, b)); v != "是" {
		t.Errorf("%s 纸质版收到 shows %q, want 是", b, v)
	}
	setCell(t, f, SheetSummary, paperCell(t, f, c), "")
	imp, errs := ImportReview(save(t, f), ImportOptions{Form: in.Form, Now: testNow, Agencies: in.AgencyNames()})
	if len(errs) != 0 {
		t.Fatalf("import errors: %v", errs)
	}
	got := map[string]time.Time{}
	for _, p := range imp.Paper {
		got[p.Agency] = p.Day
	}
	if len(got) != 2 || !got[a].Equal(day(2022, 1, 5)) || !got[b].IsZero() {
		t.Errorf("paper = %+v, want %s on 2022-01-05 and %s (是)", imp.Paper, a, b)
	}
	if _, ok := got[b]; !ok {
		t.Errorf("%s (是) not read back", b)
	}
	if len(imp.PaperCleared) != 1 || imp.PaperCleared[0] != c {
		t.Errorf("cleared = %v, want [%s]", imp.PaperCleared, c)
	}
	// A workbook of the time before the column: nothing said, nothing
	// refused.
	old, _, _ := build(t, fx.in)
	rows := sheetRows(t, old, SheetSummary)
	pc, _ := excelize.ColumnNumberToName(col(t, rows[0], colPaper) + 1)
	if err := old.RemoveCol(SheetSummary, pc); err != nil {
		t.Fatal(err)
	}
	imp, errs = ImportReview(save(t, old), ImportOptions{Form: in.Form, Now: testNow, Agencies: in.AgencyNames()})
	if len(errs) != 0 || len(imp.Paper) != 0 || len(imp.PaperCleared) != 0 {
		t.Errorf("old workbook: paper %v cleared %v errors %v", imp.Paper, imp.PaperCleared, errs)
	}
}

// TestPaperCounted: the paper forms received are counted in the summary,
// its lines for the staff mail, and 统计.
func TestPaperCounted(t *testing.T) {
	fx := newFixture(20, 0)
	in := fx.in
	// One of them an agency that sent no mail at all: the paper counts
	// on its own.
	in.Paper = []PaperForm{{Agency: agencyName(5), Day: day(2022, 1, 5)}, {Agency: agencyName(6)}, {Agency: agencyName(10)}}
	f, sum, _ := build(t, in)
	if sum.PaperReceived != 3 || sum.PaperMissing != 17 {
		t.Errorf("summary paper %d received, %d missing; want 3, 17", sum.PaperReceived, sum.PaperMissing)
	}
	found := false
	for _, l := range sum.Lines() {
		found = found || l == "纸质版已收 3 家，未收 17 家"
	}
	if !found {
		t.Errorf("lines %q lack the paper count", sum.Lines())
	}
	rows := sheetRows(t, f, SheetStats)
	var table []string
	for _, r := range rows {
		if len(r) >= 2 && (r[0] == "纸质版考核表" || r[0] == "已收" || r[0] == "未收") {
			table = append(table, r[0]+"="+r[1])
		}
	}
	if strings.Join(table, " ") != "纸质版考核表=单位数 已收=3 未收=17" {
		t.Errorf("统计 paper table = %q", table)
	}
}

func ptr[T any](v T) *T { return &v }
