package roster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the CSV reader arbitrary bytes: it must not panic, and a
// roster it returns must keep its own promises.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, problems, err := Parse("fuzz.csv", data)
		if err != nil {
			if r != nil {
				t.Fatal("roster returned with an error")
			}
			return
		}
		for _, p := range problems {
			if p.Row < 0 || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		for _, a := range r.Agencies {
			if strings.TrimSpace(a.Name) == "" || a.Type == "" {
				t.Fatalf("agency without name or type: %+v", a)
			}
			if got, ok := r.ByUnit(a.Name); !ok || got.Name != a.Name {
				t.Fatalf("ByUnit(%q) = %q, %v", a.Name, got.Name, ok)
			}
			// A stranger naming an agency never files under it.
			if got, known, _ := r.Resolve("nobody@invalid.example", a.Name); known {
				t.Fatalf("Resolve(stranger, %q) = %q known", a.Name, got.Name)
			}
			for _, e := range a.Emails {
				if got, ok := r.BySender(e); ok && got.Name != a.Name {
					t.Fatalf("BySender(%q) = %q, listed under %q", e, got.Name, a.Name)
				}
				if got, known, mismatch := r.Resolve(e, a.Name); got.Name != a.Name || !known || mismatch {
					t.Fatalf("Resolve(%q, %q) = %q known=%v mismatch=%v", e, a.Name, got.Name, known, mismatch)
				}
			}
		}
	})
}
