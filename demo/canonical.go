package demo

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"sort"
)

// defaultType is one <Default Extension=… ContentType=…> of [Content_Types].xml.
var defaultType = regexp.MustCompile(`<Default [^>]*>(?:</Default>)?`)

// canonicalXLSX rewrites a workbook so that the same content gives the
// same bytes: excelize lists the picture types of [Content_Types].xml in
// map order, which differs from run to run, and a different file would
// give the mail carrying it a different hash and its receipt a different
// Message-ID. The Default entries are sorted; nothing else changes.
func canonicalXLSX(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if f.Name == "[Content_Types].xml" {
			body = sortDefaults(body)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// sortDefaults puts the run of Default elements in sorted order, in place.
func sortDefaults(xml []byte) []byte {
	locs := defaultType.FindAllIndex(xml, -1)
	if len(locs) < 2 {
		return xml
	}
	items := make([]string, len(locs))
	for i, l := range locs {
		items[i] = string(xml[l[0]:l[1]])
	}
	sort.Strings(items)
	var b bytes.Buffer
	prev := 0
	for i, l := range locs {
		b.Write(xml[prev:l[0]])
		b.WriteString(items[i])
		prev = l[1]
	}
	b.Write(xml[prev:])
	return b.Bytes()
}
