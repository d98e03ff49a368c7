package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/demo"
)

// filledDataDir runs the daemon once over two agencies' forms and returns
// its data folder (the environment stays set for the test).
func filledDataDir(t *testing.T) string {
	t.Helper()
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at)
	srv.Deliver(demo.Office, testMail(t, "haidian@example.org", "海淀区代办处", 2), at.Add(time.Hour))
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, stderr.String())
	}
	return dataDir
}

// rowOf finds the row of a department sheet for an agency and indicator.
func rowOf(t *testing.T, f *excelize.File, sheet, agency, indicator string) int {
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 1 && r[0] == agency && r[1] == indicator {
			return i + 1
		}
	}
	t.Fatalf("%s has no row for %s %s", sheet, agency, indicator)
	return 0
}

func TestReviewRoundTrip(t *testing.T) {
	filledDataDir(t)
	dir := t.TempDir()
	first := filepath.Join(dir, "汇总.xlsx")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"consolidate", "-o", first}, &out, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	f, err := excelize.OpenFile(first)
	if err != nil {
		t.Fatal(err)
	}
	// 业务部 takes 3.1 from 朝阳区 (cap 6) and writes why.
	row := rowOf(t, f, "业务部", "朝阳区代办处", "3.1")
	f.SetCellValue("业务部", "G"+itoa(row), 0)
	f.SetCellValue("业务部", "H"+itoa(row), "续转任务未完成")
	edited := filepath.Join(dir, "审核后.xlsx")
	if err := f.SaveAs(edited); err != nil {
		t.Fatal(err)
	}
	// A second copy with a score above the cap is refused, naming the cell.
	bad := filepath.Join(dir, "审核错.xlsx")
	f.SetCellValue("业务部", "G"+itoa(row), 7)
	f.SaveAs(bad)
	f.Close()

	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"review", "import", bad}, &out, &errOut); code != exitNeedsFix || !strings.Contains(errOut.String(), "业务部!G"+itoa(row)) {
		t.Errorf("bad review: exit %d, %s", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"review", "import", edited}, &out, &errOut); code != exitOK {
		t.Fatalf("review import: %d %s", code, errOut.String())
	}
	second := filepath.Join(dir, "汇总2.xlsx")
	if code := run(context.Background(), []string{"consolidate", "-o", second}, &out, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	g, err := excelize.OpenFile(second)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	row = rowOf(t, g, "业务部", "朝阳区代办处", "3.1")
	if v, _ := g.GetCellValue("业务部", "G"+itoa(row)); v != "0" {
		t.Errorf("审核分 after import = %q, want 0", v)
	}
	if v, _ := g.GetCellValue("业务部", "H"+itoa(row)); v != "续转任务未完成" {
		t.Errorf("审核意见 after import = %q", v)
	}
	rows, _ := g.GetRows(consolidate.SheetSummary)
	var header, chaoyang []string
	for _, r := range rows {
		if len(r) > 0 && r[0] == "考核单位" {
			header = r
		}
		if len(r) > 0 && r[0] == "朝阳区代办处" {
			chaoyang = r
		}
	}
	col := func(name string) string {
		for i, h := range header {
			if h == name && i < len(chaoyang) {
				return chaoyang[i]
			}
		}
		return ""
	}
	verified, final := col("核定总分"), col("审核总分")
	if verified == "" || final == "" || verified == final {
		t.Errorf("核定总分 %q and 审核总分 %q should differ by the review of 3.1", verified, final)
	}
}

func TestReviewImportRefusesAgenciesOnlyInTheFile(t *testing.T) {
	filledDataDir(t)
	dir := t.TempDir()
	wb := filepath.Join(dir, "汇总.xlsx")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"consolidate", "-o", wb}, &out, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	f, err := excelize.OpenFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	// A genuine review of 海淀区, and a unit made up in the file: on 汇总
	// with a veto, and on 业务部 in place of 朝阳区.
	f.SetCellValue("业务部", "G"+itoa(rowOf(t, f, "业务部", "海淀区代办处", "3.1")), 0)
	forgedRow := rowOf(t, f, "业务部", "朝阳区代办处", "3.1")
	f.SetCellValue("业务部", "A"+itoa(forgedRow), "伪造代办处")
	f.SetCellValue("业务部", "G"+itoa(forgedRow), 6)
	rows, _ := f.GetRows(consolidate.SheetSummary)
	sumRow := len(rows) + 1
	for i, h := range rows[0] {
		if h == "一票否决" {
			cell, _ := excelize.CoordinatesToCellName(i+1, sumRow)
			f.SetCellValue(consolidate.SheetSummary, cell, "是")
		}
	}
	f.SetCellValue(consolidate.SheetSummary, "A"+itoa(sumRow), "伪造代办处")
	forged := filepath.Join(dir, "伪造.xlsx")
	if err := f.SaveAs(forged); err != nil {
		t.Fatal(err)
	}
	f.Close()

	errOut.Reset()
	code := run(context.Background(), []string{"review", "import", forged}, &out, &errOut)
	for _, cell := range []string{"业务部!A" + itoa(forgedRow), "汇总!A" + itoa(sumRow)} {
		if !strings.Contains(errOut.String(), cell+"：考核单位“伪造代办处”不在本年度代办处名册中") {
			t.Errorf("refusal does not name %s:\n%s", cell, errOut.String())
		}
	}
	if code != exitNeedsFix || !strings.Contains(errOut.String(), "全部未导入") {
		t.Fatalf("exit %d:\n%s", code, errOut.String())
	}
	// Nothing was imported, the genuine review neither.
	again := filepath.Join(dir, "汇总2.xlsx")
	if code := run(context.Background(), []string{"consolidate", "-o", again}, &out, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	g, err := excelize.OpenFile(again)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if v, _ := g.GetCellValue("业务部", "G"+itoa(rowOf(t, g, "业务部", "海淀区代办处", "3.1"))); v != "" {
		t.Errorf("海淀区 3.1 reviewed %q after a refused import", v)
	}
	if rows, _ := g.GetRows(consolidate.SheetSummary); len(rows) != sumRow-1 {
		t.Errorf("汇总 has %d rows after the refused import, %d before", len(rows), sumRow-1)
	}
}

func TestReprocessKeepsResultsAndTouchesNoMail(t *testing.T) {
	filledDataDir(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"reprocess"}, &out, &errOut); code != exitOK {
		t.Fatalf("reprocess: %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "重新检查 2021 年度的 2 份考核表，其中 0 份结果有变化") {
		t.Errorf("reprocess said: %s", out.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
