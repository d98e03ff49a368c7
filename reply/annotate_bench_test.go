package reply

import (
	"testing"

	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// BenchmarkAnnotate writes the check on the official form with one error:
// the annotated copy a receipt carries when the form needs fixing.
func BenchmarkAnnotate(b *testing.B) {
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	if err != nil {
		b.Fatal(err)
	}
	rep := assess.Check(data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	if rep.Status != assess.StatusNeedsFix {
		b.Fatalf("status %s", rep.Status)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := Annotate(data, rep, form)
		if err != nil || len(out) < len(data)/2 {
			b.Fatalf("%d bytes, %v", len(out), err)
		}
	}
}
