package validate

import (
	"archive/zip"
	"bytes"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSlimDropsOnlyTheTheme(t *testing.T) {
	data, err := os.ReadFile("testdata/official.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	names := func(b []byte) map[string]bool {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, f := range zr.File {
			out[f.Name] = true
		}
		return out
	}
	before, after := names(data), names(slim(data))
	if !before["xl/theme/theme1.xml"] || after["xl/theme/theme1.xml"] {
		t.Fatalf("theme before %v after %v", before["xl/theme/theme1.xml"], after["xl/theme/theme1.xml"])
	}
	if len(after) != len(before)-1 {
		t.Errorf("%d parts left of %d", len(after), len(before))
	}
	// A workbook without a theme, or no zip at all, comes back as it is.
	if got := slim(slim(data)); len(got) != len(slim(data)) {
		t.Error("slimming twice changed the workbook")
	}
	if got := slim([]byte("not a zip")); string(got) != "not a zip" {
		t.Error("slim changed a non-zip")
	}
}

func TestRightOfSelfFree(t *testing.T) {
	data, err := os.ReadFile("testdata/official.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := Read(data, opts2021())
	if sub == nil || !sub.RightOfSelfFree || sub.SelfColumn != "E" {
		t.Fatalf("official form: free %v, self column %q", sub != nil && sub.RightOfSelfFree, sub.SelfColumn)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellStr(f.GetSheetName(0), "F30", "备注：已核实")
	var buf bytes.Buffer
	f.Write(&buf)
	f.Close()
	if sub, _ := Read(buf.Bytes(), opts2021()); sub == nil || sub.RightOfSelfFree {
		t.Error("a note right of 自评分 was not noticed")
	}
}
