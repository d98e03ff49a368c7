package formdef

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// The check suite on a definition loaded from disk gives what it gives on
// the built-in one: every problem the samples know, for both agency types,
// is found with the same code, cell and scores. Only the definition id
// differs, and the file's is recorded.
func TestFileFormChecksAsTheBuiltIn(t *testing.T) {
	t.Parallel()
	builtin := templates.MustLoad(2021)
	src, _ := templates.Source(2021)
	path := filepath.Join(t.TempDir(), "form-2021.yaml")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := templates.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if file.Embedded() || file.ID != builtin.ID {
		t.Fatalf("file form: embedded %v, id %s; want a file form with the built-in's id %s (same bytes)", file.Embedded(), file.ID, builtin.ID)
	}
	checked := 0
	for _, district := range []bool{true, false} {
		typ := map[bool]scoring.AgencyType{true: scoring.District, false: scoring.Sector}[district]
		cases := append([]sample.Problem{{Name: "good", Apply: func(*sample.Values) {}}}, sample.Problems(builtin, district)...)
		for _, p := range cases {
			v := sample.GoodFor(builtin, "样例代办处", district).Spoil(p)
			data, err := sample.Workbook(builtin, v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: builtin}, Type: typ})
			if err != nil {
				t.Fatal(err)
			}
			got, err := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: file}, Type: typ})
			if err != nil {
				t.Fatal(err)
			}
			if got.FormID != file.ID {
				t.Errorf("%s: form id %q, want %q", p.Name, got.FormID, file.ID)
			}
			if !reflect.DeepEqual(got.Findings, want.Findings) || !reflect.DeepEqual(got.Indicators, want.Indicators) || got.Status != want.Status {
				t.Errorf("%s (%s): the file form gives %s %v, the built-in %s %v", p.Name, typ, got.Status, got.Findings, want.Status, want.Findings)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d cases", checked)
	}
}
