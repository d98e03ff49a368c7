package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// spoiled is a district form with errors and a warning: 1.4 above its
// cap, 1.2 blank, the 填报人 unsigned, a full-width score, a written total
// that is not the sum.
func spoiled() sample.Values {
	return sample.Good("朝阳区代办处", true).
		With(sample.SetScore("1.4", 9)).
		With(sample.ClearScore("1.2")).
		With(sample.ClearField("filler_sign")).
		With(sample.SetScore("2.1", "３分")).
		With(func(v *sample.Values) { v.Total = 77 })
}

// TestWriteSources rewrites the sources in testdata when
// KAOHE_WRITE_INTEROP_TESTDATA=1: excelize.xlsx by excelize; libreoffice.xlsx
// by LibreOffice from a moved layout excelize wrote; openpyxl.xlsx by
// testdata/make_openpyxl.py from excelize.xlsx.
func TestWriteSources(t *testing.T) {
	if os.Getenv("KAOHE_WRITE_INTEROP_TESTDATA") != "1" {
		t.Skip("set KAOHE_WRITE_INTEROP_TESTDATA=1 to rewrite testdata")
	}
	data, err := sample.Workbook(form, spoiled())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/excelize.xlsx", data, 0o644); err != nil {
		t.Fatal(err)
	}
	movedPath := filepath.Join(t.TempDir(), "libreoffice.xlsx")
	if err := os.WriteFile(movedPath, moved(t), 0o600); err != nil {
		t.Fatal(err)
	}
	out := convert(t, "xlsx:Calc MS Excel 2007 XML", movedPath)
	saved, err := os.ReadFile(filepath.Join(out, "libreoffice.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/libreoffice.xlsx", saved, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(python(t), "testdata/make_openpyxl.py", "testdata/excelize.xlsx", "testdata/openpyxl.xlsx").CombinedOutput(); err != nil {
		t.Fatalf("make_openpyxl.py: %v\n%s", err, b)
	}
}

// moved is the spoiled form as an agency reshaped it: two rows and a
// column of its own, a remark right of 自评分, the sheet renamed.
func moved(t *testing.T) []byte {
	t.Helper()
	x, err := templates.BuildBlank(form)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sh := templates.SheetName
	for _, err := range []error{
		sample.Fill(x, form, spoiled()),
		x.SetCellStr(sh, "F21", "已参加培训两次"),
		x.InsertRows(sh, 1, 2),
		x.InsertCols(sh, "A", 1),
		x.SetCellStr(sh, "A1", "朝阳区代办处内部编号 2021-17"),
		x.SetSheetName(sh, "自评表"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
