package reply

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestReceiptGolden renders the receipt of a representative report (errors,
// a warning, a note, a field finding, a non-form attachment) and compares it
// with testdata/receipt.{txt,html}.golden. Run with -update after a wording
// change and read the diff.
func TestReceiptGolden(t *testing.T) {
	t.Parallel()
	view, _, warnings := receiptView(testIncoming(t), testOptions())
	if len(warnings) != 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	r := renderer{}
	text, err := r.text(tmplReceiptText, view)
	if err != nil {
		t.Fatal(err)
	}
	html, err := r.html(tmplReceiptHTML, view)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"receipt.txt.golden": text, "receipt.html.golden": html} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestReceiptGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the rendering; rerun with -update and review the diff\n--- got ---\n%s", name, got)
		}
	}
}
