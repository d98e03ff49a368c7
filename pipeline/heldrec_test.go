package pipeline

import (
	"testing"

	"kaohe/store"
)

// A held 推荐表 staff assigned stays the agency's across kaohe rebuild: the
// mail is recorded, so the rebuild leaves it and its assignment alone and
// holds no second copy of it.
func TestAssignedHeldRecommendSurvivesRebuild(t *testing.T) {
	f := newRecFixture(t, map[string]int{"朝阳区代办处": 2})
	m := f.handle(mailSpec{from: "<someone@elsewhere.example.com>", subject: "推荐表", msgID: "hr@x", attachment: goodRecForm("朝阳区代办处").workbook(t), filename: "推荐表.xlsx"}.raw(), recReceived)
	held, err := f.st.HeldProposals(f.ctx)
	if err != nil || len(held) != 1 || held[0].MessageID != m.ID {
		t.Fatalf("held %+v %v", held, err)
	}
	if err := f.st.AssignProposals(f.ctx, []store.ProposalAssignment{{Proposal: held[0].ID, Agency: "朝阳区代办处", Source: "汇总.xlsx 名册外来件!K2"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := New(f.st, f.cfg).Rebuild(f.ctx, noNotices{}, nil)
	if err != nil || len(rep.Rebuilt) != 0 || len(rep.Failed) != 0 {
		t.Fatalf("rebuild: %+v %v", rep, err)
	}
	p, ok, err := f.st.AgencyProposal(f.ctx, "朝阳区代办处")
	if err != nil || !ok || p.ID != held[0].ID || p.Version != 1 {
		t.Fatalf("朝阳's proposal after rebuild: %+v %v %v", p, ok, err)
	}
	if again, err := f.st.HeldProposals(f.ctx); err != nil || len(again) != 0 {
		t.Errorf("held after rebuild: %d %v", len(again), err)
	}
	if as, err := f.st.ProposalAssignments(f.ctx); err != nil || len(as) != 1 {
		t.Errorf("assignments after rebuild: %+v %v", as, err)
	}
}
