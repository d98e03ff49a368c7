package annotate

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// mallory is the workbook of issue 19: a form naming 朝阳区 with a score
// above its cap, beside it a sheet 重要通知 with phishing text, a
// HYPERLINK and a DDE formula and a hyperlink; on the form's own sheet a
// hyperlink, a formula and a picture; a defined name, a VBA project, an
// external link to another workbook and an embedded OLE object.
func mallory(t *testing.T) []byte {
	t.Helper()
	form := templates.MustLoad(2021)
	x, err := templates.BuildBlank(form)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sample.Fill(x, form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9))))
	const notice = "重要通知"
	_, err = x.NewSheet(notice)
	must(err)
	must(x.SetCellStr(notice, "A1", "您单位的考核账户已冻结，请立即登录 http://evil.example/login 解冻，逾期考核成绩作废。"))
	must(x.SetCellHyperLink(notice, "A1", "http://evil.example/login", "External"))
	must(x.SetCellFormula(notice, "A2", `HYPERLINK("http://evil.example/login","点此登录")`))
	must(x.SetCellFormula(notice, "A3", `cmd|' /C calc'!A0`))
	sh := templates.SheetName
	must(x.SetCellHyperLink(sh, "A1", "http://evil.example/form", "External"))
	must(x.SetCellFormula(sh, "G5", `HYPERLINK("http://evil.example/g","查看说明")`))
	must(x.AddPictureFromBytes(sh, "G8", &excelize.Picture{Extension: ".png", File: tinyPNG(t)}))
	must(x.SetDefinedName(&excelize.DefinedName{Name: "登录", RefersTo: "'" + notice + "'!$A$2"}))
	// A VBA project is an OLE compound file; its header is all excelize checks.
	vba := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	must(x.AddVBAProject(vba))
	buf, err := x.WriteToBuffer()
	must(err)
	return withExternalParts(t, buf.Bytes())
}

func tinyPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withExternalParts adds what excelize cannot write: a link to an outside
// workbook (referenced from the workbook) and an embedded OLE object.
func withExternalParts(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	edits := map[string][2]string{
		"xl/workbook.xml":            {"<definedNames>", `<externalReferences><externalReference r:id="rId99"/></externalReferences><definedNames>`},
		"xl/_rels/workbook.xml.rels": {"</Relationships>", `<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>`},
		"[Content_Types].xml":        {"</Types>", `<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/><Override PartName="/xl/embeddings/oleObject1.bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/></Types>`},
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		body := string(b)
		if e, ok := edits[f.Name]; ok {
			if !strings.Contains(body, e[0]) {
				t.Fatalf("%s lacks %s", f.Name, e[0])
			}
			body = strings.Replace(body, e[0], e[1], 1)
		}
		put(f.Name, body)
	}
	put("xl/externalLinks/externalLink1.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>`)
	put("xl/externalLinks/_rels/externalLink1.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="http://evil.example/book.xlsx" TargetMode="External"/></Relationships>`)
	put("xl/embeddings/oleObject1.bin", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 cmd /C calc")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// zipParts lists a package's part names and their joined contents.
func zipParts(t *testing.T, data []byte) ([]string, string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var all strings.Builder
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(b)
	}
	return names, all.String()
}

// The copy of mallory's workbook that would go out from the office's
// address holds the form alone: one sheet, values only, nothing that links,
// runs or embeds.
func TestAnnotateHostileWorkbook(t *testing.T) {
	t.Parallel()
	src := mallory(t)
	// The test is only worth something if every hostile piece is there.
	srcParts, srcAll := zipParts(t, src)
	for _, p := range []string{"xl/externalLinks/externalLink1.xml", "xl/vbaProject.bin", "xl/embeddings/oleObject1.bin", "xl/media/image1.png", "xl/worksheets/sheet2.xml"} {
		if !slices.Contains(srcParts, p) {
			t.Fatalf("mallory's workbook lacks %s: %v", p, srcParts)
		}
	}
	for _, s := range []string{"cmd|", "HYPERLINK(", "evil.example", "登录"} {
		if !strings.Contains(srcAll, s) {
			t.Fatalf("mallory's workbook lacks %q", s)
		}
	}
	rep := check(t, src)
	if rep.Unit != "朝阳区代办处" || rep.Status != "needs_fix" {
		t.Fatalf("read as %q, %s", rep.Unit, rep.Status)
	}
	out, err := Copy(rep, templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	parts, all := zipParts(t, out)
	allowed := []string{
		"[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
		"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/theme/theme1.xml",
		"xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels",
		"xl/comments1.xml", "xl/drawings/vmlDrawing1.vml", // the comments' own parts
	}
	for _, p := range parts {
		if !slices.Contains(allowed, p) {
			t.Errorf("annotated copy has part %s", p)
		}
	}
	for _, s := range []string{"evil.example", "cmd|", "HYPERLINK", "TargetMode=\"External\"", "vbaProject", "externalLink", "oleObject", "<f>", "<f ", "hyperlink", "重要通知", "账户已冻结"} {
		if strings.Contains(all, s) {
			t.Errorf("annotated copy contains %q", s)
		}
	}
	f := openCopy(t, out)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != templates.SheetName {
		t.Errorf("sheets %v, want only %s", got, templates.SheetName)
	}
	noFormulas(t, f, templates.SheetName)
	for _, cell := range []string{"A1", "G5", "G8"} {
		if ok, link, _ := f.GetCellHyperLink(templates.SheetName, cell); ok {
			t.Errorf("%s links to %s", cell, link)
		}
	}
	for _, dn := range f.GetDefinedName() {
		if !strings.HasPrefix(dn.Name, "_xlnm.") {
			t.Errorf("defined name %s = %s", dn.Name, dn.RefersTo)
		}
	}
	if pics, _ := f.GetPictures(templates.SheetName, "G8"); len(pics) != 0 {
		t.Error("the picture came along")
	}
	// The check is still on it.
	l := Layout(templates.MustLoad(2021))
	if got := fillOf(t, f, l.Scores["1.4"]); got != fillError {
		t.Errorf("1.4 fill %q, want red", got)
	}
}
