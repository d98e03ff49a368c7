package validate

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"sync"
)

// slimmed is a workbook ready for reading values: the parts a reader of
// values never looks at are left out, and the styles are set aside.
type slimmed struct {
	data []byte
	// styles is xl/styles.xml when it was set aside: excelize parses the
	// styles on every open, yet only a percent-formatted 覆盖率 cell needs
	// them, so they are inflated and handed back to excelize when that
	// cell is met.
	styles *zip.File
}

// inflate returns the part's bytes, or nil when it cannot be read. sniff
// has bounded every part's declared size, and reading stops there.
func inflate(f *zip.File) []byte {
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil || uint64(len(b)) != f.UncompressedSize64 {
		return nil
	}
	return b
}

// stylesPart is where excelize reads the styles from, whatever the
// relationships say.
const stylesPart = "xl/styles.xml"

// maxRewrite bounds the parts slim inflates to rewrite: a form's sheet or
// shared strings are tens of KB; a large part beside the form is passed on
// as it is, so that it is not held three times over.
const maxRewrite = 2 << 20

// slim copies the workbook without the parts a reader of values has no use
// for (colour theme, calculation chain, document properties, printer
// settings), without its styles, with the worksheets named in stub
// replaced by an empty sheet (never inflated), and with the shared strings
// and the other worksheets rid of elements the reader never looks at
// (rewrite); the other parts are copied as they are compressed. On any
// trouble the workbook is returned unchanged, and ok is false.
func slim(data []byte, stub map[string]bool) (out slimmed, ok bool) {
	unchanged := slimmed{data: data}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return unchanged, false
	}
	found := len(stub) > 0
	size := len(data) // parts stored uncompressed make the copy larger
	for _, f := range zr.File {
		if stub[f.Name] {
			size += len(emptySheet) - int(f.CompressedSize64)
			continue
		}
		rewritten := rewrite(f) != nil
		found = found || rewritten || droppable(f.Name) || f.Name == stylesPart
		if rewritten {
			size += int(f.UncompressedSize64)
		}
	}
	if !found {
		return unchanged, true
	}
	var buf bytes.Buffer
	buf.Grow(size)
	copyBuf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(copyBuf)
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if droppable(f.Name) {
			continue
		}
		if f.Name == stylesPart && out.styles == nil {
			out.styles = f
			continue
		}
		if stub[f.Name] {
			h := zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: f.Modified}
			w, err := zw.CreateHeader(&h)
			if err != nil {
				return unchanged, false
			}
			if _, err := io.WriteString(w, emptySheet); err != nil {
				return unchanged, false
			}
			continue
		}
		if change := rewrite(f); change != nil {
			b := inflate(f)
			if b == nil {
				return unchanged, false
			}
			// Stored, not compressed: it has just been inflated, and
			// excelize would inflate it again.
			h := zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: f.Modified}
			w, err := zw.CreateHeader(&h)
			if err != nil {
				return unchanged, false
			}
			if _, err := w.Write(change(b)); err != nil {
				return unchanged, false
			}
			continue
		}
		rc, err := f.OpenRaw()
		if err != nil {
			return unchanged, false
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return unchanged, false
		}
		if _, err := io.CopyBuffer(w, rc, *copyBuf); err != nil {
			return unchanged, false
		}
	}
	if err := zw.Close(); err != nil {
		return unchanged, false
	}
	out.data = buf.Bytes()
	return out, true
}

// emptySheet stands in for a worksheet that is not read.
const emptySheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`

// rewrite returns how slim changes a part, nil for a part copied as it is.
func rewrite(f *zip.File) func([]byte) []byte {
	if f.UncompressedSize64 > maxRewrite {
		return nil
	}
	switch name := strings.ToLower(f.Name); {
	case name == "xl/sharedstrings.xml":
		return stripRunProperties
	case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml") && !strings.Contains(name, "/_rels/"):
		return stripDataValidations
	}
	return nil
}

// stripRunProperties removes from a shared-string table the formatting of
// rich-text runs (<rPr>) and the phonetic guides (<rPh>, <phoneticPr>,
// which Excel in a Chinese locale adds to many strings): the values read
// the same without them, and workbooks saved by LibreOffice, or by Excel
// from text with mixed fonts, carry half a dozen elements of formatting
// per run, which made decoding the table the larger part of reading a
// form.
func stripRunProperties(x []byte) []byte {
	for _, name := range []string{"rPr", "rPh", "phoneticPr"} {
		x = dropElements(x, name)
	}
	return x
}

// stripDataValidations removes a worksheet's drop-down lists and input
// tips (<dataValidations>), which the reader never uses: they follow the
// cells, so excelize's row reader, which reads on to the end of the sheet
// after its last row, spent more time on them than on the cells of the
// official form, whose blank carries one for every input cell.
func stripDataValidations(x []byte) []byte { return dropElements(x, "dataValidations") }

// dropElements removes every element of the local name, written without a
// namespace prefix, with its content. The element must not nest in itself.
// Neither element text nor attribute values can hold a literal '<', so
// "<name" is always markup, except within a comment, a CDATA section, a
// document type or a processing instruction: a part with any of these
// (beyond the XML declaration) is left as it is, and so is one where an
// element does not end.
func dropElements(x []byte, local string) []byte {
	open, end := []byte("<"+local), []byte("</"+local+">")
	if !bytes.Contains(x, open) || bytes.Contains(x, []byte("<!")) || bytes.Contains(afterDeclaration(x), []byte("<?")) {
		return x
	}
	out := make([]byte, 0, len(x))
	rest := x
	for {
		i := bytes.Index(rest, open)
		if i < 0 {
			break
		}
		after := rest[i+len(open):]
		if len(after) == 0 {
			return x
		}
		switch after[0] {
		case ' ', '\t', '\r', '\n', '>', '/':
		default: // a longer name: keep it and look further
			out = append(out, rest[:i+len(open)]...)
			rest = after
			continue
		}
		gt := bytes.IndexByte(after, '>')
		if gt < 0 {
			return x
		}
		var next []byte
		if gt > 0 && after[gt-1] == '/' {
			next = after[gt+1:] // <name …/>
		} else {
			j := bytes.Index(after, end)
			if j < 0 {
				return x
			}
			next = after[j+len(end):]
		}
		out = append(out, rest[:i]...)
		rest = next
	}
	return append(out, rest...)
}

// afterDeclaration returns the part after its XML declaration, if any.
func afterDeclaration(x []byte) []byte {
	t := bytes.TrimLeft(x, "\ufeff \t\r\n")
	if bytes.HasPrefix(t, []byte("<?xml")) {
		if i := bytes.Index(t, []byte("?>")); i >= 0 {
			return t[i+2:]
		}
	}
	return x
}

// copyBuffers spare each copy of a part its own 32 KB buffer: the zip
// writer offers io.Copy no shortcut.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// droppable reports whether a part is of no use to a reader of values.
func droppable(name string) bool {
	for _, prefix := range droppablePrefixes {
		if len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

var droppablePrefixes = []string{"xl/theme/", "xl/printerSettings/", "docProps/", "xl/calcChain.xml",
	// What a 台账 beside the form brings along, and may be large: pivot
	// tables and their caches of the data, charts, comments, links to
	// other workbooks, data models and queries, controls.
	"xl/pivotCache/", "xl/pivotTables/", "xl/charts/", "xl/chartsheets/", "xl/comments", "xl/threadedComments/",
	"xl/persons/", "xl/externalLinks/", "xl/model/", "xl/queryTables/", "xl/connections.xml", "xl/slicers/",
	"xl/slicerCaches/", "xl/timelines/", "xl/timelineCaches/", "xl/activeX/", "xl/ctrlProps/", "customXml/"}
