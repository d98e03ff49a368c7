package annotate

import (
	"testing"

	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/templates"
)

// BenchmarkAnnotate writes the check on the official form with one error:
// the annotated copy a receipt carries when the form needs fixing.
func BenchmarkCopy(b *testing.B) {
	form := templates.MustLoad(2021)
	rep := check(b, mustWorkbook(b, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9))))
	if rep.Status != assess.StatusNeedsFix {
		b.Fatalf("status %s", rep.Status)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := Copy(rep, form)
		if err != nil || len(out) < 4000 {
			b.Fatalf("%d bytes, %v", len(out), err)
		}
	}
}
