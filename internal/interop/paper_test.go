package interop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/scoring"
)

// TestLibreOfficeKeepsPaperDays: a staff workbook with paper forms
// recorded, saved again by LibreOffice (which writes the day in a date
// format of its own), imports the same days and 是.
func TestLibreOfficeKeepsPaperDays(t *testing.T) {
	t.Parallel()
	soffice(t)
	jan5 := time.Date(2022, 1, 5, 0, 0, 0, 0, cst.Location())
	dec30 := time.Date(2021, 12, 30, 0, 0, 0, 0, cst.Location())
	in := consolidate.Input{Form: form, Cutoff: time.Date(2022, 1, 5, 16, 0, 0, 0, time.UTC), Now: time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC),
		Campaign: "2021年度代办处考核",
		Roster: []consolidate.Agency{{Name: "东城区代办处", Type: scoring.District}, {Name: "西城区代办处", Type: scoring.District},
			{Name: "市建筑工会代办处", Type: scoring.Sector}, {Name: "朝阳区代办处", Type: scoring.District}},
		Paper: []consolidate.PaperForm{{Agency: "东城区代办处", Day: jan5}, {Agency: "西城区代办处", Day: dec30}, {Agency: "市建筑工会代办处"}},
	}
	var buf bytes.Buffer
	if _, err := consolidate.Build(&buf, in); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "staff.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	saved, err := os.Open(filepath.Join(convert(t, "xlsx", path), "staff.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer saved.Close()
	imp, errs := consolidate.ImportReview(saved, consolidate.ImportOptions{Form: form, Now: in.Now, Agencies: in.AgencyNames()})
	if len(errs) != 0 {
		t.Fatalf("import of LibreOffice's copy: %v", errs)
	}
	got := map[string]time.Time{}
	for _, p := range imp.Paper {
		got[p.Agency] = p.Day
	}
	if len(got) != 3 || !got["东城区代办处"].Equal(jan5) || !got["西城区代办处"].Equal(dec30) || !got["市建筑工会代办处"].IsZero() {
		t.Errorf("paper forms read from LibreOffice's copy: %+v", imp.Paper)
	}
	if len(imp.PaperCleared) != 0 {
		t.Errorf("cleared %v", imp.PaperCleared)
	}
}
