package validate

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes, seeded with the workbooks of testdata/,
// to Read: it must not panic (Read recovers, so a recovered panic shows as
// the generic unreadable_file message and fails here too), must return a
// submission or a single file-level finding, and every finding must carry
// a code, a severity and a message.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	o := opts2021()
	f.Fuzz(func(t *testing.T, data []byte) {
		sub, fs := Read(data, o)
		if sub == nil && (len(fs) != 1 || !fs[0].Code.FileLevel()) {
			t.Fatalf("no submission and findings %+v", fs)
		}
		for _, fd := range fs {
			if fd.Code == "" || fd.Message == "" || fd.Severity != fd.Code.Severity() {
				t.Fatalf("bad finding %+v", fd)
			}
			if fd.Message == panicMessage {
				t.Fatalf("Read panicked")
			}
		}
		if sub != nil && (len(sub.Scores) != len(o.Form.Indicators()) || len(sub.Fields) != len(o.Form.Fields)) {
			t.Fatalf("submission lacks entries: %d scores, %d fields", len(sub.Scores), len(sub.Fields))
		}
	})
}
