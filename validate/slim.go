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

// slim copies the workbook without the parts a reader of values has no use
// for (colour theme, calculation chain, document properties, printer
// settings) and without its styles, the other parts copied as they are
// compressed. On any trouble the workbook is returned unchanged.
func slim(data []byte) slimmed {
	unchanged := slimmed{data: data}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return unchanged
	}
	found := false
	size := len(data) // the stored shared strings can make the copy larger
	for _, f := range zr.File {
		found = found || droppable(f.Name) || f.Name == stylesPart || isSharedStrings(f.Name)
		if isSharedStrings(f.Name) && f.UncompressedSize64 < 1<<30 {
			size += int(f.UncompressedSize64)
		}
	}
	if !found {
		return unchanged
	}
	var out slimmed
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
		if isSharedStrings(f.Name) {
			b := inflate(f)
			if b == nil {
				return unchanged
			}
			b = stripRunProperties(b)
			// Stored, not compressed: it has just been inflated, and
			// excelize would inflate it again.
			h := zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: f.Modified}
			w, err := zw.CreateHeader(&h)
			if err != nil {
				return unchanged
			}
			if _, err := w.Write(b); err != nil {
				return unchanged
			}
			continue
		}
		rc, err := f.OpenRaw()
		if err != nil {
			return unchanged
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return unchanged
		}
		if _, err := io.CopyBuffer(w, rc, *copyBuf); err != nil {
			return unchanged
		}
	}
	if err := zw.Close(); err != nil {
		return unchanged
	}
	out.data = buf.Bytes()
	return out
}

func isSharedStrings(name string) bool {
	return strings.EqualFold(name, "xl/sharedStrings.xml")
}

// stripRunProperties removes the formatting of rich-text runs (<rPr>…</rPr>)
// from a shared-string table: the values read the same without it, and
// workbooks saved by LibreOffice, or by Excel from text with mixed fonts,
// carry half a dozen elements of it per run, which made decoding the table
// the larger part of reading a form. Element text cannot hold a literal
// '<', so "<rPr>" is always markup, except within a comment or CDATA
// section; a table with either is left as it is.
func stripRunProperties(x []byte) []byte {
	open, close := []byte("<rPr>"), []byte("</rPr>")
	if !bytes.Contains(x, open) || bytes.Contains(x, []byte("<!--")) || bytes.Contains(x, []byte("<![CDATA[")) {
		return x
	}
	out := make([]byte, 0, len(x))
	for {
		i := bytes.Index(x, open)
		if i < 0 {
			break
		}
		j := bytes.Index(x[i:], close)
		if j < 0 {
			break
		}
		out = append(out, x[:i]...)
		x = x[i+j+len(close):]
	}
	return append(out, x...)
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

var droppablePrefixes = []string{"xl/theme/", "xl/printerSettings/", "docProps/", "xl/calcChain.xml"}
