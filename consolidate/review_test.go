package consolidate

import (
	"bytes"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// deptRow finds the 1-based row of agency × indicator in a department sheet.
func deptRow(t *testing.T, f *excelize.File, sheet, agency, ind string) int {
	t.Helper()
	rows := sheetRows(t, f, sheet)
	for i, r := range rows {
		if len(r) > 1 && r[0] == agency && r[1] == ind {
			return i + 1
		}
	}
	t.Fatalf("%s: no row for %s %s", sheet, agency, ind)
	return 0
}

func save(t *testing.T, f *excelize.File) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func setCell(t *testing.T, f *excelize.File, sheet, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		t.Fatal(err)
	}
}

func TestReviewRoundTrip(t *testing.T) {
	fx := newFixture(30, 1)
	f, _, _ := build(t, fx.in)
	form := fx.in.Form

	a, b := agencyName(5), agencyName(6) // both 合格待审
	rep := fx.entry(a).Report
	var ver31, ver33 float64
	for _, ir := range rep.Indicators {
		switch ir.ID {
		case "3.1":
			ver31 = ir.Verified
		case "3.3":
			ver33 = ir.Verified
		}
	}
	if ver31 != 6 || ver33 == 0 {
		t.Fatalf("fixture: 3.1 and 3.3 of %s verified %v, %v", a, ver31, ver33)
	}
	reviewed := rep.VerifiedTotal - ver31 - ver33
	// 业务部: 3.1 of a down to 0 with a remark; 合规部: 1.1 of b to 1.
	r31 := deptRow(t, f, "业务部", a, "3.1")
	setCell(t, f, "业务部", "G"+strconv.Itoa(r31), 0)
	setCell(t, f, "业务部", "H"+strconv.Itoa(r31), "未见续转台账")
	setCell(t, f, "业务部", "G"+strconv.Itoa(deptRow(t, f, "业务部", a, "3.3")), "0")
	r11 := deptRow(t, f, "合规部", b, "1.1")
	setCell(t, f, "合规部", "G"+strconv.Itoa(r11), "１分") // full-width, with 分
	// A unit named like a formula is matched as text.
	setCell(t, f, "业务部", "G"+strconv.Itoa(deptRow(t, f, "业务部", formulaName, "3.1")), 0)
	// Veto b in 汇总.
	sum := sheetRows(t, f, SheetSummary)
	rb := rowsByName(sum, 1)[b]
	vc := col(t, sum[0], "一票否决")
	vcell, _ := excelize.CoordinatesToCellName(vc+1, rb)
	setCell(t, f, SheetSummary, vcell, "√")

	imp, errs := ImportReview(save(t, f), ImportOptions{Form: form, Now: testNow, Agencies: fx.in.AgencyNames()})
	if len(errs) != 0 {
		t.Fatalf("import errors: %v", errs)
	}
	if len(imp.Reviews) != 4 {
		t.Fatalf("reviews = %+v, want 4", imp.Reviews)
	}
	got := map[string]Review{}
	for _, r := range imp.Reviews {
		got[r.Agency+" "+r.Indicator] = r
	}
	if r := got[a+" 3.1"]; r.Score == nil || *r.Score != 0 || r.Comment != "未见续转台账" || r.Source != "业务部!G"+strconv.Itoa(r31) || !r.At.Equal(testNow) {
		t.Errorf("review of %s 3.1 = %+v", a, r)
	}
	if r := got[formulaName+" 3.1"]; r.Score == nil || *r.Score != 0 {
		t.Errorf("review of %s 3.1 = %+v", formulaName, r)
	}
	if r := got[b+" 1.1"]; r.Score == nil || *r.Score != 1 {
		t.Errorf("review of %s 1.1 = %+v", b, r)
	}
	if !imp.Vetoes[b] || imp.Vetoes[a] || len(imp.Vetoes) != 30 {
		t.Errorf("vetoes: %s %v, %s %v, %d entries", b, imp.Vetoes[b], a, imp.Vetoes[a], len(imp.Vetoes))
	}
	// The fixture's own veto (agency 4) was exported as 是 and must survive.
	if !imp.Vetoes[agencyName(4)] {
		t.Error("exported veto lost on import")
	}

	// Build again with the reviews.
	in := fx.in
	in.Reviews, in.Vetoes = imp.Reviews, imp.Vetoes
	// The approved results, as campaign passes them in.
	in.Grades = Grades{ByAgency: map[string]Verdict{a: {Grade: "良好", Rank: 3}, b: {Grade: "不合格"}}, Approved: true}
	f2, sum2, _ := build(t, in)
	rows := sheetRows(t, f2, SheetSummary)
	at := rowsByName(rows, 1)
	h := rows[0]
	ra := rows[at[a]-1]
	final := num(t, ra[col(t, h, "审核总分")])
	if final != reviewed {
		t.Errorf("审核总分 of %s = %v, want %v", a, final, reviewed)
	}
	if num(t, ra[col(t, h, "核定总分")]) != rep.VerifiedTotal {
		t.Errorf("核定总分 changed by a review")
	}
	if g, r := ra[col(t, h, "等级（已审定）")], ra[col(t, h, "类内排名")]; g != "良好" || r != "3" {
		t.Errorf("等级 of %s = %q, rank %q, want 良好, 3", a, g, r)
	}
	rb2 := rows[at[b]-1]
	if rb2[col(t, h, "状态")] != "一票否决" || rb2[col(t, h, "等级（已审定）")] != "不合格" || rb2[col(t, h, "一票否决")] != "是" {
		t.Errorf("vetoed %s: %v", b, rb2)
	}
	if sum2.Vetoed != fx.countVetoes()+1 {
		t.Errorf("summary vetoed = %d", sum2.Vetoed)
	}
	if v, _ := f2.GetCellValue("业务部", "G"+strconv.Itoa(deptRow(t, f2, "业务部", a, "3.1"))); v != "0" {
		t.Errorf("业务部 审核分 = %q, want 0", v)
	}
	// 1.1 is checked by two departments: both sheets show the review.
	for _, d := range []string{"组织机构部", "合规部"} {
		if v, _ := f2.GetCellValue(d, "G"+strconv.Itoa(deptRow(t, f2, d, b, "1.1"))); v != "1" {
			t.Errorf("%s 审核分 of %s 1.1 = %q, want 1", d, b, v)
		}
	}

	t.Run("edit on one of two sheets wins", func(t *testing.T) {
		f3, _, _ := build(t, in)
		setCell(t, f3, "组织机构部", "G"+strconv.Itoa(deptRow(t, f3, "组织机构部", b, "1.1")), 3)
		imp, errs := ImportReview(save(t, f3), ImportOptions{Form: form, Now: testNow, Agencies: fx.in.AgencyNames()})
		if len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
		for _, r := range imp.Reviews {
			if r.Agency == b && r.Indicator == "1.1" && (r.Score == nil || *r.Score != 3 || !strings.HasPrefix(r.Source, "组织机构部!")) {
				t.Errorf("1.1 review = %+v, want 3 from 组织机构部", r)
			}
		}
	})

	t.Run("cleared review reported", func(t *testing.T) {
		f3, _, _ := build(t, in)
		r := deptRow(t, f3, "业务部", a, "3.1")
		setCell(t, f3, "业务部", "G"+strconv.Itoa(r), "")
		setCell(t, f3, "业务部", "H"+strconv.Itoa(r), "")
		imp, errs := ImportReview(save(t, f3), ImportOptions{Form: form, Now: testNow, Agencies: fx.in.AgencyNames()})
		if len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
		if len(imp.Cleared) != 1 || imp.Cleared[0].Agency != a || imp.Cleared[0].Indicator != "3.1" {
			t.Errorf("cleared = %+v", imp.Cleared)
		}
		for _, rv := range imp.Reviews {
			if rv.Agency == a && rv.Indicator == "3.1" {
				t.Errorf("cleared review still imported: %+v", rv)
			}
		}
	})
}

func (fx *fixture) countVetoes() int {
	n := 0
	for _, v := range fx.in.Vetoes {
		if v {
			n++
		}
	}
	return n
}

func TestImportReviewRefusesBadCells(t *testing.T) {
	fx := newFixture(20, 0)
	form := fx.in.Form
	a := agencyName(5)
	tests := []struct {
		name  string
		edit  func(t *testing.T, f *excelize.File) string // returns the cell expected in the error
		want  string
		valid int // reviews still accepted
	}{
		{"above cap", func(t *testing.T, f *excelize.File) string {
			cell := "G" + strconv.Itoa(deptRow(t, f, "业务部", a, "3.1"))
			setCell(t, f, "业务部", cell, 7)
			return "业务部!" + cell
		}, "审核分 7 超过标准分 6", 0},
		{"not allowed", func(t *testing.T, f *excelize.File) string {
			cell := "G" + strconv.Itoa(deptRow(t, f, "业务部", a, "3.4"))
			setCell(t, f, "业务部", cell, 4)
			return "业务部!" + cell
		}, "审核分 4 不是指标 3.4 可得的分值（可得：0、3、6）", 0},
		{"not a number", func(t *testing.T, f *excelize.File) string {
			cell := "G" + strconv.Itoa(deptRow(t, f, "财务部", a, "2.3"))
			setCell(t, f, "财务部", cell, "满分")
			return "财务部!" + cell
		}, "审核分“满分”不是数字", 0},
		{"negative", func(t *testing.T, f *excelize.File) string {
			cell := "G" + strconv.Itoa(deptRow(t, f, "财务部", a, "2.3"))
			setCell(t, f, "财务部", cell, -1)
			return "财务部!" + cell
		}, "不能为负数", 0},
		{"unknown agency", func(t *testing.T, f *excelize.File) string {
			r := deptRow(t, f, "业务部", a, "3.1")
			setCell(t, f, "业务部", "A"+strconv.Itoa(r), "不存在的代办处")
			setCell(t, f, "业务部", "G"+strconv.Itoa(r), 6)
			setCell(t, f, "业务部", "G"+strconv.Itoa(r+1), 0) // 3.2 of the same agency still imports
			return "业务部!A" + strconv.Itoa(r)
		}, "考核单位“不存在的代办处”不在本年度代办处名册中", 1},
		{"indicator of another department", func(t *testing.T, f *excelize.File) string {
			r := deptRow(t, f, "业务部", a, "3.1")
			setCell(t, f, "业务部", "B"+strconv.Itoa(r), "2.3")
			setCell(t, f, "业务部", "G"+strconv.Itoa(r), 3)
			return "业务部!B" + strconv.Itoa(r)
		}, "指标“2.3”不是本部门考核的指标", 0},
		{"bad veto", func(t *testing.T, f *excelize.File) string {
			setCell(t, f, SheetSummary, "S3", "也许")
			return "汇总!S3"
		}, "一票否决栏填写了“也许”", 0},
		{"two sheets disagree", func(t *testing.T, f *excelize.File) string {
			setCell(t, f, "组织机构部", "G"+strconv.Itoa(deptRow(t, f, "组织机构部", a, "1.1")), 2)
			cell := "G" + strconv.Itoa(deptRow(t, f, "合规部", a, "1.1"))
			setCell(t, f, "合规部", cell, 3)
			return "合规部!" + cell
		}, "不一致", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := build(t, fx.in)
			where := tt.edit(t, f)
			imp, errs := ImportReview(save(t, f), ImportOptions{Form: form, Now: testNow, Agencies: fx.in.AgencyNames()})
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", errs)
			}
			if !strings.HasPrefix(errs[0].Message, where+"：") || !strings.Contains(errs[0].Message, tt.want) {
				t.Errorf("message %q, want %q naming %s", errs[0].Message, tt.want, where)
			}
			if errs[0].Sheet+"!"+errs[0].Cell != where {
				t.Errorf("error at %s!%s, want %s", errs[0].Sheet, errs[0].Cell, where)
			}
			if len(imp.Reviews) != tt.valid {
				t.Errorf("reviews = %+v, want %d", imp.Reviews, tt.valid)
			}
		})
	}
}

func TestImportReviewNotAWorkbook(t *testing.T) {
	_, errs := ImportReview(strings.NewReader("not a zip"), ImportOptions{Form: newFixture(1, 0).in.Form, Now: testNow})
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "无法打开") {
		t.Errorf("errors = %v", errs)
	}
}

func TestImportReviewOnlyForTheSeasonsAgencies(t *testing.T) {
	fx := newFixture(20, 1)
	season := fx.in.AgencyNames()
	a, stranger := agencyName(5), fx.unknown[0]
	const forged = "伪造代办处"

	// forge adds forged to 汇总 (vetoed or not) and gives it a review on
	// 业务部, in place of a's 3.1; it returns the two rows.
	forge := func(t *testing.T, f *excelize.File, veto string) (sumRow, deptR int) {
		sum := sheetRows(t, f, SheetSummary)
		sumRow = len(sum) + 1
		setCell(t, f, SheetSummary, "A"+strconv.Itoa(sumRow), forged)
		vcell, _ := excelize.CoordinatesToCellName(col(t, sum[0], "一票否决")+1, sumRow)
		setCell(t, f, SheetSummary, vcell, veto)
		deptR = deptRow(t, f, "业务部", a, "3.1")
		setCell(t, f, "业务部", "A"+strconv.Itoa(deptR), forged)
		setCell(t, f, "业务部", "G"+strconv.Itoa(deptR), 6)
		return sumRow, deptR
	}

	t.Run("forged in 汇总 and a department sheet", func(t *testing.T) {
		f, _, _ := build(t, fx.in)
		sumRow, deptR := forge(t, f, "是")
		imp, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: season})
		want := map[string]bool{SheetSummary + "!A" + strconv.Itoa(sumRow): true, "业务部!A" + strconv.Itoa(deptR): true}
		if len(errs) != 2 {
			t.Fatalf("errors %v, want one for each forged row", errs)
		}
		for _, e := range errs {
			if !want[e.Sheet+"!"+e.Cell] || !strings.Contains(e.Message, "考核单位“"+forged+"”不在本年度代办处名册中") {
				t.Errorf("error %+v", e)
			}
		}
		if _, ok := imp.Vetoes[forged]; ok {
			t.Error("veto of the forged agency imported")
		}
		for _, r := range imp.Reviews {
			if r.Agency == forged {
				t.Errorf("review of the forged agency imported: %+v", r)
			}
		}
	})

	t.Run("a blank row added to 汇总 is no review", func(t *testing.T) {
		f, _, _ := build(t, fx.in)
		sum := sheetRows(t, f, SheetSummary)
		setCell(t, f, SheetSummary, "A"+strconv.Itoa(len(sum)+1), forged)
		imp, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: season})
		if _, ok := imp.Vetoes[forged]; len(errs) != 0 || ok {
			t.Errorf("errors %v, forged in vetoes %v", errs, ok)
		}
	})

	t.Run("an unknown sender is on no department sheet", func(t *testing.T) {
		f, _, _ := build(t, fx.in)
		for _, r := range sheetRows(t, f, "业务部") {
			if len(r) > 0 && r[0] == stranger {
				t.Fatalf("业务部 lists %s", stranger)
			}
		}
	})

	t.Run("an agency in the file but not of this season", func(t *testing.T) {
		// The workbook of another season, or of another office's database.
		f, _, _ := build(t, fx.in)
		cell := "G" + strconv.Itoa(deptRow(t, f, "业务部", a, "3.1"))
		setCell(t, f, "业务部", cell, 0)
		others := maps.Clone(season)
		delete(others, a)
		_, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: others})
		if len(errs) != 1 || errs[0].Sheet != "业务部" || !strings.HasPrefix(errs[0].Cell, "A") {
			t.Errorf("errors %v", errs)
		}
		if _, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow}); len(errs) == 0 {
			t.Error("no agencies given, yet a review was accepted")
		}
	})
}
