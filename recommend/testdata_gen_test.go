package recommend

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteTestdata writes the excelize original of testdata/libreoffice.xlsx
// when RECOMMEND_WRITE_TESTDATA names a directory; testdata/README says how
// it is saved through LibreOffice.
func TestWriteTestdata(t *testing.T) {
	dir := os.Getenv("RECOMMEND_WRITE_TESTDATA")
	if dir == "" {
		t.Skip("set RECOMMEND_WRITE_TESTDATA=dir to regenerate")
	}
	must(t, os.WriteFile(filepath.Join(dir, "libreoffice.xlsx"), buildFilled(t, interopFilling(), nil), 0o644))
}
