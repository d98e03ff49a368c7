package templates

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// openBlank writes the blank form f and opens the bytes again, as a reader
// of the file would.
func openBlank(t *testing.T, f *Form) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBlank(f, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func get(t *testing.T, x *excelize.File, cell string) string {
	t.Helper()
	v, err := x.GetCellValue(SheetName, cell)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	return v
}

func TestBlankTextAndCaps(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	if got := x.GetSheetList(); !slices.Equal(got, []string{SheetName}) {
		t.Fatalf("sheets %v, want [%s]", got, SheetName)
	}
	if got := get(t, x, l.TitleCell); got != "2021年度职工互助保障工作代办处考核表" {
		t.Errorf("title %q", got)
	}
	rows, err := x.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rows {
		for _, c := range r {
			count[c]++
		}
	}
	for _, ind := range f.Indicators() {
		if n := count[ind.Criteria]; n != 1 {
			t.Errorf("%s: criteria appears %d times, want 1", ind.ID, n)
		}
		if got := get(t, x, l.Criteria[ind.ID]); got != ind.Criteria {
			t.Errorf("%s: criteria cell %s holds %.20q", ind.ID, l.Criteria[ind.ID], got)
		}
		if got, want := get(t, x, l.Caps[ind.ID]), fmt.Sprint(ind.Cap); got != want {
			t.Errorf("%s: cap cell %s = %q, want %q", ind.ID, l.Caps[ind.ID], got, want)
		}
		if got := get(t, x, l.Scores[ind.ID]); got != "" {
			t.Errorf("%s: blank form has self-score %q", ind.ID, got)
		}
	}
	if got := get(t, x, l.TotalCapCell); got != "125" {
		t.Errorf("total cap %q, want 125", got)
	}
	if got := get(t, x, l.TotalLabelCell); got != "总分值" {
		t.Errorf("total label %q", got)
	}
	formula, _ := x.GetCellFormula(SheetName, l.TotalSelfCell)
	if formula != "SUM(E18:E47)" {
		t.Errorf("self total formula %q, want SUM(E18:E47)", formula)
	}
	for _, want := range []string{"考核单位：", "填报日期：", "基本情况", "会员情况", "发展情况", "基层工会数", "覆盖率",
		"参加保障活动", "综合", "代办处盖章：", "代办处主任签字：", "填报人签字：", "组织机构管理\n（15分）",
		"业务财务管理\n（45分）", "业务拓展\n（40分）", "加分项（25分）", "内容", "考核标准", "考核部门", "标准分", "自评分", f.Note} {
		if count[want] != 1 {
			t.Errorf("%q appears %d times, want 1", want, count[want])
		}
	}
	// Every field's label is directly left of its input cell.
	for _, fd := range f.Fields {
		lc, vc := l.FieldLabels[fd.ID], l.Fields[fd.ID]
		lcol, lrow, _ := excelize.CellNameToCoordinates(lc)
		vcol, vrow, _ := excelize.CellNameToCoordinates(vc)
		if lrow != vrow || vcol != lcol+1 {
			t.Errorf("%s: label %s, value %s: not side by side", fd.ID, lc, vc)
		}
		if got := strings.TrimSuffix(get(t, x, lc), "："); got != fd.Label {
			t.Errorf("%s: label cell %s = %q", fd.ID, lc, got)
		}
		if u, ok := l.FieldUnits[fd.ID]; ok && get(t, x, u) != fd.Unit {
			t.Errorf("%s: unit cell %s = %q, want %q", fd.ID, u, get(t, x, u), fd.Unit)
		}
	}
}

func TestBlankMerges(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	merges, err := x.GetMergeCells(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	byStart := map[string]excelize.MergeCell{}
	for _, m := range merges {
		byStart[m.GetStartAxis()] = m
	}
	for _, s := range f.Sections {
		first, last := l.Rows[s.Indicators[0].ID], l.Rows[s.Indicators[len(s.Indicators)-1].ID]
		m, ok := byStart[l.SectionCells[s.ID]]
		if !ok {
			t.Errorf("section %s: %s is not merged", s.ID, l.SectionCells[s.ID])
			continue
		}
		if want := fmt.Sprintf("A%d", last); m.GetEndAxis() != want || first != l.Rows[s.Indicators[0].ID] {
			t.Errorf("section %s: merge %s:%s, want to end at %s", s.ID, m.GetStartAxis(), m.GetEndAxis(), want)
		}
		if m.GetCellValue() != SectionText(s) {
			t.Errorf("section %s: merged value %q", s.ID, m.GetCellValue())
		}
	}
	if m, ok := byStart[l.TitleCell]; !ok || m.GetEndAxis() != "E1" {
		t.Errorf("title not merged across A1:E1")
	}
	if m, ok := byStart[l.TotalLabelCell]; !ok || m.GetCellValue() != f.TotalLabel {
		t.Errorf("total label not merged")
	}
}

func TestBlankValidations(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	dvs, err := x.GetDataValidations(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	bySqref := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		for _, ref := range strings.Fields(dv.Sqref) {
			bySqref[ref] = dv
		}
	}
	inputs := l.InputCells(f)
	if want := len(f.Fields) + len(f.Indicators()); len(inputs) != want {
		t.Fatalf("%d input cells, want %d", len(inputs), want)
	}
	for _, c := range inputs {
		dv, ok := bySqref[c]
		if !ok {
			t.Errorf("%s: no data validation", c)
			continue
		}
		if !dv.ShowInputMessage || dv.PromptTitle == nil || *dv.PromptTitle == "" || dv.Prompt == nil || *dv.Prompt == "" {
			t.Errorf("%s: no input tip", c)
		}
		if !dv.ShowErrorMessage || dv.Error == nil || *dv.Error == "" {
			t.Errorf("%s: no error message", c)
		}
	}
	lists := []struct{ id, want string }{
		{"1.1", `"0,1,2,3,4"`},
		{"1.2", `"0,3"`},
		{"4.6", `"0,3,5,8,10"`},
	}
	for _, tc := range lists {
		dv := bySqref[l.Scores[tc.id]]
		if dv == nil || dv.Type != "list" || dv.Formula1 != tc.want {
			t.Errorf("%s: validation %+v, want list %s", tc.id, dv, tc.want)
		}
	}
	fields := []struct{ id, typ, f1, f2 string }{
		{"activities", "whole", "0", "6"},
		{"staff", "whole", "0", "100000000"},
		{"coverage", "decimal", "0", "100"},
		{"date", "date", "44197", "44926"}, // 2021-01-01 … 2022-12-31
	}
	for _, tc := range fields {
		dv := bySqref[l.Fields[tc.id]]
		if dv == nil || dv.Type != tc.typ || dv.Formula1 != tc.f1 || dv.Formula2 != tc.f2 {
			t.Errorf("%s: validation %+v, want %s %s..%s", tc.id, dv, tc.typ, tc.f1, tc.f2)
		}
	}
}

func TestBlankProtection(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	p, err := x.GetSheetProtection(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if p.Password != "" || !p.SelectUnlockedCells || !p.SelectLockedCells || p.FormatCells || p.InsertRows {
		t.Errorf("protection %+v: want no password, select allowed, format cells and insert rows forbidden", p)
	}
	locked := func(cell string) (bool, string) {
		id, err := x.GetCellStyle(SheetName, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := x.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		fill := ""
		if len(st.Fill.Color) > 0 {
			fill = st.Fill.Color[0]
		}
		return st.Protection == nil || st.Protection.Locked, fill
	}
	for _, c := range l.InputCells(f) {
		if lk, fill := locked(c); lk || fill != inputFill {
			t.Errorf("%s: locked=%v fill=%q, want unlocked with fill %s", c, lk, fill, inputFill)
		}
	}
	for _, c := range []string{l.TitleCell, l.Caps["1.1"], l.Criteria["2.3"], l.TotalSelfCell, l.FieldLabels["staff"]} {
		if lk, _ := locked(c); !lk {
			t.Errorf("%s: unlocked, want locked", c)
		}
	}
}

func TestBlankPrintSetup(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	pl, err := x.GetPageLayout(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "portrait" ||
		pl.FitToWidth == nil || *pl.FitToWidth != 1 {
		t.Errorf("page layout size=%v orientation=%v fitToWidth=%v, want A4 (9) portrait 1", pl.Size, pl.Orientation, pl.FitToWidth)
	}
	var titles string
	for _, dn := range x.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == SheetName {
			titles = dn.RefersTo
		}
	}
	if want := fmt.Sprintf("'%s'!$%d:$%d", SheetName, l.HeaderRow, l.HeaderRow); titles != want {
		t.Errorf("print titles %q, want %q", titles, want)
	}
	if got := get(t, x, fmt.Sprintf("B%d", l.HeaderRow)); got != "考核标准" {
		t.Errorf("print title row %d holds %q, want the table header", l.HeaderRow, got)
	}
	// The longest criteria (1.1) gets a taller row than the shortest (3.1).
	h11, _ := x.GetRowHeight(SheetName, l.Rows["1.1"])
	h31, _ := x.GetRowHeight(SheetName, l.Rows["3.1"])
	if h11 <= h31 || h11 < 5*lineHeight {
		t.Errorf("row heights 1.1=%g 3.1=%g: long criteria must get more lines", h11, h31)
	}
}

// A different year's form is laid out from its own data.
func TestBlankOtherForm(t *testing.T) {
	src := `
year: 2030
title: 2030年度测试考核表
total_label: 合计
total_cap: 7
columns: {section: 项目, criteria: 标准, department: 部门, cap: 满分, self: 自评}
note: 备注：测试。
basic_label: 概况
groups: [{id: header, label: ""}, {id: members, label: 会员}, {id: signature, label: ""}]
fields:
  - {id: unit, label: 单位, group: header, kind: text, required: true}
  - {id: staff, label: 职工数, group: members, kind: count, unit: 人}
  - {id: seal, label: 盖章, group: signature, kind: sign}
sections:
  - id: "1"
    name: 管理
    cap: 7
    indicators:
      - {id: "1.1", criteria: 第一条标准。, departments: [甲部], cap: 5, allowed: [0, 5]}
      - {id: "1.2", criteria: 第二条标准。, departments: [乙部, 丙部], cap: 2, allowed: [0, 1, 2]}
`
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	l := BlankLayout(f)
	x := openBlank(t, f)
	checks := map[string]string{
		l.TitleCell:                     "2030年度测试考核表",
		l.Criteria["1.2"]:               "第二条标准。",
		l.Departments["1.2"]:            "乙部、丙部",
		l.SectionCells["1"]:             "管理（7分）",
		l.TotalLabelCell:                "合计",
		l.TotalCapCell:                  "7",
		l.FieldLabels["seal"]:           "盖章：",
		fmt.Sprintf("E%d", l.HeaderRow): "自评",
	}
	for cell, want := range checks {
		if got := get(t, x, cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	dvs, _ := x.GetDataValidations(SheetName)
	if len(dvs) != 5 {
		t.Errorf("%d validations, want 5 (3 fields, 2 scores)", len(dvs))
	}
}

func TestSumFormula(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  string
	}{
		{"one", []string{"E5"}, "SUM(E5)"},
		{"contiguous", []string{"E5", "E6", "E7"}, "SUM(E5:E7)"},
		{"gap", []string{"E5", "E6", "E9", "E10", "E12"}, "SUM(E5:E6,E9:E10,E12)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sumFormula(tc.cells); got != tc.want {
				t.Errorf("sumFormula(%v) = %q, want %q", tc.cells, got, tc.want)
			}
		})
	}
}

func TestRowHeight(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		lines int
	}{
		{"empty", "", 60, 1},
		{"short", "按时参加。", 60, 1},
		{"exactly one line", strings.Repeat("字", 29), 60, 1},
		{"just over", strings.Repeat("字", 30), 60, 2},
		{"ascii counts half", strings.Repeat("a", 58), 60, 1},
		{"two paragraphs", "甲\n乙", 60, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := max(minRow, float64(tc.lines)*lineHeight+rowPadding)
			if got := rowHeight(tc.text, tc.width); got != want {
				t.Errorf("rowHeight = %g, want %g (%d lines)", got, want, tc.lines)
			}
		})
	}
}

// The form of an annotated copy has the 核定分 column: headed, bordered on
// the indicator and total rows, and inside the title, note and print area.
func TestBlankWithVerifiedColumn(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x, err := BuildBlankWith(f, BlankOptions{Verified: "核定分"})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	v := l.VerifiedCol
	if got := get(t, x, fmt.Sprintf("%s%d", v, l.HeaderRow)); got != "核定分" {
		t.Errorf("%s%d = %q, want 核定分", v, l.HeaderRow, got)
	}
	for _, row := range []int{l.Rows["1.1"], l.Rows["4.6"], l.TotalRow} {
		id, _ := x.GetCellStyle(SheetName, fmt.Sprintf("%s%d", v, row))
		st, _ := x.GetStyle(id)
		if st == nil || len(st.Border) != 4 {
			t.Errorf("%s%d is not bordered", v, row)
		}
	}
	merges, _ := x.GetMergeCells(SheetName)
	ends := map[string]string{}
	for _, m := range merges {
		ends[m.GetStartAxis()] = m.GetEndAxis()
	}
	for _, start := range []string{l.TitleCell, l.BasicCell, l.NoteCell} {
		if _, row, _ := excelize.CellNameToCoordinates(start); ends[start] != fmt.Sprintf("%s%d", v, row) {
			t.Errorf("merge from %s ends at %q, want column %s", start, ends[start], v)
		}
	}
	for _, dn := range x.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" && !strings.Contains(dn.RefersTo, ":$"+v+"$") {
			t.Errorf("print area %q does not reach %s", dn.RefersTo, v)
		}
	}
	// The handed-out form has no such column.
	if got := get(t, openBlank(t, f), fmt.Sprintf("%s%d", v, l.HeaderRow)); got != "" {
		t.Errorf("blank form has %q right of 自评分", got)
	}
}
