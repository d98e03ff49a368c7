package xlsxpeek

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestRowsAndProps(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "汇总")
	f.SetCellStr("汇总", "A1", "考核单位")
	f.SetCellStr("汇总", "C1", "一票否决")
	f.SetCellInt("汇总", "B2", 95)
	f.SetCellRichText("汇总", "A2", []excelize.RichTextRun{{Text: "朝阳"}, {Text: "区代办处"}})
	f.SetCellStr("汇总", "A3", "第三行")
	f.NewSheet("业务部")
	f.SetCustomProps(excelize.CustomProperty{Name: "kaohe-token", Value: "v1;x"})
	f.SetCustomProps(excelize.CustomProperty{Name: "n", Value: int32(3)})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p, err := Open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Sheets(); !slices.Equal(got, []string{"汇总", "业务部"}) || !p.HasSheet("业务部") || p.HasSheet("明细") {
		t.Errorf("Sheets = %q", got)
	}
	rows, err := p.Rows("汇总", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"考核单位", "", "一票否决"}, {"朝阳区代办处", "95"}}
	if len(rows) != 2 || !slices.Equal(rows[0], want[0]) || !slices.Equal(rows[1], want[1]) {
		t.Errorf("Rows = %q, want %q", rows, want)
	}
	if _, err := p.Rows("明细", 1); err == nil {
		t.Error("Rows of a missing sheet succeeded")
	}
	props, err := p.CustomProps()
	if err != nil || props["kaohe-token"] != "v1;x" || len(props) != 1 {
		t.Errorf("CustomProps = %v, %v (numbers are left out)", props, err)
	}
}

// A sheet written with inline strings, as some writers do.
func TestInlineStrings(t *testing.T) {
	p := pkg(t, map[string]string{
		"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="B1" t="inlineStr"><is><t>一票否决</t></is></c><c r="A1" t="str"><v>考核单位</v></c></row>` +
			`<row><c><v>1</v></c><c t="inlineStr"><is><r><t>二</t></r><r><t>三</t></r></is></c></row></sheetData></worksheet>`,
	})
	rows, err := p.Rows("汇总", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !slices.Equal(rows[0], []string{"考核单位", "一票否决"}) || !slices.Equal(rows[1], []string{"1", "二三"}) {
		t.Errorf("Rows = %q", rows)
	}
}

func TestHostilePackages(t *testing.T) {
	if _, err := Open([]byte("not a zip")); err == nil {
		t.Error("Open of junk succeeded")
	}
	big := pkg(t, map[string]string{
		"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`,
		"xl/sharedStrings.xml":     "<sst><si><t>" + strings.Repeat("a", MaxPart+10) + "</t></si></sst>",
	})
	if _, err := big.Rows("汇总", 1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a shared-strings part above MaxPart: %v, want ErrTooLarge", err)
	}
	bad := pkg(t, map[string]string{"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c r="A1"><v>1`})
	if _, err := bad.Rows("汇总", 1); err == nil {
		t.Error("truncated sheet XML read without error")
	}
	// An index past the shared strings, or a cell reference out of range,
	// is skipped rather than trusted.
	odd := pkg(t, map[string]string{
		"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c><c r="XFE1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData></worksheet>`,
		"xl/sharedStrings.xml":     "<sst><si><t>x</t></si></sst>",
	})
	rows, err := odd.Rows("汇总", 1)
	if err != nil || len(rows) != 1 || !slices.Equal(rows[0], []string{"", "2"}) {
		t.Errorf("odd cells: %q, %v", rows, err)
	}
}

// pkg is a one-sheet package named 汇总 with the parts given.
func pkg(t *testing.T, parts map[string]string) *Package {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	all := map[string]string{
		"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="汇总" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for k, v := range parts {
		all[k] = v
	}
	for name, body := range all {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	p, err := Open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzPackage: whatever the bytes, looking into them returns or fails,
// never panics, and never reads more than maxRows rows.
func FuzzPackage(f *testing.F) {
	for _, name := range []string{"libreoffice.xlsx", "openpyxl.xlsx"} {
		if b, err := os.ReadFile(filepath.Join("..", "wbtoken", "testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Open(data)
		if err != nil {
			return
		}
		for _, s := range p.Sheets() {
			if rows, err := p.Rows(s, 3); err == nil && len(rows) > 3 {
				t.Fatalf("%d rows read of 3", len(rows))
			}
		}
		p.CustomProps()
	})
}
