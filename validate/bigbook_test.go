package validate

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// ledgerRows writes a worksheet of rows many of a 台账 as a writer saves
// it: a name as character references (openpyxl) or UTF-8, then numbers
// with styles and explicit types (LibreOffice), until about size bytes.
// Row at (if > 0) holds the given inline texts.
func ledgerRows(rows, size, at int, first ...string) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:BZ20000"/><sheetData>`)
		cells := max(1, (size/rows-60)/44)
		seed := uint32(7)
		var b []byte
		for r := 2; r <= rows+1; r++ {
			if r == at {
				io.WriteString(w, `<row r="`+strconv.Itoa(r)+`">`)
				for _, s := range first {
					io.WriteString(w, `<c t="inlineStr"><is><t>`+s+`</t></is></c>`)
				}
				io.WriteString(w, `</row>`)
				continue
			}
			b = fmt.Appendf(b[:0], `<row r="%d"><c r="A%d" t="inlineStr"><is><t>&#32844;&#24037;%05d</t></is></c>`, r, r, r)
			for c := 0; c < cells; c++ {
				seed = seed*1664525 + 1013904223
				b = fmt.Appendf(b, `<c r="%s%d" s="2" t="n"><v>%d.%02d</v></c>`, colName(c+1), r, seed>>12, seed%100)
			}
			b = append(b, "</row>"...)
			w.Write(b)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}
}

// withSharedLedger returns official.xlsx with a 台账 before the form as
// LibreOffice saves one: each row's name and unit are new shared strings,
// the rest numbers, until the sheet is about size bytes.
func withSharedLedger(t testing.TB, rows, size int) []byte {
	t.Helper()
	data := withLedger(t, func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		base := 85 // the strings of official.xlsx
		cells := max(1, (size/rows-200)/44)
		var b []byte
		for r := 1; r <= rows; r++ {
			b = fmt.Appendf(b[:0], `<row r="%d" customFormat="false" ht="15" hidden="false" customHeight="false" outlineLevel="0" collapsed="false">`+
				`<c r="A%d" s="1" t="s"><v>%d</v></c><c r="B%d" s="1" t="s"><v>%d</v></c>`, r, r, base+2*(r-1), r, base+2*(r-1)+1)
			for c := 0; c < cells; c++ {
				b = fmt.Appendf(b, `<c r="%s%d" s="2" t="n"><v>%d</v></c>`, colName(c+2), r, (r*31+c*7)%100000)
			}
			w.Write(append(b, "</row>"...))
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	})
	sst := partOf(data, "xl/sharedStrings.xml")
	if n := bytes.Count(sst, []byte("<si>")); n != 85 {
		t.Fatalf("official.xlsx has %d shared strings", n)
	}
	var more bytes.Buffer
	for r := 1; r <= rows; r++ {
		fmt.Fprintf(&more, `<si><t xml:space="preserve">职工%06d</t></si><si><t xml:space="preserve">第%d基层工会 %d号</t></si>`, r, r%97, r)
	}
	sst = bytes.Replace(sst, []byte("</sst>"), append(more.Bytes(), "</sst>"...), 1)
	return replacePart(t, data, "xl/sharedStrings.xml", func(w io.Writer) { w.Write(sst) }, 0)
}

// withLedger returns official.xlsx with a 台账 sheet before the form,
// its part written by content.
func withLedger(t testing.TB, content func(io.Writer)) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(readTestdata(t, "official.xlsx")))
	must(t, err)
	_, err = x.NewSheet("台账")
	must(t, err)
	must(t, x.SetCellValue("台账", "A1", 1))
	must(t, x.MoveSheet("台账", "考核表"))
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	x.Close()
	part := ""
	for _, s := range listSheetsOf(t, buf.Bytes()) {
		if s.name == "台账" {
			part = s.part
		}
	}
	if part == "" {
		t.Fatal("no part for 台账")
	}
	return replacePart(t, buf.Bytes(), part, content, 0)
}

func listSheetsOf(t testing.TB, data []byte) []bookSheet {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	return listSheets(entries, opts2021().limits())
}

// TestBigWorkbook: sheets beside the form, however large, are neither
// inflated nor held to the part limit, unless they may hold the form;
// the limits still refuse a bomb, quickly.
func TestBigWorkbook(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		data  func(t *testing.T) []byte
		opts  func(*Options)
		code  Code   // the file-level finding; "" for a form read
		says  string // a phrase of the finding, or of the sheets_ignored note
		limit time.Duration
	}{
		{"openpyxl: 3,000-row 台账 above the part limit", func(t *testing.T) []byte { return readTestdata(t, "ledger_openpyxl.xlsx") },
			func(o *Options) { o.MaxPartSize = 1 << 20 }, "", "「台账」不是考核表", time.Second},
		{"LibreOffice: the same 台账, its text in the shared strings", func(t *testing.T) []byte { return readTestdata(t, "ledger_lo.xlsx") },
			// between the shared strings' 1.13 MB and the 台账's 1.18 MB
			func(o *Options) { o.MaxPartSize = 1_150_000 }, "", "「台账」不是考核表", time.Second},
		{"20,000-row 台账 of 50 MB", func(t *testing.T) []byte { return withLedger(t, ledgerRows(20000, 50<<20, 0)) },
			nil, "", "「台账」不是考核表", 2 * time.Second},
		{"20,000-row 台账 of 50 MB, its text in the shared strings", func(t *testing.T) []byte { return withSharedLedger(t, 20000, 50<<20) },
			nil, "", "「台账」不是考核表", 2 * time.Second},
		{"a 90 MB sheet of blanks beside the form", func(t *testing.T) []byte { return withLedger(t, spaces(90<<20)) },
			nil, "", "「台账」不是考核表", time.Second},
		{"a large sheet starting with the form's title", func(t *testing.T) []byte {
			return withLedger(t, ledgerRows(20000, 20<<20, 2, "2021年度职工互助保障工作代办处考核表"))
		}, nil, CodeUnreadableFile, "「台账」过大", time.Second},
		{"a large sheet whose title is written as character references", func(t *testing.T) []byte {
			return withLedger(t, ledgerRows(20000, 20<<20, 2, string(charRefs("自评分", "&#%d;"))))
		}, nil, CodeUnreadableFile, "「台账」过大", time.Second},
		{"a large sheet with the headers at row 900", func(t *testing.T) []byte {
			return withLedger(t, ledgerRows(20000, 20<<20, 900, "标准分", "自评分"))
		}, nil, CodeUnreadableFile, "「台账」过大", time.Second},
		{"a large sheet with the headers beyond the rows read", func(t *testing.T) []byte {
			return withLedger(t, ledgerRows(20000, 20<<20, 1200, "标准分", "自评分"))
		}, nil, "", "「台账」不是考核表", time.Second},
		{"a 20 MB pivot cache of the 台账", func(t *testing.T) []byte {
			return replacePart(t, readTestdata(t, "official.xlsx"), "xl/pivotCache/pivotCacheRecords1.xml", spaces(20<<20), 0)
		}, nil, "", "", time.Second},
		{"12 MB of styles, not needed", func(t *testing.T) []byte {
			official := readTestdata(t, "official.xlsx")
			styles := partOf(official, "xl/styles.xml")
			return replacePart(t, official, "xl/styles.xml", func(w io.Writer) {
				i := bytes.LastIndex(styles, []byte("</styleSheet>"))
				w.Write(styles[:i])
				w.Write(bytes.Repeat([]byte(" "), 12<<20))
				w.Write(styles[i:])
			}, 0)
		}, nil, "", "", time.Second},
		{"12 MB of shared strings", func(t *testing.T) []byte {
			official := readTestdata(t, "official.xlsx")
			sst := partOf(official, "xl/sharedStrings.xml")
			return replacePart(t, official, "xl/sharedStrings.xml", func(w io.Writer) {
				i := bytes.LastIndex(sst, []byte("</sst>"))
				w.Write(sst[:i])
				w.Write(bytes.Repeat([]byte(" "), 12<<20))
				w.Write(sst[i:])
			}, 0)
		}, nil, CodeUnreadableFile, "过大", time.Second},
		{"a bomb beside the form", func(t *testing.T) []byte { return withLedger(t, spaces(110<<20)) },
			nil, CodeUnreadableFile, "解压后", time.Second},
		{"a bomb with a lying directory", func(t *testing.T) []byte {
			x := withLedger(t, func(w io.Writer) { io.WriteString(w, "<worksheet/>") })
			for _, s := range listSheetsOf(t, x) {
				if s.name == "台账" {
					return replacePart(t, x, s.part, spaces(110<<20), 4096)
				}
			}
			return nil
		}, nil, CodeUnreadableFile, "", time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			o := opts2021()
			if tc.opts != nil {
				tc.opts(&o)
			}
			start := time.Now()
			sub, fs := Read(data, o)
			checkBounded(t, time.Since(start), tc.limit)
			if tc.code != "" {
				if sub != nil || len(fs) != 1 || fs[0].Code != tc.code || !strings.Contains(fs[0].Message, tc.says) {
					t.Fatalf("want %s saying %q, got %+v", tc.code, tc.says, fs)
				}
				return
			}
			if sub == nil || sub.Sheet != "考核表" || len(errorsOf(fs)) != 0 {
				t.Fatalf("form beside a large sheet: %+v", fs)
			}
			found := tc.says == ""
			for _, f := range fs {
				found = found || (f.Code == CodeSheetsIgnored && strings.Contains(f.Message, tc.says))
			}
			if !found {
				t.Errorf("no note saying %q: %+v", tc.says, fs)
			}
		})
	}
}

// TestBigWorkbookMemory: a workbook whose 台账 unpacks to 50 MB is read
// allocating under 200 MB in all. Not parallel, so that the count is the
// read's alone.
func TestBigWorkbookMemory(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"inline text", withLedger(t, ledgerRows(20000, 50<<20, 0))},
		{"shared strings", withSharedLedger(t, 20000, 50<<20)},
	} {
		o := opts2021()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		sub, fs := Read(c.data, o)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if sub == nil || len(errorsOf(fs)) != 0 {
			t.Fatalf("%s: %+v", c.name, fs)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d KB file, read in %v, %.1f MB allocated", c.name, len(c.data)>>10, took, float64(alloc)/(1<<20))
		if alloc > 200<<20 {
			t.Errorf("%s: allocated %.0f MB", c.name, float64(alloc)/(1<<20))
		}
		checkBounded(t, took, 2*time.Second)
	}
}

// TestFormKeysFindSharedStrings: the shared strings holding the title or
// the headers are found by their index, as a full decoding of the table
// finds them, in the tables LibreOffice and excelize write.
func TestFormKeysFindSharedStrings(t *testing.T) {
	t.Parallel()
	o := opts2021()
	for _, name := range []string{"ledger_lo.xlsx", "libreoffice.xlsx", "official.xlsx", "sheets_2020_first_lo.xlsx"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			must(t, err)
			entries := map[string]*zip.File{}
			for _, f := range zr.File {
				entries[f.Name] = f
			}
			k := newFormKeys(entries, o.Form, o.limits())
			if k.unknown {
				t.Fatal("shared strings not searched")
			}
			var sst struct {
				SI []struct {
					Inner string `xml:",innerxml"`
				} `xml:"si"`
			}
			must(t, xml.Unmarshal(partOf(data, "xl/sharedStrings.xml"), &sst))
			want := map[string]bool{}
			for i, si := range sst.SI {
				var text struct {
					T []string `xml:"t"`
					R []struct {
						T string `xml:"t"`
					} `xml:"r"`
				}
				must(t, xml.Unmarshal([]byte("<si>"+si.Inner+"</si>"), &text))
				all := strings.Join(text.T, "")
				for _, r := range text.R {
					all += r.T
				}
				for _, key := range []string{titleCore(o.Form.Title), o.Form.Columns.Self, o.Form.Columns.Cap} {
					if strings.Contains(all, key) {
						want[fmt.Sprintf("<v>%d</v>", i)] = true
					}
				}
			}
			got := map[string]bool{}
			for _, v := range k.shared {
				got[string(v)] = true
			}
			if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("indices %v, want %v", got, want)
			}
		})
	}
}
