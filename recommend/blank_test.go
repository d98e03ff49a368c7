package recommend

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func openBlank(t *testing.T, opts BlankOptions) (*excelize.File, Layout) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBlank(&buf, def2021, opts); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x, BlankLayout(def2021, opts)
}

func cellText(t *testing.T, x *excelize.File, cell string) string {
	t.Helper()
	v, err := x.GetCellValue(SheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBlankTextAndRows(t *testing.T) {
	t.Parallel()
	x, l := openBlank(t, BlankOptions{})
	if got := cellText(t, x, l.TitleCell); got != def2021.Title {
		t.Errorf("title %q", got)
	}
	if len(l.PersonRows) != def2021.Persons().Rows {
		t.Errorf("%d person rows, want the definition's %d", len(l.PersonRows), def2021.Persons().Rows)
	}
	for _, fd := range def2021.Fields() {
		if got := cellText(t, x, l.Labels[fd.ID]); got != FieldLabel(fd) {
			t.Errorf("%s: label cell %s holds %q", fd.ID, l.Labels[fd.ID], got)
		}
		if got := cellText(t, x, l.Fields[fd.ID]); got != "" {
			t.Errorf("%s: input %s holds %q, want empty", fd.ID, l.Fields[fd.ID], got)
		}
	}
	for _, c := range def2021.Persons().Columns {
		if got := cellText(t, x, fmt.Sprintf("%s%d", l.Columns[c.ID], l.HeaderRow)); got != ColumnHeading(c) {
			t.Errorf("column %s header %q", c.ID, got)
		}
	}
	if got := cellText(t, x, fmt.Sprintf("A%d", l.PersonRows[4])); got != "5" {
		t.Errorf("序号 of the fifth row %q", got)
	}
	if got := cellText(t, x, l.NoteCell); !strings.Contains(got, "5个工作日") {
		t.Errorf("note %q does not say 5 working days", got)
	}
	// Nothing asks for an ID number, a home address or a personal phone.
	rows, _ := x.GetRows(SheetName)
	for _, r := range rows {
		for _, v := range r {
			for _, w := range []string{"身份证号码", "家庭住址", "手机号"} {
				if strings.Contains(v, w) && !strings.Contains(v, "不填写") {
					t.Errorf("the blank asks for %s: %q", w, v)
				}
			}
		}
	}
}

func TestBlankPrefill(t *testing.T) {
	t.Parallel()
	x, l := openBlank(t, BlankOptions{Agency: "丰台区代办处", Persons: 3, Quota: true, PublicityDays: 7})
	if got := cellText(t, x, l.Fields[FieldAgency]); got != "丰台区代办处" {
		t.Errorf("推荐单位 %q", got)
	}
	if len(l.PersonRows) != 3 {
		t.Fatalf("%d person rows, want 3", len(l.PersonRows))
	}
	if got := cellText(t, x, l.SectionCells[SectionPersons]); !strings.Contains(got, "推荐名额：3名") {
		t.Errorf("heading %q does not state the quota", got)
	}
	if got := cellText(t, x, l.NoteCell); !strings.Contains(got, "不少于7个工作日") {
		t.Errorf("note %q", got)
	}
	// The row after the last person row is the 公示 heading.
	if got := cellText(t, x, fmt.Sprintf("A%d", l.PersonRows[2]+1)); got != "三、公示情况" {
		t.Errorf("row after the persons holds %q", got)
	}

	// A quota of nothing: no person row, and the heading says so; the
	// form still reads back.
	x0, l0 := openBlank(t, BlankOptions{Agency: "门头沟区代办处", Quota: true})
	if len(l0.PersonRows) != 0 {
		t.Errorf("%d person rows for a quota of 0", len(l0.PersonRows))
	}
	if got := cellText(t, x0, l0.SectionCells[SectionPersons]); !strings.Contains(got, "没有优秀个人推荐名额") {
		t.Errorf("heading %q", got)
	}
	var buf bytes.Buffer
	if err := x0.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f := readGood(t, buf.Bytes())
	if f.Agency() != "门头沟区代办处" || !f.TableFound || len(f.Persons) != 0 {
		t.Errorf("read back: agency %q table %v persons %d", f.Agency(), f.TableFound, len(f.Persons))
	}
}

func TestBlankValidations(t *testing.T) {
	t.Parallel()
	x, l := openBlank(t, BlankOptions{})
	dvs, err := x.GetDataValidations(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		for _, ref := range strings.Fields(dv.Sqref) {
			cells := []string{ref}
			if from, to, ok := strings.Cut(ref, ":"); ok {
				c, r1, _ := excelize.CellNameToCoordinates(from)
				_, r2, _ := excelize.CellNameToCoordinates(to)
				cells = nil
				for r := r1; r <= r2; r++ {
					n, _ := excelize.CoordinatesToCellName(c, r)
					cells = append(cells, n)
				}
			}
			for _, c := range cells {
				byCell[c] = dv
			}
		}
	}
	inputs := l.InputCells(def2021)
	if want := len(def2021.Fields()) + len(l.PersonRows)*len(def2021.Persons().Columns); len(inputs) != want {
		t.Fatalf("%d input cells, want %d", len(inputs), want)
	}
	for _, c := range inputs {
		dv := byCell[c]
		if dv == nil {
			t.Errorf("%s: no data validation", c)
			continue
		}
		if !dv.ShowInputMessage || dv.Prompt == nil || *dv.Prompt == "" || !dv.ShowErrorMessage || dv.Error == nil || *dv.Error == "" {
			t.Errorf("%s: no input tip or error message", c)
		}
	}
	lists := map[string]string{
		l.PersonCell(0, ColSex):        `"男,女"`,
		l.PersonCell(4, ColSex):        `"男,女"`,
		l.Fields[FieldProposeUnit]:     `"是,否"`,
		l.Fields[FieldPublicityResult]: `"无异议,有异议（已处理）"`,
	}
	for c, want := range lists {
		if dv := byCell[c]; dv == nil || dv.Type != "list" || dv.Formula1 != want {
			t.Errorf("%s: %+v, want the list %s", c, dv, want)
		}
	}
	ranges := []struct{ cell, typ, f1, f2 string }{
		{l.PersonCell(0, ColYears), "whole", "0", "60"},
		{l.Fields[FieldPublicityStart], "date", "44197", "44926"}, // 2021-01-01 … 2022-12-31
		{l.Fields[FieldDate], "date", "44197", "44926"},
		{l.PersonCell(2, ColDeeds), "textLength", "0", "300"},
		{l.Fields[FieldUnitDeeds], "textLength", "0", "500"},
	}
	for _, r := range ranges {
		dv := byCell[r.cell]
		if dv == nil || dv.Type != r.typ || dv.Formula1 != r.f1 || dv.Formula2 != r.f2 {
			t.Errorf("%s: %+v, want %s %s..%s", r.cell, dv, r.typ, r.f1, r.f2)
		}
	}
	if dv := byCell[l.Fields[FieldPhone]]; dv == nil || dv.Prompt == nil || !strings.Contains(*dv.Prompt, "单位") {
		t.Errorf("联系电话 tip does not ask for the unit's phone: %+v", dv)
	}
}

func TestBlankProtectionAndPrint(t *testing.T) {
	t.Parallel()
	x, l := openBlank(t, BlankOptions{})
	p, err := x.GetSheetProtection(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if p.Password != "" || !p.SelectUnlockedCells || p.FormatCells || p.InsertRows || p.DeleteRows {
		t.Errorf("protection %+v: want no password, cells not to be reformatted, rows not inserted", p)
	}
	style := func(cell string) *excelize.Style {
		id, err := x.GetCellStyle(SheetName, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := x.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, c := range l.InputCells(def2021) {
		st := style(c)
		if st.Protection == nil || st.Protection.Locked || len(st.Fill.Color) == 0 || st.Fill.Color[0] != inputFill {
			t.Errorf("%s: want an open input cell with fill %s, style %+v", c, inputFill, st.Protection)
		}
	}
	for _, c := range []string{l.TitleCell, l.Labels[FieldAgency], fmt.Sprintf("A%d", l.PersonRows[0]), l.NoteCell} {
		if st := style(c); st.Protection != nil && !st.Protection.Locked {
			t.Errorf("%s: open, want locked", c)
		}
	}
	if st := style(l.PersonCell(0, ColBirth)); st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "年") {
		t.Errorf("出生年月 number format %v, want one showing 年 and 月", st.CustomNumFmt)
	}
	pl, err := x.GetPageLayout(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "portrait" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
		t.Errorf("page layout %+v, want A4 portrait one page wide", pl)
	}
	area := ""
	for _, dn := range x.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" {
			area = dn.RefersTo
		}
	}
	if want := fmt.Sprintf("'%s'!$A$1:$G$%d", SheetName, l.LastRow); area != want {
		t.Errorf("print area %q, want %q", area, want)
	}
}
