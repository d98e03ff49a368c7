package consolidate

import (
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// outsideFixture is a campaign of 10 agencies with three 名册外来件 held as
// submissions 501–503 and one (500) assigned to agency 1 before.
func outsideFixture() Input {
	fx := newFixture(10, 0)
	in := fx.in
	at := testCutoff.Add(-24 * time.Hour)
	for i, sender := range []string{"a@home.example", "", "c@home.example"} {
		in.Outside = append(in.Outside, Outside{Submission: int64(501 + i), Sender: sender, ReceivedAt: at.Add(time.Duration(i) * time.Hour),
			OnTime: true, Report: fx.entry(agencyName(2)).Report, Subject: "考核表"})
	}
	in.Outside[0].Named = agencyName(3)
	in.Assigned = map[int64]string{500: agencyName(1)}
	return in
}

func TestOutsideSheet(t *testing.T) {
	in := outsideFixture()
	f, sum, _ := build(t, in)
	rows := sheetRows(t, f, SheetOutside)
	if len(rows) != 4 || sum.Unknown != 3 {
		t.Fatalf("名册外来件 rows %d, summary %+v", len(rows), sum)
	}
	h := rows[0]
	for i, want := range []string{"表内考核单位为名册中的“" + agencyName(3) + "”", "没有有效的发件地址", "发件地址不在名册中"} {
		if got := rows[i+1][col(t, h, "说明")]; !strings.Contains(got, want) {
			t.Errorf("row %d 说明 %q, want %q", i+2, got, want)
		}
	}
	if rows[1][col(t, h, "提交编号")] != "501" || rows[1][col(t, h, "核对结果")] != StateNeedsFix {
		t.Errorf("first row %q", rows[1])
	}
	// Counted for no agency: 汇总 is the roster, its parts add up.
	if sum.Roster != 10 || sum.Submitted+sum.Missing != 10 {
		t.Errorf("summary %+v", sum)
	}
}

func TestImportAssignments(t *testing.T) {
	in := outsideFixture()
	opts := func() ImportOptions {
		return ImportOptions{Form: in.Form, Now: testNow, Agencies: in.AgencyNames(), Held: in.HeldSubmissions(), Assigned: in.Assigned}
	}
	tests := []struct {
		name   string
		edit   func(t *testing.T, f *excelize.File)
		want   []Assignment
		refuse string // part of the one refusal, "" for none
	}{
		{"nothing chosen", func(*testing.T, *excelize.File) {}, nil, ""},
		{"chosen", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "K2", agencyName(3))
			setCell(t, f, SheetOutside, "K4", " "+agencyName(5)+" ")
		}, []Assignment{{Submission: 501, Agency: agencyName(3), Source: SheetOutside + "!K2"}, {Submission: 503, Agency: agencyName(5), Source: SheetOutside + "!K4"}}, ""},
		{"not on the roster", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "K2", "伪造代办处")
		}, nil, "“伪造代办处”不是名册中的单位"},
		{"number edited", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "A2", 777)
			setCell(t, f, SheetOutside, "K2", agencyName(3))
		}, nil, "提交编号 777 不是本年度的名册外来件"},
		{"number removed", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "A2", "")
			setCell(t, f, SheetOutside, "K2", agencyName(3))
		}, nil, "没有有效的提交编号"},
		{"assigned before, same agency", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "A2", 500)
			setCell(t, f, SheetOutside, "K2", agencyName(1))
		}, nil, ""},
		{"assigned before, other agency", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "A2", 500)
			setCell(t, f, SheetOutside, "K2", agencyName(2))
		}, nil, "已认定归入“" + agencyName(1) + "”"},
		{"one form, two agencies", func(t *testing.T, f *excelize.File) {
			setCell(t, f, SheetOutside, "K2", agencyName(3))
			setCell(t, f, SheetOutside, "A3", 501)
			setCell(t, f, SheetOutside, "K3", agencyName(4))
		}, []Assignment{{Submission: 501, Agency: agencyName(3), Source: SheetOutside + "!K2"}}, "被认定给了两个单位"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := build(t, in)
			tt.edit(t, f)
			imp, errs := ImportReview(save(t, f), opts())
			switch {
			case tt.refuse == "" && len(errs) != 0:
				t.Errorf("refused: %v", errs)
			case tt.refuse != "" && (len(errs) != 1 || !strings.Contains(errs[0].Message, tt.refuse) || errs[0].Sheet != SheetOutside):
				t.Errorf("errors %v, want one with %q", errs, tt.refuse)
			}
			if len(imp.Assignments) != len(tt.want) {
				t.Fatalf("assignments %+v, want %+v", imp.Assignments, tt.want)
			}
			for i, a := range imp.Assignments {
				if a != tt.want[i] {
					t.Errorf("assignment %+v, want %+v", a, tt.want[i])
				}
			}
		})
	}
}

// TestRemarkRoundTrip: the staff's 备注 on 汇总 comes back as the agency's
// review of indicator "", beside a veto, and shows again, apart from what
// the system says of the row.
func TestRemarkRoundTrip(t *testing.T) {
	fx := newFixture(10, 0)
	f, _, _ := build(t, fx.in)
	rows := sheetRows(t, f, SheetSummary)
	h, at := rows[0], rowsByName(rows, 1)
	a := agencyName(4) // vetoed in the fixture
	cell, _ := excelize.CoordinatesToCellName(col(t, h, "备注")+1, at[a])
	setCell(t, f, SheetSummary, cell, "已约谈负责人")
	imp, errs := ImportReview(save(t, f), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: fx.in.AgencyNames()})
	if len(errs) != 0 || len(imp.Reviews) != 1 || imp.Reviews[0] != (Review{Agency: a, Comment: "已约谈负责人", Source: SheetSummary + "!" + cell, At: testNow}) {
		t.Fatalf("reviews %+v, errors %v", imp.Reviews, errs)
	}
	in := fx.in
	in.Reviews = imp.Reviews
	g, _, _ := build(t, in)
	rows = sheetRows(t, g, SheetSummary)
	r := rows[rowsByName(rows, 1)[a]-1]
	if r[col(t, h, "备注")] != "已约谈负责人" || !strings.Contains(r[col(t, h, "说明")], "一票否决") || r[col(t, h, "原备注")] != "已约谈负责人" {
		t.Errorf("row %q", r)
	}
	// Blanked: cleared on the next import.
	cell, _ = excelize.CoordinatesToCellName(col(t, h, "备注")+1, rowsByName(rows, 1)[a])
	setCell(t, g, SheetSummary, cell, "")
	imp, _ = ImportReview(save(t, g), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: fx.in.AgencyNames()})
	if len(imp.Cleared) != 1 || imp.Cleared[0].Agency != a || imp.Cleared[0].Indicator != "" {
		t.Errorf("cleared %+v", imp.Cleared)
	}
}

// TestHeldProposalRow: a held 推荐表 is listed beside the 考核表 with its
// own 提交编号, the persons counted and never named, and its 归属单位 comes
// back as an assignment of the proposal.
func TestHeldProposalRow(t *testing.T) {
	in := outsideFixture()
	in.Outside = append(in.Outside, Outside{Proposal: 7, Persons: 3, Sender: "d@home.example", Named: agencyName(6),
		ReceivedAt: testCutoff.Add(time.Hour), File: "推荐表.xlsx", Subject: "推荐表"})
	in.AssignedProposals = map[int64]string{6: agencyName(1)}
	f, _, _ := build(t, in)
	rows := sheetRows(t, f, SheetOutside)
	h := rows[0]
	var at int
	for i, r := range rows {
		if r[col(t, h, "提交编号")] == ProposalRef(7) {
			at = i
		}
	}
	if at == 0 {
		t.Fatalf("no row %s in %q", ProposalRef(7), rows)
	}
	r := rows[at]
	if r[col(t, h, "核对结果")] != "推荐表（推荐 3 人）" || r[col(t, h, "表内考核单位")] != agencyName(6) ||
		r[col(t, h, "发件地址")] != "d@home.example" || !strings.Contains(r[col(t, h, "说明")], "推荐表") {
		t.Errorf("row %q", r)
	}
	opts := ImportOptions{Form: in.Form, Now: testNow, Agencies: in.AgencyNames(), Held: in.HeldSubmissions(), Assigned: in.Assigned,
		HeldProposals: in.HeldProposals(), AssignedProposals: in.AssignedProposals}
	cell, _ := excelize.CoordinatesToCellName(col(t, h, "归属单位")+1, at+1)
	setCell(t, f, SheetOutside, cell, agencyName(6))
	imp, errs := ImportReview(save(t, f), opts)
	want := Assignment{Proposal: 7, Agency: agencyName(6), Source: SheetOutside + "!" + cell}
	if len(errs) != 0 || len(imp.Assignments) != 1 || imp.Assignments[0] != want {
		t.Fatalf("assignments %+v, errors %v", imp.Assignments, errs)
	}
	// The 考核表 of the same number is another form: 7 is no held submission.
	idCell, _ := excelize.CoordinatesToCellName(col(t, h, "提交编号")+1, at+1)
	setCell(t, f, SheetOutside, idCell, 7)
	if _, errs := ImportReview(save(t, f), opts); len(errs) != 1 || !strings.Contains(errs[0].Message, "提交编号 7 不是本年度的名册外来件") {
		t.Errorf("errors %v", errs)
	}
	// Assigned before: the same workbook imports again without assigning twice.
	setCell(t, f, SheetOutside, idCell, ProposalRef(6))
	if imp, errs := ImportReview(save(t, f), opts); len(errs) != 1 || len(imp.Assignments) != 0 || !strings.Contains(errs[0].Message, "已认定归入") {
		t.Errorf("assignments %+v, errors %v", imp.Assignments, errs)
	}
}
