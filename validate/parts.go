package validate

import (
	"bytes"
	"kaohe/internal/xlsxpart"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetXML returns the raw XML of a worksheet as excelize holds it, found
// through the workbook's relationships; nil when it cannot be found (the
// callers then fall back to excelize's own, slower, DOM-based calls).
func sheetXML(f *excelize.File, sheet string) []byte {
	wb, ok1 := loadPart(f, "xl/workbook.xml")
	rels, ok2 := loadPart(f, "xl/_rels/workbook.xml.rels")
	if !ok1 || !ok2 {
		return nil
	}
	parts, err := xlsxpart.Sheets(wb, rels)
	if err != nil {
		return nil
	}
	for _, sp := range parts {
		if sp.Name != sheet || sp.Part == "" {
			continue
		}
		if b, ok := loadPart(f, sp.Part); ok {
			return b
		}
	}
	return nil
}

// loadPart returns a package part excelize keeps in memory.
func loadPart(f *excelize.File, name string) ([]byte, bool) {
	v, ok := f.Pkg.Load(name)
	if !ok {
		return nil, false
	}
	b, ok := v.([]byte)
	return b, ok
}

// rawMerges lists the merged ranges of a worksheet's XML without building
// its DOM: the ref attributes of the elements after "<mergeCells".
func rawMerges(x []byte) []string {
	i := bytes.Index(x, []byte("mergeCells"))
	if i < 0 {
		return nil
	}
	x = x[i:]
	var out []string
	for len(out) < maxMerges {
		j := bytes.Index(x, []byte("mergeCell "))
		if j < 0 {
			break
		}
		x = x[j+len("mergeCell "):]
		end := bytes.IndexByte(x, '>')
		if end < 0 {
			break
		}
		attrs := x[:end]
		k := bytes.Index(attrs, []byte(`ref="`))
		if k < 0 || (k > 0 && attrs[k-1] != ' ') {
			continue
		}
		v := attrs[k+len(`ref="`):]
		if q := bytes.IndexByte(v, '"'); q > 0 {
			out = append(out, string(v[:q]))
		}
	}
	return out
}

// mayHavePictures reports whether a sheet can have pictures: a drawing, or
// cell images (Excel's picture in cell, WPS's DISPIMG).
func mayHavePictures(f *excelize.File, x []byte) bool {
	if x == nil || hasElement(x, "drawing") || bytes.Contains(x, []byte(" vm=")) {
		return true
	}
	found := false
	f.Pkg.Range(func(k, _ any) bool {
		name, _ := k.(string)
		lower := strings.ToLower(name)
		if strings.Contains(lower, "cellimages") || strings.Contains(lower, "richdata") {
			found = true
			return false
		}
		return true
	})
	return found
}

// hasElement reports whether the XML may have an element of the local name,
// with or without a namespace prefix. A namespace URI that merely contains
// the name (LibreOffice declares …/drawingml/… on every sheet) does not
// count, since only an element opening '<' or a prefix ':' before the name
// and a delimiter after it do.
func hasElement(x []byte, local string) bool {
	name := []byte(local)
	for i := 0; ; {
		j := bytes.Index(x[i:], name)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(name)
		if at > 0 && (x[at-1] == '<' || x[at-1] == ':') && end < len(x) {
			switch x[end] {
			case ' ', '\t', '\r', '\n', '/', '>':
				return true
			}
		}
		i = end
	}
}
