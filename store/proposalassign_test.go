package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"kaohe/validate"
)

func TestHeldProposalAssigned(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	recv := time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)
	if _, err := saveProposalMail(t, s, "朝阳区代办处", "<own@x>", 1, recv, proposal("朝阳区代办处", true, "王五|1970-01")); err != nil {
		t.Fatal(err)
	}
	if _, err := saveProposalMail(t, s, "", "<held@x>", 2, recv.Add(time.Hour), proposal("朝阳区代办处", true, "张三|1980-05", "李四|1975-11")); err != nil {
		t.Fatal(err)
	}
	held, err := s.HeldProposals(ctx)
	if err != nil || len(held) != 1 || held[0].Agency != "" || len(held[0].Persons) != 2 {
		t.Fatalf("held: %+v %v", held, err)
	}
	over := ProposalFinding{Finding: validate.NewFinding(validate.CodeOverQuota, "超出名额"), Person: -1}
	over.Cell = "B13"
	a := ProposalAssignment{Proposal: held[0].ID, Agency: "朝阳区代办处", Findings: []ProposalFinding{over}, Assigner: "staff", Source: "汇总.xlsx 名册外来件!K2"}
	if err := s.AssignProposals(ctx, []ProposalAssignment{a}); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignProposals(ctx, []ProposalAssignment{a}); !errors.Is(err, ErrAssigned) {
		t.Errorf("second assignment: %v, want ErrAssigned", err)
	}
	if err := s.AssignProposals(ctx, []ProposalAssignment{{Proposal: 999, Agency: "朝阳区代办处"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown proposal: %v, want ErrNotFound", err)
	}
	if held, err := s.HeldProposals(ctx); err != nil || len(held) != 0 {
		t.Errorf("still held: %d %v", len(held), err)
	}
	cur, ok, err := s.AgencyProposal(ctx, "朝阳区代办处")
	if err != nil || !ok || cur.ID != a.Proposal || cur.Version != 2 || len(cur.Findings) != 1 || cur.Findings[0].Code != validate.CodeOverQuota {
		t.Fatalf("current proposal: %+v %v %v", cur, ok, err)
	}
	as, err := s.ProposalAssignments(ctx)
	if err != nil || len(as) != 1 || as[0].Version != 2 || as[0].Source != a.Source || as[0].Assigner != "staff" {
		t.Errorf("assignments: %+v %v", as, err)
	}
}

// A purge removes the persons of the season's held 推荐表, assigned or not,
// and their archived mail, as it does an agency's own.
func TestPurgeRemovesHeldProposals(t *testing.T) {
	s, _, _ := purgeSeason(t)
	ctx := context.Background()
	recv := time.Date(2022, 4, 1, 3, 0, 0, 0, time.UTC)
	var msgs []Message
	for i, id := range []string{"<held1@x>", "<held2@x>"} {
		m, err := saveProposalMail(t, s, "", id, uint32(20+i), recv, proposal("海淀区代办处", true, "王五|1970-01"))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	held, err := s.HeldProposals(ctx)
	if err != nil || len(held) != 2 {
		t.Fatalf("held %d (%v)", len(held), err)
	}
	if err := s.AssignProposals(ctx, []ProposalAssignment{{Proposal: held[0].ID, Agency: "海淀区代办处"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(ctx, 2021, "wangming"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "proposal_persons"); n != 0 {
		t.Errorf("%d person rows left after purge", n)
	}
	for _, m := range msgs {
		if _, err := s.ReadArchived(m.Hash); !errors.Is(err, ErrNotFound) {
			t.Errorf("archived held 推荐表 %s still readable: %v", m.MessageID, err)
		}
	}
}
