package validate

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kaohe/internal/xlsxpart"
	"kaohe/templates"
)

// A workbook may carry, beside the form, sheets many megabytes large (a
// 20,000-row 台账 pasted in). The form's sheet is a few tens of KB, so the
// worksheets are sorted before excelize opens the package: a sheet part
// that may hold the form is read, and held to the part limit; any other
// large sheet is replaced by an empty one and never inflated beyond a
// peek at the rows the reader would look at (maxGridRows).

// smallSheet is the size below which a worksheet is always read: the
// form's sheet is well under it, and reading one costs milliseconds.
const smallSheet = 1 << 20

// A large worksheet is inflated peekChunk bytes at a time, looking for
// the form's title or headers, until maxGridRows rows (the most the reader
// looks at: a form further down would not be found anyway) or maxPeek
// bytes have passed. For a 台账 of 2.5 KB rows that is 2.5 MB of 50.
const (
	peekChunk = 64 << 10
	maxPeek   = 4 << 20
	// peekOverlap is kept from one chunk to the next, so that a key or a
	// cell's tag and value cut by the chunk's end are still seen whole.
	peekOverlap = 512
)

// sheetPlan says which worksheet parts a Read leaves out.
type sheetPlan struct {
	// mustSlim is set when parts above the part limit are left to slim to
	// drop or set aside: the workbook cannot be read unslimmed.
	mustSlim bool
	// stub holds the zip entry names of the worksheets replaced by an
	// empty sheet.
	stub map[string]bool
	// unread holds the names of the sheets whose part is stubbed.
	unread map[string]bool
}

// bookSheet is one sheet as the workbook lists it.
type bookSheet struct{ name, part string }

// planSheets decides which worksheets are read, and returns the finding
// that refuses the workbook when a sheet that may hold the form is above
// the part limit. sniff has bounded every other part.
func planSheets(zr *zip.Reader, form *templates.Form, lim limits, name string) (sheetPlan, *Finding) {
	var plan sheetPlan
	entries := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	sheets := listSheets(entries, lim)
	named := map[string]string{}
	for _, s := range sheets {
		named[s.part] = s.name
	}
	var keys *formKeys
	for _, f := range zr.File {
		if !isWorksheet(f.Name) {
			plan.mustSlim = plan.mustSlim || f.UncompressedSize64 > uint64(lim.part)
			continue
		}
		size := f.UncompressedSize64
		sheet, listed := named[f.Name]
		read := size <= smallSheet
		if !read && sheets != nil {
			if keys == nil {
				keys = newFormKeys(entries, form, lim)
			}
			read = keys.unknown || keys.foundAtStart(f)
		}
		if sheets == nil {
			read = true // the workbook's list is unreadable: read every sheet, as before
		}
		if !read {
			if plan.stub == nil {
				plan.stub, plan.unread = map[string]bool{}, map[string]bool{}
			}
			plan.stub[f.Name] = true
			plan.mustSlim = true
			if listed {
				plan.unread[sheet] = true
			}
			continue
		}
		if size > uint64(lim.part) {
			what := "中的工作表"
			if listed {
				what = "中的工作表「" + sheet + "」"
			}
			return sheetPlan{}, fileFinding(CodeUnreadableFile, fmt.Sprintf("%s%s过大（解压后超过 %s），无法处理。请只保留考核表工作表，删除多余的行和数据，保存为 .xlsx 后再发送。",
				name, what, fmtSize(lim.part)))
		}
	}
	return plan, nil
}

// isWorksheet reports whether a zip entry is a worksheet's XML.
func isWorksheet(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "xl/worksheets/") && strings.HasSuffix(lower, ".xml") && !strings.Contains(lower, "/_rels/")
}

// listSheets reads the sheets' names and parts from the workbook and its
// relationships; nil when they cannot be read.
func listSheets(entries map[string]*zip.File, lim limits) []bookSheet {
	wb, rels := entries["xl/workbook.xml"], entries["xl/_rels/workbook.xml.rels"]
	if wb == nil || rels == nil || wb.UncompressedSize64 > uint64(lim.part) || rels.UncompressedSize64 > uint64(lim.part) {
		return nil
	}
	wbx, relx := inflate(wb), inflate(rels)
	if wbx == nil || relx == nil {
		return nil
	}
	parts, err := xlsxpart.Sheets(wbx, relx)
	if err != nil {
		return nil
	}
	out := make([]bookSheet, 0, len(parts))
	for _, sp := range parts {
		out = append(out, bookSheet{name: sp.Name, part: sp.Part})
	}
	return out
}

// foundAtStart reports whether a key is in the rows of a worksheet the
// reader would look at, inflating no further than they reach (and at most
// maxPeek bytes). A part that cannot be inflated holds no key: excelize
// would not read it either.
func (k *formKeys) foundAtStart(f *zip.File) bool {
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	buf := make([]byte, peekOverlap+peekChunk)
	kept, rows := 0, 0
	for read := 0; read < maxPeek; {
		n, err := io.ReadFull(rc, buf[kept:])
		read += n
		chunk := buf[:kept+n]
		if k.foundIn(chunk) {
			return true
		}
		rows += bytes.Count(chunk[kept:], []byte("<row"))
		if err != nil || rows > maxGridRows {
			return false
		}
		kept = copy(buf, chunk[len(chunk)-min(peekOverlap, len(chunk)):])
	}
	return false
}

// formKeys are the texts that show a sheet may hold the form: the title
// without its year (so that another year's form is found too), and the
// 自评分 and 标准分 headers, as inline text and as shared-string indices.
type formKeys struct {
	texts [][]byte
	// shared are the `<v>n</v>` of the shared strings holding a key.
	shared [][]byte
	// unknown is set when the shared strings could not be searched: every
	// sheet is then read.
	unknown bool
}

// maxKeyStrings bounds how many shared strings holding a key are looked
// for in a peek.
const maxKeyStrings = 64

func newFormKeys(entries map[string]*zip.File, form *templates.Form, lim limits) *formKeys {
	k := &formKeys{}
	for _, s := range []string{titleCore(form.Title), form.Columns.Self, form.Columns.Cap} {
		if s != "" {
			// Writers that encode in ASCII (openpyxl without lxml) write
			// every Chinese character as a character reference.
			k.texts = append(k.texts, []byte(s), charRefs(s, "&#%d;"), charRefs(s, "&#x%x;"), charRefs(s, "&#x%X;"))
		}
	}
	var sst *zip.File
	for name, f := range entries {
		if strings.EqualFold(name, "xl/sharedStrings.xml") {
			sst = f
		}
	}
	if sst == nil {
		return k
	}
	if sst.UncompressedSize64 > uint64(lim.part) {
		k.unknown = true // sniff refuses such a workbook anyway
		return k
	}
	x := inflate(sst)
	if x == nil || bytes.Contains(x, []byte(":si>")) || bytes.Contains(x, []byte(":si ")) {
		k.unknown = true // a namespace prefix: the <si> count below would be wrong
		return k
	}
	for _, t := range k.texts {
		for from := 0; len(k.shared) < maxKeyStrings; {
			i := bytes.Index(x[from:], t)
			if i < 0 {
				break
			}
			at := from + i
			n := bytes.Count(x[:at], []byte("<si>")) + bytes.Count(x[:at], []byte("<si ")) - 1
			if n >= 0 {
				k.shared = append(k.shared, []byte("<v>"+strconv.Itoa(n)+"</v>"))
			}
			from = at + len(t)
		}
	}
	return k
}

// charRefs writes s as XML character references in the given format.
func charRefs(s, format string) []byte {
	var b []byte
	for _, r := range s {
		b = fmt.Appendf(b, format, r)
	}
	return b
}

// foundIn reports whether the start of a sheet holds a key: as text, or
// as a shared-string cell whose string holds one.
func (k *formKeys) foundIn(x []byte) bool {
	for _, t := range k.texts {
		if bytes.Contains(x, t) {
			return true
		}
	}
	for _, v := range k.shared {
		for from := 0; ; {
			i := bytes.Index(x[from:], v)
			if i < 0 {
				break
			}
			at := from + i
			// The cell's tag is the last "<c" before the value.
			if c := bytes.LastIndex(x[:at], []byte("<c")); c >= 0 && sharedType(x[c:at]) {
				return true
			}
			from = at + len(v)
		}
	}
	return false
}

// sharedType reports whether a cell's start tag says its value indexes
// the shared strings.
func sharedType(tag []byte) bool {
	return bytes.Contains(tag, []byte(` t="s"`)) || bytes.Contains(tag, []byte(` t='s'`))
}

// titleCore is the form's title without its leading year.
func titleCore(title string) string {
	core := strings.TrimLeft(title, "0123456789")
	core = strings.TrimPrefix(core, "年度")
	return strings.TrimPrefix(core, "年")
}
