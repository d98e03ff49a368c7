package validate

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestQuickFormulaAgreesWithExcelize evaluates the formulas the grid sums
// itself and the same through excelize's calculation: the results agree,
// and formulas of any other shape are left to excelize.
func TestQuickFormulaAgreesWithExcelize(t *testing.T) {
	t.Parallel()
	x := excelize.NewFile()
	const sh = "Sheet1"
	must(t, x.SetCellValue(sh, "A1", 3))
	must(t, x.SetCellValue(sh, "A2", 2.5))
	must(t, x.SetCellStr(sh, "A3", "4")) // a number stored as text: SUM skips it
	must(t, x.SetCellValue(sh, "A4", true))
	must(t, x.SetCellValue(sh, "A6", -1))
	must(t, x.SetCellFormula(sh, "B1", "1/0"))
	must(t, x.SetCellFormula(sh, "B2", "A1*2")) // no cached value
	formulas := map[string]struct {
		f     string
		quick bool
	}{
		"C1": {"SUM(A1:A6)", true},
		"C2": {"SUM($A$1,A2)", true},
		"C3": {"A1+A2+A6", true},
		"C4": {"SUM(A2:A1)", true},
		"D4": {"sum(A1:A2)", false},
		"C5": {"SUM(A1 A2)", false},
		"D3": {"A1+A3", false}, // text in a +
		"C6": {"SUM(A1:B2)", false},
		"C7": {"A1*2", false},
		"C8": {"SUM(A1:A2)*2", false},
		"C9": {"SUM(A:A)", false},
		"D1": {"AVERAGE(A1:A2)", false},
		"D2": {"SUM(B2)", false}, // a formula without cached value
	}
	for cell, f := range formulas {
		must(t, x.SetCellFormula(sh, cell, f.f))
	}
	var buf bytes.Buffer
	_, err := x.WriteTo(&buf)
	must(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	g, err := readGrid(f, sh)
	must(t, err)
	cells, ok := indexCells(sheetXML(f, sh))
	if !ok {
		t.Fatal("the sheet was not indexed")
	}
	r := &reader{f: f, g: g, cells: cells, cellsKnown: true, cellsLooked: true}
	for cell, want := range formulas {
		got, quick := r.quickFormula(cells[cell].formula)
		if quick != want.quick {
			t.Errorf("%s %q: quick %v, want %v", cell, want.f, quick, want.quick)
			continue
		}
		if !quick {
			continue
		}
		calc, err := f.CalcCellValue(sh, cell, excelize.Options{RawCellValue: true})
		if err != nil || calc != got {
			t.Errorf("%s %q: %q, excelize says %q (%v)", cell, want.f, got, calc, err)
		}
	}
	// An error value cached in a cell of the range is the result.
	r = &reader{g: &grid{rows: [][]string{{"1"}, {"#DIV/0!"}}}, cells: cellIndex{"A2": {typ: "e"}}, cellsKnown: true}
	if got, ok := r.quickFormula("SUM(A1:A2)"); !ok || got != "#DIV/0!" {
		t.Errorf("an error value in the range: %q %v", got, ok)
	}
}
