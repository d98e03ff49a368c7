package validate

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSlimKeepsOnlyWhatValuesNeed(t *testing.T) {
	data, err := os.ReadFile("testdata/official.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	parts := func(b []byte) map[string][]byte {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			out[f.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		return out
	}
	before := parts(data)
	sl, _ := slim(data, nil)
	after := parts(sl.data)
	for _, gone := range []string{"xl/theme/theme1.xml", "xl/styles.xml", "docProps/app.xml", "docProps/core.xml"} {
		if before[gone] == nil {
			t.Fatalf("testdata lacks %s", gone)
		}
		if after[gone] != nil {
			t.Errorf("%s kept", gone)
		}
	}
	if !bytes.Equal(inflate(sl.styles), before["xl/styles.xml"]) {
		t.Error("the styles set aside differ from the workbook's")
	}
	for name, b := range after {
		want := before[name]
		switch name {
		case "xl/worksheets/sheet1.xml":
			want = stripDataValidations(want)
			if bytes.Contains(b, []byte("dataValidation")) || !bytes.Contains(b, []byte("<mergeCells")) || !bytes.Contains(b, []byte("</sheetData>")) {
				t.Errorf("the sheet lost more, or less, than its data validations")
			}
		case "xl/sharedStrings.xml":
			want = stripRunProperties(want)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s changed", name)
		}
	}
	if len(after) != len(before)-4 {
		t.Errorf("%d parts left of %d", len(after), len(before))
	}
	// Nothing left to drop, or no zip at all: the workbook comes back as it is.
	if again, _ := slim(sl.data, nil); !bytes.Equal(again.data, sl.data) || again.styles != nil {
		t.Error("slimming twice changed the workbook")
	}
	if got, _ := slim([]byte("not a zip"), nil); string(got.data) != "not a zip" || got.styles != nil {
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

func TestHasElement(t *testing.T) {
	cases := []struct {
		xml  string
		want bool
	}{
		{`<worksheet><drawing r:id="rId1"/></worksheet>`, true},
		{`<x:worksheet><x:drawing r:id="rId1"/></x:worksheet>`, true},
		{`<worksheet><drawing/></worksheet>`, true},
		{`<worksheet><legacyDrawing r:id="rId2"/></worksheet>`, false},
		// LibreOffice declares the DrawingML namespace on every sheet.
		{`<worksheet xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"><sheetData/></worksheet>`, false},
		{`<worksheet><c><v>drawing</v></c></worksheet>`, false},
		{`drawing`, false},
		{`<drawing`, false},
	}
	for _, c := range cases {
		if got := hasElement([]byte(c.xml), "drawing"); got != c.want {
			t.Errorf("%s: %v, want %v", c.xml, got, c.want)
		}
	}
}

func TestStripRunProperties(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<sst><si><r><rPr><b val="true"/><sz val="18"/></rPr><t>2021</t></r><r><rPr><rFont val="宋体"/></rPr><t>年度</t></r></si></sst>`,
			`<sst><si><r><t>2021</t></r><r><t>年度</t></r></si></sst>`},
		{`<sst><si><t>no runs</t></si></sst>`, `<sst><si><t>no runs</t></si></sst>`},
		{`<sst><si><r><rPr/><t>a</t></r></si></sst>`, `<sst><si><r><t>a</t></r></si></sst>`},
		// Phonetic guides, as Excel in a Chinese locale writes them.
		{`<sst><si><t>考核单位</t><rPh sb="0" eb="2"><t>kao he</t></rPh><phoneticPr fontId="1" type="noConversion"/></si></sst>`,
			`<sst><si><t>考核单位</t></si></sst>`},
		// Another element whose name begins alike stays.
		{`<sst><si><r><rPrX/><rPr><b/></rPr><t>a</t></r></si></sst>`, `<sst><si><r><rPrX/><t>a</t></r></si></sst>`},
		// Within a comment or CDATA "<rPr>" is text: such a table is left as it is.
		{`<sst><!-- <rPr> --><si><r><rPr><b/></rPr><t>a</t></r></si></sst>`, `<sst><!-- <rPr> --><si><r><rPr><b/></rPr><t>a</t></r></si></sst>`},
		{`<sst><si><t><![CDATA[<rPr>]]></t></si><si><r><rPr><b/></rPr><t>a</t></r></si></sst>`, `<sst><si><t><![CDATA[<rPr>]]></t></si><si><r><rPr><b/></rPr><t>a</t></r></si></sst>`},
		// An unclosed element stays: excelize reports the broken table.
		{`<sst><si><r><rPr><b/><t>a</t></r></si></sst>`, `<sst><si><r><rPr><b/><t>a</t></r></si></sst>`},
	}
	for _, c := range cases {
		if got := string(stripRunProperties([]byte(c.in))); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestStripDataValidations(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<worksheet><sheetData><row r="1"/></sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>` +
			`<dataValidations count="2"><dataValidation type="list" sqref="E5"><formula1>"0,1,2"</formula1></dataValidation>` +
			`<dataValidation type="whole" prompt="请填写&gt;0" sqref="E6"><formula1>0</formula1></dataValidation></dataValidations>` +
			`<pageMargins left="0.7"/><drawing r:id="rId1"/></worksheet>`,
			`<worksheet><sheetData><row r="1"/></sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>` +
				`<pageMargins left="0.7"/><drawing r:id="rId1"/></worksheet>`},
		{`<worksheet><sheetData/><dataValidations count="0"/><pageMargins/></worksheet>`, `<worksheet><sheetData/><pageMargins/></worksheet>`},
		// Excel 2010's own validations live under a prefix in extLst: kept.
		{`<worksheet><extLst><x14:dataValidations count="1"/></extLst></worksheet>`, `<worksheet><extLst><x14:dataValidations count="1"/></extLst></worksheet>`},
		// The XML declaration is fine; a processing instruction or a
		// document type, which may hold a literal "<", are not.
		{"<?xml version=\"1.0\"?>\n<worksheet><dataValidations/></worksheet>", "<?xml version=\"1.0\"?>\n<worksheet></worksheet>"},
		{`<worksheet><?pi <dataValidations ?><dataValidations/></worksheet>`, `<worksheet><?pi <dataValidations ?><dataValidations/></worksheet>`},
		{`<!DOCTYPE w [<!ENTITY e "x">]><worksheet><dataValidations/></worksheet>`, `<!DOCTYPE w [<!ENTITY e "x">]><worksheet><dataValidations/></worksheet>`},
		// Unfinished: left for excelize to report.
		{`<worksheet><dataValidations count="1"><dataValidation/></worksheet>`, `<worksheet><dataValidations count="1"><dataValidation/></worksheet>`},
		{`<worksheet><dataValidations`, `<worksheet><dataValidations`},
	}
	for _, c := range cases {
		if got := string(stripDataValidations([]byte(c.in))); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// The LibreOffice-saved form, whose shared strings carry run formatting,
// reads the same values as the form it was converted from.
func TestLibreOfficeFormReadsLikeItsSource(t *testing.T) {
	o := opts2021()
	read := func(name string) *Submission {
		sub, fs := Read(readTestdata(t, name), o)
		if sub == nil {
			t.Fatalf("%s: %+v", name, fs)
		}
		return sub
	}
	lo, src := read("libreoffice.xlsx"), read("official.xlsx")
	if lo.Year != 2021 {
		t.Errorf("year %d: the title's rich text was not read", lo.Year)
	}
	for id, want := range src.Scores {
		if got := lo.Scores[id]; got.Raw != want.Raw || got.Value != want.Value {
			t.Errorf("%s: %q, want %q", id, got.Raw, want.Raw)
		}
	}
	for id, want := range src.Fields {
		if got := lo.Fields[id]; got.Raw != want.Raw && !want.IsDate {
			t.Errorf("field %s: %q, want %q", id, got.Raw, want.Raw)
		}
	}
}
