package assess

import (
	"os"
	"testing"

	"kaohe/internal/cputime"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/validate"
)

// BenchmarkCheckForm checks one filled form end to end: open, locate,
// validate and score (target: under 3 ms and 2 MB allocated per form).
// "template" is the blank form filled in by excelize, "libreoffice" the
// same form saved by LibreOffice Calc.
func BenchmarkCheckForm(b *testing.B) {
	filled, err := sample.Workbook(form, sample.Good("东城区", true))
	if err != nil {
		b.Fatal(err)
	}
	saved, err := os.ReadFile("../validate/testdata/libreoffice.xlsx")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"template", filled}, {"libreoffice", saved}} {
		b.Run(c.name, func(b *testing.B) {
			opts := Options{Validate: validate.Options{Form: form, Filename: "东城区.xlsx"}, Type: scoring.District}
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			cpu0 := cputime.Self()
			for b.Loop() {
				r := Check(c.data, opts)
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
