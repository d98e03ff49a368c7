package consolidate

import (
	"strconv"
	"testing"
)

// Standings agree with 汇总 cell for cell: the final results and the staff
// workbook never disagree on a score or a state.
func TestStandingsMatchSummarySheet(t *testing.T) {
	t.Parallel()
	fx := newFixture(30, 0)
	two, nine := 2.0, 9.0
	fx.in.Reviews = []Review{
		{Agency: agencyName(5), Indicator: "3.3", Score: &two, Comment: "指标完成不足"},
		{Agency: agencyName(5), Indicator: "1.4", Score: &nine},
		{Agency: agencyName(5), Indicator: "", Comment: "材料已补齐"},
	}
	ss, err := Standings(fx.in)
	if err != nil {
		t.Fatal(err)
	}
	f, _, _ := build(t, fx.in)
	rows := sheetRows(t, f, SheetSummary)
	header := rows[0]
	byName := rowsByName(rows, 1)
	stateCol, finalCol, verCol := col(t, header, "状态"), col(t, header, "审核总分"), col(t, header, "核定总分")
	if len(ss) != 30 {
		t.Fatalf("%d standings, want 30", len(ss))
	}
	for _, s := range ss {
		row := rows[byName[s.Agency]-1]
		if row[stateCol] != s.State {
			t.Errorf("%s: state %q, 汇总 says %q", s.Agency, s.State, row[stateCol])
		}
		if s.Scored {
			if got, _ := strconv.ParseFloat(row[finalCol], 64); got != s.Final {
				t.Errorf("%s: final %v, 汇总 says %v", s.Agency, s.Final, row[finalCol])
			}
			if got, _ := strconv.ParseFloat(row[verCol], 64); got != s.Verified {
				t.Errorf("%s: verified %v, 汇总 says %v", s.Agency, s.Verified, row[verCol])
			}
			sum := 0.0
			for _, sec := range s.Sections {
				sum += sec.Reviewed
			}
			if round2(sum) != s.Final {
				t.Errorf("%s: sections add up to %v, final %v", s.Agency, sum, s.Final)
			}
		}
	}
	s5 := ss[5]
	if len(s5.Notes) != 2 || s5.Notes[0] != (Note{"3.3", "指标完成不足"}) || s5.Notes[1] != (Note{"", "材料已补齐"}) {
		t.Errorf("notes: %+v", s5.Notes)
	}
	// 3.3 is in section 3: its reviewed subtotal dropped to take the 审核分.
	if sec := s5.Sections[2]; sec.Reviewed >= sec.Verified {
		t.Errorf("section 3 reviewed %v not below verified %v", sec.Reviewed, sec.Verified)
	}
	if !ss[0].FailsAnyway || !ss[1].FailsAnyway || !ss[4].FailsAnyway || ss[2].FailsAnyway {
		t.Errorf("FailsAnyway: missing %v late %v vetoed %v needs-fix %v", ss[0].FailsAnyway, ss[1].FailsAnyway, ss[4].FailsAnyway, ss[2].FailsAnyway)
	}
}
