package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
)

// TestWriteTestdata regenerates the excelize-written files of testdata/
// when VALIDATE_WRITE_TESTDATA names a directory; the LibreOffice files are
// converted from them by hand (see testdata/README).
func TestWriteTestdata(t *testing.T) {
	dir := os.Getenv("VALIDATE_WRITE_TESTDATA")
	if dir == "" {
		t.Skip("set VALIDATE_WRITE_TESTDATA=dir to regenerate")
	}
	o := opts2021()
	good := sample.Good("海淀区", true)
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := sample.Workbook(o.Form, good)
	must(t, err)
	write("official.xlsx", data)
	write("retyped.xlsx", buildForm(t, o.Form, good, layout{text: true, vertical: true, noTitle: true}).data)
	write("moved.xlsx", buildForm(t, o.Form, good, layout{top: 3, left: 2, idCol: true, selfFirst: true, pictures: true}).data)
	write("form2020.xlsx", buildForm(t, o.Form, good, layout{year: 2020}).data)
	x := excelize.NewFile()
	must(t, x.SetCellValue("Sheet1", "A1", "考核"))
	var buf bytes.Buffer
	must(t, x.Write(&buf, excelize.Options{Password: "123"}))
	write("encrypted.xlsx", buf.Bytes())
}
