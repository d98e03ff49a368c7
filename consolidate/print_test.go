package consolidate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestPrintsLegiblyOnA4 reads back the page setup of every printed sheet:
// landscape A4 at a fixed scale that keeps the workbook's text at 8 pt or
// more; a sheet that fits one page wide at that scale does, and a wider one
// repeats its first column on every page.
func TestPrintsLegiblyOnA4(t *testing.T) {
	fx := newFixture(100, 3)
	in := fx.in
	// Long texts wrap within their columns: they never widen 汇总 off
	// its page.
	in.Reviews = []Review{{Agency: agencyName(7), Comment: strings.Repeat("工作人员的长备注，", 12)}}
	f, _, _ := build(t, in)
	font, err := f.GetDefaultFont()
	if err != nil {
		t.Fatal(err)
	}
	size := 0.0
	if font == "Calibri" {
		size = fontPoints
	}
	if size == 0 {
		t.Fatalf("default font %q: the rule below assumes 11 pt Calibri", font)
	}
	titles := map[string]string{}
	names := f.GetDefinedName()
	for _, dn := range names {
		if dn.Name == "_xlnm.Print_Titles" {
			titles[dn.Scope] = dn.RefersTo
		}
	}
	for _, sheet := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(sheet); !v {
			continue
		}
		t.Run(sheet, func(t *testing.T) {
			pl, err := f.GetPageLayout(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" {
				t.Errorf("paper %v orientation %v, want A4 (9) landscape", pl.Size, pl.Orientation)
			}
			props, _ := f.GetSheetProps(sheet)
			if props.FitToPage != nil && *props.FitToPage {
				t.Error("fit to page is on: the printing application would pick the scale, whatever the text size")
			}
			if pl.AdjustTo == nil {
				t.Fatal("no print scale")
			}
			scale := float64(*pl.AdjustTo) / 100
			if printed := size * scale; printed < MinPrintPoints {
				t.Errorf("text prints at %.1f pt (%.0f %% of %g pt), want ≥ %d pt", printed, scale*100, size, MinPrintPoints)
			}
			width := sheetWidth(t, f, sheet)
			onePage := width*scale <= printableWidth
			title := titles[sheet]
			switch {
			case sheet != SheetStats && onePage && scale < 1 && float64(*pl.AdjustTo+2)/100*width <= printableWidth:
				// (统计 is as wide as its chart, which GetCols does not see.)
				t.Errorf("scale %d %% is smaller than one page wide needs (%.0f pt of %.0f)", *pl.AdjustTo, width, printableWidth)
			case !onePage && !strings.Contains(title, "$A:$A"):
				t.Errorf("%.0f pt wide at %d %%: prints across pages, but the first column is not repeated (%q)", width, *pl.AdjustTo, title)
			}
			if sheet != SheetStats && !strings.HasSuffix(title, "$1:$"+strconv.Itoa(headerRowsOf(sheet))) {
				t.Errorf("print titles %q do not repeat the header rows", title)
			}
		})
	}
	// The wide sheets of 100 agencies: 汇总 on one page wide, 明细 across.
	for sheet, want := range map[string]bool{SheetSummary: true, SheetDetail: false, "业务部": true} {
		pl, _ := f.GetPageLayout(sheet)
		if got := sheetWidth(t, f, sheet)*float64(*pl.AdjustTo)/100 <= printableWidth; got != want {
			t.Errorf("%s one page wide: %v, want %v", sheet, got, want)
		}
	}
}

func headerRowsOf(sheet string) int {
	if sheet == SheetDetail {
		return 3
	}
	return 1
}

// sheetWidth is the printed width at 100 % of a sheet's visible columns.
func sheetWidth(t *testing.T, f *excelize.File, sheet string) float64 {
	t.Helper()
	cols, err := f.GetCols(sheet)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for i := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if v, _ := f.GetColVisible(sheet, name); !v {
			continue
		}
		w, _ := f.GetColWidth(sheet, name)
		total += columnPoints(w)
	}
	return total
}

// TestDropDowns: every 审核分 cell offers the scores its indicator can give,
// with a tip; 一票否决 offers 是/否, 纸质版收到 a tip and no list (it takes
// a day); 归属单位 the roster's agencies.
func TestDropDowns(t *testing.T) {
	fx := newFixture(20, 2)
	f, _, _ := build(t, fx.in)
	form := fx.in.Form
	for _, dept := range Departments(form) {
		dvs, err := f.GetDataValidations(dept)
		if err != nil {
			t.Fatal(err)
		}
		byCell := map[string]*excelize.DataValidation{}
		for _, dv := range dvs {
			for _, c := range strings.Fields(dv.Sqref) {
				byCell[c] = dv
			}
		}
		rows := sheetRows(t, f, dept)
		for i, r := range rows[1:] {
			cell := "G" + strconv.Itoa(i+2)
			ind, _ := form.Indicator(r[1])
			dv := byCell[cell]
			if dv == nil {
				t.Errorf("%s!%s (%s %s) has no drop-down", dept, cell, r[0], r[1])
				continue
			}
			var want []string
			for _, a := range ind.Allowed {
				want = append(want, fmtScore(a))
			}
			if dv.Type != "list" || dv.Formula1 != `"`+strings.Join(want, ",")+`"` {
				t.Errorf("%s!%s (%s): list %s, want %v", dept, cell, ind.ID, dv.Formula1, want)
			}
			if !dv.ShowInputMessage || dv.Prompt == nil || !strings.Contains(*dv.Prompt, allowedList(ind)) {
				t.Errorf("%s!%s: input tip %v", dept, cell, dv.Prompt)
			}
			if dv.ErrorStyle == nil || *dv.ErrorStyle != "stop" {
				t.Errorf("%s!%s: a value off the list is not stopped", dept, cell)
			}
		}
	}
	dvs, _ := f.GetDataValidations(SheetSummary)
	if len(dvs) != 2 || dvs[0].Formula1 != `"是,否"` || dvs[0].Prompt == nil || dvs[0].Sqref != fmt.Sprintf("S2:S%d", 21) {
		t.Errorf("一票否决 drop-down %+v", dvs)
	}
	if len(dvs) == 2 && (dvs[1].Formula1 != "" || dvs[1].Prompt == nil || !strings.Contains(*dvs[1].Prompt, "收到日期") || dvs[1].Sqref != "T2:T21") {
		t.Errorf("纸质版收到 tip %+v", dvs[1])
	}
	dvs, _ = f.GetDataValidations(SheetOutside)
	if len(dvs) != 1 || dvs[0].Formula1 != "'名册单位'!$A$1:$A$20" || dvs[0].Sqref != "K2:K3" {
		t.Fatalf("归属单位 drop-down %+v", dvs)
	}
	names, _ := f.GetRows(sheetNames)
	var listed []string
	for _, r := range names {
		listed = append(listed, r[0])
	}
	if !slices.Equal(listed, fx.names) {
		t.Errorf("名册单位 lists %v", listed)
	}
}
