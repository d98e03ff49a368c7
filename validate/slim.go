package validate

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
)

// slim returns the workbook without its colour theme, the other parts
// copied as they are compressed: excelize parses the theme on every open,
// and a reader of values has no use for it. On any trouble the workbook is
// returned unchanged.
func slim(data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return data
	}
	found := false
	for _, f := range zr.File {
		found = found || isThemePart(f.Name)
	}
	if !found {
		return data
	}
	var buf bytes.Buffer
	buf.Grow(len(data))
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if isThemePart(f.Name) {
			continue
		}
		rc, err := f.OpenRaw()
		if err != nil {
			return data
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return data
		}
		if _, err := io.Copy(w, rc); err != nil {
			return data
		}
	}
	if err := zw.Close(); err != nil {
		return data
	}
	return buf.Bytes()
}

func isThemePart(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "xl/theme/")
}
