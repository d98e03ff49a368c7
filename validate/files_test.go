package validate

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tinyWorkbook is a valid one-sheet workbook with one cell.
func tinyWorkbook(t testing.TB) []byte {
	x := excelize.NewFile()
	defer x.Close()
	must(t, x.SetCellValue("Sheet1", "A1", "通讯录"))
	must(t, x.SetCellValue("Sheet1", "B2", "自评分"))
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replacePart rewrites a zip package with one part's content replaced (or
// added); declared overrides the size written in the directory when > 0.
func replacePart(t testing.TB, data []byte, name string, content func(io.Writer), declared uint64) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	done := false
	put := func() {
		if declared == 0 {
			w, err := zw.Create(name)
			must(t, err)
			content(w)
			return
		}
		// A lying directory: compress first, then write raw with the
		// declared size.
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
		content(fw)
		must(t, fw.Close())
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
		must(t, err)
		_, err = w.Write(comp.Bytes())
		must(t, err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			put()
			done = true
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		must(t, err)
		rc, err := f.Open()
		must(t, err)
		_, err = io.Copy(w, rc)
		must(t, err)
		rc.Close()
	}
	if !done {
		put()
	}
	must(t, zw.Close())
	return out.Bytes()
}

// spaces writes n bytes of a worksheet that is mostly blanks.
func spaces(n int) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i < n>>20; i++ {
			w.Write(chunk)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}
}

// bigRows writes a worksheet of about n bytes of numbered rows, after a
// first row of the given inline texts.
func bigRows(n int, first ...string) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		if len(first) > 0 {
			io.WriteString(w, `<row>`)
			for _, s := range first {
				io.WriteString(w, `<c t="inlineStr"><is><t>`+s+`</t></is></c>`)
			}
			io.WriteString(w, `</row>`)
		}
		row := []byte(`<row><c t="inlineStr"><is><t>数据数据数据数据数据数据数据数据</t></is></c><c><v>12345</v></c><c><v>67890</v></c></row>`)
		for written := 0; written < n; written += len(row) {
			w.Write(row)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}
}

// TestFileLevel reads files that hold no readable form and expects exactly
// one file-level finding of the right code, quickly.
func TestFileLevel(t *testing.T) {
	t.Parallel()
	o := opts2021()
	official := readTestdata(t, "official.xlsx")
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		opts func(Options) Options
		want Code
		says string // a phrase the message must contain
	}{
		{"empty file", func(*testing.T) []byte { return nil }, nil, CodeUnreadableFile, "空文件"},
		{"text renamed", func(*testing.T) []byte { return []byte("单位,自评分\n东城区,3\n") }, nil, CodeUnreadableFile, ".xlsx"},
		{"html renamed", func(*testing.T) []byte { return []byte("<html><table><tr><td>1</td></tr></table></html>") }, nil, CodeLegacyFormat, "另存为"},
		{"truncated zip", func(*testing.T) []byte { return official[:len(official)/2] }, nil, CodeUnreadableFile, "损坏"},
		{"zip header only", func(*testing.T) []byte { return []byte("PK\x03\x04garbage") }, nil, CodeUnreadableFile, "损坏"},
		{"encrypted", func(t *testing.T) []byte { return readTestdata(t, "encrypted.xlsx") }, nil, CodeEncryptedFile, "密码"},
		{"legacy xls", func(t *testing.T) []byte { return readTestdata(t, "legacy.xls") }, nil, CodeLegacyFormat, "另存为"},
		{"ods", func(t *testing.T) []byte { return readTestdata(t, "other.ods") }, nil, CodeLegacyFormat, ".ods"},
		{"2020 form", func(t *testing.T) []byte { return readTestdata(t, "form2020.xlsx") }, nil, CodeWrongYear, "2020"},
		{"no form", func(t *testing.T) []byte { return tinyWorkbook(t) }, nil, CodeFormNotFound, "Sheet1"},
		{"too large", func(*testing.T) []byte { return bytes.Repeat([]byte("PK\x03\x04"), 6<<20) }, nil, CodeUnreadableFile, "超过"},
		{"size limit from options", func(*testing.T) []byte { return official }, func(o Options) Options { o.MaxFileSize = 1000; return o }, CodeUnreadableFile, "超过"},
		{"zip bomb", func(t *testing.T) []byte {
			return replacePart(t, tinyWorkbook(t), "xl/worksheets/sheet1.xml", spaces(110<<20), 0)
		}, nil, CodeUnreadableFile, "解压后"},
		{"zip bomb lying sizes", func(t *testing.T) []byte {
			return replacePart(t, tinyWorkbook(t), "xl/worksheets/sheet1.xml", spaces(110<<20), 4096)
		}, nil, CodeUnreadableFile, ""},
		{"large sheet holding the form's headers", func(t *testing.T) []byte {
			return replacePart(t, tinyWorkbook(t), "xl/worksheets/sheet1.xml", bigRows(50<<20, "自评分"), 0)
		}, nil, CodeUnreadableFile, "过大"},
		{"large sheet alone, not read", func(t *testing.T) []byte {
			return replacePart(t, tinyWorkbook(t), "xl/worksheets/sheet1.xml", bigRows(50<<20), 0)
		}, nil, CodeFormNotFound, "Sheet1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			oo := o
			if tc.opts != nil {
				oo = tc.opts(o)
			}
			start := time.Now()
			sub, fs := Read(data, oo)
			elapsed := time.Since(start)
			if sub != nil || len(fs) != 1 {
				t.Fatalf("want one file-level finding and no submission, got %v %+v", sub != nil, fs)
			}
			f := fs[0]
			if f.Code != tc.want || !f.Code.FileLevel() || f.Severity != SeverityError {
				t.Errorf("code %s (%s), want %s: %s", f.Code, f.Severity, tc.want, f.Message)
			}
			if !strings.Contains(f.Message, tc.says) {
				t.Errorf("message %q lacks %q", f.Message, tc.says)
			}
			checkBounded(t, elapsed, 2*time.Second)
		})
	}
}

// TestLargeSheetBesideForm: a 50 MB data sheet next to the form is allowed
// when the part limit is raised, and reading stays bounded (rows are
// streamed, at most maxGridRows of them).
func TestLargeSheetBesideForm(t *testing.T) {
	t.Parallel()
	o := opts2021()
	o.MaxPartSize = 64 << 20
	o.MaxFileSize = 64 << 20
	x, err := excelize.OpenReader(bytes.NewReader(readTestdata(t, "official.xlsx")))
	must(t, err)
	_, err = x.NewSheet("数据")
	must(t, err)
	must(t, x.SetCellValue("数据", "A1", 1))
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	x.Close()
	data := replacePart(t, buf.Bytes(), "xl/worksheets/sheet2.xml", bigRows(50<<20), 0)
	start := time.Now()
	sub, fs := Read(data, o)
	checkBounded(t, time.Since(start), 3*time.Second)
	if sub == nil || len(errorsOf(fs)) != 0 {
		t.Fatalf("form beside a large sheet: %+v", fs)
	}
	if sub.Sheet != "考核表" {
		t.Errorf("sheet %q", sub.Sheet)
	}
}

// TestSavedByOtherTools reads the forms LibreOffice saved and the re-typed
// one; all hold a good form.
func TestSavedByOtherTools(t *testing.T) {
	t.Parallel()
	o := opts2021()
	for _, name := range []string{"official.xlsx", "libreoffice.xlsx", "libreoffice_moved.xlsx", "retyped.xlsx"} {
		t.Run(name, func(t *testing.T) {
			sub, fs := Read(readTestdata(t, name), o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			for _, f := range fs {
				t.Errorf("finding %s %s: %s", f.Code, f.Cell, f.Message)
			}
			if n := len(sub.Scores); n != 30 {
				t.Errorf("%d scores", n)
			}
			for id, sc := range sub.Scores {
				if !sc.IsNumber {
					t.Errorf("%s not read: %+v", id, sc)
				}
			}
			if d := sub.Fields["date"]; !d.IsDate || d.Date.Year() != 2021 {
				t.Errorf("date %+v", d)
			}
			if !sub.HasWrittenTotal {
				t.Errorf("total not read")
			}
		})
	}
}

// TestBlankCopyBesideFilledForm: a blank copy of the form on the first sheet
// does not hide the filled one on the second.
func TestBlankCopyBesideFilledForm(t *testing.T) {
	t.Parallel()
	o := opts2021()
	x, err := excelize.OpenReader(bytes.NewReader(readTestdata(t, "official.xlsx")))
	must(t, err)
	defer x.Close()
	idx, err := x.NewSheet("空白表")
	must(t, err)
	must(t, x.CopySheet(0, idx))
	rows, err := x.GetRows("空白表")
	must(t, err)
	for r := range rows {
		must(t, x.SetCellValue("空白表", cellOf(5, r+1), nil))
	}
	must(t, x.MoveSheet("空白表", "考核表"))
	if first := x.GetSheetList()[0]; first != "空白表" {
		t.Fatalf("blank copy is not first: %v", x.GetSheetList())
	}
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	sub, fs := Read(buf.Bytes(), o)
	if sub == nil || sub.Sheet != "考核表" || len(errorsOf(fs)) != 0 {
		t.Fatalf("sheet %v, findings %+v", sub != nil && sub.Sheet == "考核表", fs)
	}
}

// TestAbsurdDimensions: cells at XFD and at row 1048576 do not make the
// reader walk the whole sheet.
func TestAbsurdDimensions(t *testing.T) {
	t.Parallel()
	o := opts2021()
	orig := readTestdata(t, "official.xlsx")
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	must(t, err)
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	must(t, err)
	sheet, err := io.ReadAll(rc)
	must(t, err)
	rc.Close()
	x := string(sheet)
	x = strings.Replace(x, "</sheetData>", `<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row></sheetData>`, 1)
	x = regexp.MustCompile(`<dimension ref="[^"]*"`).ReplaceAllString(x, `<dimension ref="A1:XFD1048576"`)
	x = strings.Replace(x, `<c r="A3"`, `<c r="XFD3" t="inlineStr"><is><t>x</t></is></c><c r="A3"`, 1)
	data := replacePart(t, orig, "xl/worksheets/sheet1.xml", func(w io.Writer) { io.WriteString(w, x) }, 0)
	start := time.Now()
	sub, fs := Read(data, o)
	checkBounded(t, time.Since(start), time.Second)
	if sub == nil || len(errorsOf(fs)) != 0 {
		t.Fatalf("findings %+v", fs)
	}
}

// TestManyLongCells: a sheet with the headers and thousands of long text
// cells is searched in bounded time.
func TestManyLongCells(t *testing.T) {
	t.Parallel()
	o := opts2021()
	x := excelize.NewFile()
	defer x.Close()
	must(t, x.SetCellValue("Sheet1", "A1", "标准分"))
	must(t, x.SetCellValue("Sheet1", "B1", "自评分"))
	inds := o.Form.Indicators()
	for r := 2; r <= 1000; r++ {
		for c := 1; c <= 12; c++ {
			crit := []rune(inds[(r*c)%len(inds)].Criteria)
			must(t, x.SetCellValue("Sheet1", cellOf(c, r), string(crit[(r+c)%10:])+"其他"))
		}
	}
	var buf bytes.Buffer
	_, err := x.WriteTo(&buf)
	must(t, err)
	start := time.Now()
	sub, fs := Read(buf.Bytes(), o)
	checkBounded(t, time.Since(start), 5*time.Second)
	if sub == nil && len(fs) != 1 {
		t.Errorf("findings %+v", fs)
	}
}

// checkBounded fails when reading took longer than limit: the hostile-input
// tests prove that reading never hangs. The bound is generous, as the
// machine may be busy, and grows under the race detector.
func checkBounded(t *testing.T, took, limit time.Duration) {
	t.Helper()
	if limit *= raceSlowdown; took > limit {
		t.Errorf("took %v, more than %v", took, limit)
	}
}
