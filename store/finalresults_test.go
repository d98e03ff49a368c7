package store

import (
	"context"
	"testing"
	"time"

	"kaohe/scoring"
)

func TestFinalResultsComputedThenApproved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	if rs, err := s.FinalResults(ctx); err != nil || rs != nil {
		t.Fatalf("no results yet: %v %v", rs, err)
	}
	computed := []FinalResult{
		{Agency: "朝阳区代办处", Type: scoring.District, State: "合格待审", Rank: 1, Grade: GradeExcellent, Final: 112.5, Scored: true,
			Sections: []SectionScore{{ID: "3", Name: "业务拓展", Self: 40, Verified: 38, Reviewed: 36}}, Quota: 3, QuotaExact: 2.71,
			Notes: []ReviewNote{{Indicator: "3.3", Comment: "指标完成 85%"}}, SubmittedAt: clk.Now()},
		{Agency: "市建工集团代办处", Type: scoring.Sector, State: "未提交", Grade: GradeFail},
		{Agency: "海淀区代办处", Type: scoring.District, State: "逾期", Grade: GradeFail},
	}
	if err := s.SaveComputedResults(ctx, computed, ResultsRun{By: "kaohe results"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.FinalResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Districts first, ranked before unranked; sector agencies after.
	if len(rs) != 3 || rs[0].Agency != "朝阳区代办处" || rs[1].Agency != "海淀区代办处" || rs[2].Agency != "市建工集团代办处" {
		t.Fatalf("order: %+v", rs)
	}
	if r := rs[0]; r.Approved || r.Quota != 3 || r.Sections[0].Reviewed != 36 || r.Notes[0].Comment != "指标完成 85%" || !r.SubmittedAt.Equal(clk.Now()) {
		t.Errorf("computed row read back wrong: %+v", r)
	}
	if _, ok, _ := s.ResultsApproval(ctx); ok {
		t.Error("approved before any approval")
	}

	clk.Add(time.Hour)
	approved := append([]FinalResult(nil), computed...)
	approved[0].Grade, approved[0].Quota = GradeGood, 2
	if err := s.ApproveResults(ctx, approved, ResultsRun{By: "wangming@example.org", Source: "考核结果.xlsx"}); err != nil {
		t.Fatal(err)
	}
	// A later computation does not undo the approval.
	if err := s.SaveComputedResults(ctx, computed[:1], ResultsRun{}); err != nil {
		t.Fatal(err)
	}
	rs, err = s.FinalResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Grade != GradeGood || rs[0].Quota != 2 || !rs[0].Approved || rs[0].ApprovedBy != "wangming@example.org" || !rs[0].ApprovedAt.Equal(clk.Now()) {
		t.Fatalf("approved version not returned: %+v", rs[0])
	}
	comp, run, err := s.ComputedResults(ctx)
	if err != nil || len(comp) != 1 || comp[0].Approved || !run.At.Equal(clk.Now()) {
		t.Fatalf("computed version: %+v %+v %v", comp, run, err)
	}
	if run, ok, err := s.ResultsApproval(ctx); err != nil || !ok || run.Source != "考核结果.xlsx" {
		t.Fatalf("approval: %+v %v %v", run, ok, err)
	}
}

func TestApproveResultsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	good := []FinalResult{{Agency: "朝阳区代办处", Type: scoring.District, Grade: GradePass}}
	if err := s.ApproveResults(ctx, good, ResultsRun{}); err != nil {
		t.Fatal(err)
	}
	bad := []FinalResult{{Agency: "朝阳区代办处", Grade: GradeExcellent}, {Agency: "海淀区代办处", Grade: "很好"}}
	if err := s.ApproveResults(ctx, bad, ResultsRun{}); err == nil {
		t.Fatal("an invalid grade was saved")
	}
	rs, err := s.FinalResults(ctx)
	if err != nil || len(rs) != 1 || rs[0].Grade != GradePass {
		t.Fatalf("a refused approval changed the stored one: %+v %v", rs, err)
	}
}
