package validate

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// maxFuzzSeed bounds the size of a seed of FuzzRead.
const maxFuzzSeed = 64 << 10

// FuzzRead feeds arbitrary bytes, seeded with the workbooks of testdata/,
// to Read: it must not panic (Read recovers, so a recovered panic shows as
// the generic unreadable_file message and fails here too), must return a
// submission or a single file-level finding, and every finding must carry
// a code, a severity and a message.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range paths {
		// A large seed (the 台账 workbook) makes every execution slow
		// and the search shallow; TestBigWorkbook covers large sheets.
		if data, err := os.ReadFile(p); err == nil && len(data) <= maxFuzzSeed {
			f.Add(data)
		}
	}
	o := opts2021()
	f.Fuzz(func(t *testing.T, data []byte) {
		sub, fs := Read(data, o)
		if sub == nil && (len(fs) != 1 || !fs[0].Code.FileLevel()) {
			t.Fatalf("no submission and findings %+v", fs)
		}
		for _, fd := range fs {
			if fd.Code == "" || fd.Message == "" || fd.Severity != fd.Code.Severity() {
				t.Fatalf("bad finding %+v", fd)
			}
			if fd.Message == panicMessage {
				t.Fatalf("Read panicked")
			}
		}
		if sub != nil && (len(sub.Scores) != len(o.Form.Indicators()) || len(sub.Fields) != len(o.Form.Fields)) {
			t.Fatalf("submission lacks entries: %d scores, %d fields", len(sub.Scores), len(sub.Fields))
		}
	})
}

// FuzzReadSheetXML fuzzes the worksheet XML inside an otherwise valid
// package (random bytes rarely get past the zip layer), seeded with the
// form sheets of testdata/.
func FuzzReadSheetXML(f *testing.F) {
	fuzzPart(f, "xl/worksheets/sheet1.xml", []string{"official.xlsx", "libreoffice.xlsx", "retyped.xlsx", "openpyxl.xlsx"}, nil)
}

// FuzzReadSharedStrings fuzzes the shared-string table, which slim
// rewrites before excelize decodes it, inside the LibreOffice-saved form,
// seeded with the tables of testdata/. Whatever the table holds, Read must
// not panic, and removing run formatting never adds bytes.
func FuzzReadSharedStrings(f *testing.F) {
	f.Add([]byte(`<sst><si><r><rPr><b/></rPr><t>考核单位：</t></r></si><!-- <rPr> --></sst>`))
	fuzzPart(f, "xl/sharedStrings.xml", []string{"libreoffice.xlsx", "official.xlsx", "retyped.xlsx"}, func(t *testing.T, sst []byte) {
		if stripped := stripRunProperties(sst); len(stripped) > len(sst) {
			t.Fatalf("stripping grew the table from %d to %d bytes", len(sst), len(stripped))
		}
	})
}

// fuzzPart fuzzes one part of the package of the first of files, seeded
// with that part of each file: Read must not panic and must return a
// submission or a single finding; more checks, when given, run on the
// fuzzed part.
func fuzzPart(f *testing.F, part string, files []string, more func(t *testing.T, part []byte)) {
	var pkg []byte
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if pkg == nil {
			pkg = data
		}
		if x := partOf(data, part); x != nil {
			f.Add(x)
		}
	}
	o := opts2021()
	f.Fuzz(func(t *testing.T, b []byte) {
		data := replacePart(t, pkg, part, func(w io.Writer) { w.Write(b) }, 0)
		sub, fs := Read(data, o)
		for _, fd := range fs {
			if fd.Message == panicMessage {
				t.Fatalf("Read panicked")
			}
		}
		if sub == nil && len(fs) != 1 {
			t.Fatalf("no submission and findings %+v", fs)
		}
		if more != nil {
			more(t, b)
		}
	})
}

// partOf returns one part of a zip package, nil when missing.
func partOf(data []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	rc, err := zr.Open(name)
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}
