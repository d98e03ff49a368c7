package recommend

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds the reader arbitrary bytes, seeded with the forms of
// testdata and a few made here. Whatever it gets, it must not panic, must
// return a form or exactly one file-level finding, and a form it returns
// must check without panicking.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.xlsx"))
	more, _ := filepath.Glob(filepath.Join("testdata", "seeds", "*"))
	for _, p := range append(seeds, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(buildFilled(f, goodFilling(), nil))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		form, fs := Read(data, ReadOptions{Definition: def2021})
		if form == nil {
			if len(fs) != 1 {
				t.Fatalf("no form and %d findings", len(fs))
			}
			if fs[0].Message == "" || fs[0].Code == "" {
				t.Fatalf("finding without code or message: %+v", fs[0])
			}
			return
		}
		if len(fs) != 0 {
			t.Fatalf("a form and findings %+v", fs)
		}
		for _, fd := range Check(form, def2021, goodContext()) {
			if fd.Message == "" {
				t.Fatalf("finding without message: %+v", fd)
			}
		}
		_ = Recognise(data)
	})
}
