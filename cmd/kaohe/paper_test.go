package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
)

// TestReviewImportPaper: staff record paper forms in 纸质版收到; a refused
// value imports nothing, a good one is saved, shown in the next workbook
// and counted, and a blanked cell clears it.
func TestReviewImportPaper(t *testing.T) {
	filledDataDir(t)
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	consolidateTo := func(name string) *excelize.File {
		t.Helper()
		path := filepath.Join(dir, name)
		out.Reset()
		if code := run(context.Background(), []string{"consolidate", "-o", path}, &out, &errOut); code != exitOK {
			t.Fatalf("consolidate: %d %s", code, errOut.String())
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	importFile := func(f *excelize.File, name string) int {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		errOut.Reset()
		return run(context.Background(), []string{"review", "import", path}, &out, &errOut)
	}
	f := consolidateTo("汇总.xlsx")
	if !strings.Contains(out.String(), "纸质版已收 0 家，未收 ") {
		t.Errorf("consolidate's counts lack the paper forms: %s", out.String())
	}
	cy := cellOf(t, f, consolidate.SheetSummary, "朝阳区代办处", "纸质版收到")
	hd := cellOf(t, f, consolidate.SheetSummary, "海淀区代办处", "纸质版收到")
	f.SetCellValue(consolidate.SheetSummary, cy, "2022/1/5")
	f.SetCellValue(consolidate.SheetSummary, hd, "快递在路上")
	if code := importFile(f, "错.xlsx"); code != exitNeedsFix || !strings.Contains(errOut.String(), "汇总!"+hd+"：纸质版收到栏填写了“快递在路上”") {
		t.Fatalf("refused value: exit %d\n%s", code, errOut.String())
	}
	if g := consolidateTo("汇总1.xlsx"); !strings.Contains(out.String(), "纸质版已收 0 家") {
		t.Errorf("a refused import recorded a paper form: %s", out.String())
	} else if v, _ := g.GetCellValue(consolidate.SheetSummary, cy); v != "" {
		t.Errorf("朝阳区 纸质版收到 %q after a refused import", v)
	}

	f.SetCellValue(consolidate.SheetSummary, hd, "是")
	if code := importFile(f, "对.xlsx"); code != exitOK || !strings.Contains(out.String(), "2 家纸质版收到记录") {
		t.Fatalf("import: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	g := consolidateTo("汇总2.xlsx")
	if !strings.Contains(out.String(), "纸质版已收 2 家，未收 ") {
		t.Errorf("counts after the import: %s", out.String())
	}
	if v, _ := g.GetCellValue(consolidate.SheetSummary, cy); v != "1月5日" {
		t.Errorf("朝阳区 纸质版收到 = %q, want 1月5日", v)
	}
	if v, _ := g.GetCellValue(consolidate.SheetSummary, hd); v != "是" {
		t.Errorf("海淀区 纸质版收到 = %q, want 是", v)
	}

	// Blanking 朝阳区 in the new workbook clears it; 海淀区 stays.
	g.SetCellValue(consolidate.SheetSummary, cy, "")
	if code := importFile(g, "撤销.xlsx"); code != exitOK || !strings.Contains(out.String(), "另撤销 1 家") {
		t.Fatalf("clearing import: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	h := consolidateTo("汇总3.xlsx")
	if !strings.Contains(out.String(), "纸质版已收 1 家") {
		t.Errorf("counts after clearing: %s", out.String())
	}
	if v, _ := h.GetCellValue(consolidate.SheetSummary, cy); v != "" {
		t.Errorf("朝阳区 纸质版收到 = %q after it was blanked", v)
	}
}
