package recommend

import (
	"archive/zip"
	"bytes"
	"io"
	"strconv"
	"testing"
)

func strconvF(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

// appProps is the document's docProps/app.xml: the application that saved it.
func appProps(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	for _, f := range zr.File {
		if f.Name == "docProps/app.xml" {
			rc, err := f.Open()
			must(t, err)
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	return nil
}
