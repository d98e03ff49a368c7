package validate

import (
	"testing"

	"kaohe/internal/cputime"
	"kaohe/internal/sample"
)

// BenchmarkReadForm opens, locates and checks one filled official form
// (target: under 3 ms and 2 MB allocated per form).
func BenchmarkReadForm(b *testing.B) {
	o := opts2021()
	data, err := sample.Workbook(o.Form, sample.Good("东城区", true))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cputime.Self()
	for b.Loop() {
		sub, fs := Read(data, o)
		if sub == nil || len(fs) != 0 {
			b.Fatalf("%+v", fs)
		}
	}
	// On a shared, loaded machine wall time says little; CPU time of the
	// process per form is the figure to compare.
	b.ReportMetric(float64((cputime.Self()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkReadRetyped reads the re-typed form (values as text, vertical
// basic figures, no title).
func BenchmarkReadRetyped(b *testing.B) {
	o := opts2021()
	data := readTestdata(b, "retyped.xlsx")
	b.ReportAllocs()
	for b.Loop() {
		if sub, _ := Read(data, o); sub == nil {
			b.Fatal("not read")
		}
	}
}

// BenchmarkRejectZipBomb measures refusing a workbook whose sheet inflates
// to 110 MB: only the zip directory is read.
func BenchmarkRejectZipBomb(b *testing.B) {
	o := opts2021()
	data := replacePart(b, tinyWorkbook(b), "xl/worksheets/sheet1.xml", spaces(110<<20), 0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, fs := Read(data, o); len(fs) != 1 || fs[0].Code != CodeUnreadableFile {
			b.Fatalf("%+v", fs)
		}
	}
}

// BenchmarkReadBesideLedger reads the form beside a 20,000-row 台账 that
// unpacks to 50 MB (target: under 2 s and 200 MB): the 台账 is only
// peeked at. "inline" writes the 台账's text in its cells, "shared" in the
// shared strings, which are read whole.
func BenchmarkReadBesideLedger(b *testing.B) {
	o := opts2021()
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"inline", withLedger(b, ledgerRows(20000, 50<<20, 0))},
		{"shared", withSharedLedger(b, 20000, 50<<20)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if sub, fs := Read(c.data, o); sub == nil || len(errorsOf(fs)) != 0 {
					b.Fatalf("%+v", fs)
				}
			}
		})
	}
}
