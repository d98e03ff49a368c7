package assess

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cputime"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/validate"
)

// writerForms are one filled form as each writer agencies use saves it:
// "template" is the blank form filled in by excelize, "libreoffice" the
// official form saved by LibreOffice Calc, "openpyxl" the same written
// back by openpyxl (validate/testdata/README says how they were made).
func writerForms(b *testing.B) []namedForm {
	filled, err := sample.Workbook(form, sample.Good("东城区", true))
	if err != nil {
		b.Fatal(err)
	}
	out := []namedForm{{"template", filled}}
	for _, w := range []string{"libreoffice", "openpyxl"} {
		data, err := os.ReadFile("../validate/testdata/" + w + ".xlsx")
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, namedForm{w, data})
	}
	return out
}

type namedForm struct {
	name string
	data []byte
}

// BenchmarkCheckForm checks one filled form end to end: open, locate,
// validate and score (target: under 3 ms and 2 MB allocated per form, and
// at most 1.3 times BenchmarkExcelizeFloor on the same file).
func BenchmarkCheckForm(b *testing.B) {
	for _, c := range writerForms(b) {
		b.Run(c.name, func(b *testing.B) {
			opts := Options{Validate: validate.Options{Form: form, Filename: "东城区.xlsx"}, Type: scoring.District}
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			cpu0 := cputime.Self()
			for b.Loop() {
				r, err := Check(context.Background(), c.data, opts)
				if err != nil {
					b.Fatal(err)
				}
				if r.Status != StatusAccepted || r.VerifiedTotal == 0 {
					b.Fatalf("%s: %+v", r.Status, r.Findings)
				}
			}
			// On a shared machine wall time varies with the neighbours; the
			// process's CPU time per form is the steadier figure.
			b.ReportMetric(float64((cputime.Self()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkExcelizeFloor is the least any excelize-based reader does with
// a form: open the workbook from memory and get the rows of its sheet.
func BenchmarkExcelizeFloor(b *testing.B) {
	for _, c := range writerForms(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			cpu0 := cputime.Self()
			for b.Loop() {
				x, err := excelize.OpenReader(bytes.NewReader(c.data))
				if err != nil {
					b.Fatal(err)
				}
				rows, err := x.GetRows(x.GetSheetList()[0])
				if err != nil || len(rows) < 40 {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
				x.Close()
			}
			b.ReportMetric(float64((cputime.Self()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
