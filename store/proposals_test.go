package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/validate"
)

// proposal builds a 推荐表 of unit proposing the persons given as name|birth.
func proposal(unit string, onTime bool, persons ...string) *Proposal {
	p := &Proposal{OnTime: onTime, Unit: UnitProposal{Name: unit, Proposed: true, Deeds: "积极开展互助保障活动"},
		Publicity: Publicity{Start: "2022-03-01", End: "2022-03-07", Scope: "本单位", Result: "无异议"}}
	for i, s := range persons {
		name, birth, _ := strings.Cut(s, "|")
		years := float64(5 + i)
		p.Persons = append(p.Persons, PersonProposal{Cell: fmt.Sprintf("B%d", 12+i), Name: name, Sex: "女", Birth: birth,
			Post: "干事", Years: &years, Deeds: "多年从事互助保障工作"})
	}
	return p
}

// saveProposalMail records a mail from agency with one 推荐表 attachment.
func saveProposalMail(t *testing.T, s *Store, agency, msgID string, uid uint32, recv time.Time, p *Proposal) (Message, error) {
	t.Helper()
	m := record(t, s, msgID, int(uid), uid, recv)
	return m, s.SaveResult(context.Background(), Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Size: 10, Hash: "h" + msgID, Proposal: p}},
		Outbox:      []OutgoingMail{reply(m, "")}})
}

func TestProposalSavedAndRead(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	p := proposal("朝阳区代办处", true, "张三|1980-05", "李 四|1975-11")
	p.Persons[1].Years = nil
	f := ProposalFinding{Finding: validate.NewFinding(validate.CodeMissingField, "请填写年限。"), Person: 1}
	f.Cell = "G13"
	p.Findings = []ProposalFinding{f}
	m, err := saveProposalMail(t, s, "朝阳区代办处", "<p1@x>", 1, time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC), p)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.AgencyProposal(ctx, "朝阳区代办处")
	if err != nil || !ok {
		t.Fatalf("AgencyProposal: %v %v", ok, err)
	}
	if got.MessageID != m.ID || got.Version != 1 || !got.Current || !got.OnTime || got.Filename != "推荐表.xlsx" ||
		got.MessageHash != m.Hash || !got.Unit.Proposed || got.Publicity.Result != "无异议" || got.Publicity.End != "2022-03-07" {
		t.Errorf("proposal %+v", got)
	}
	if len(got.Persons) != 2 || got.Persons[0].Name != "张三" || got.Persons[1].Index != 1 || got.Persons[1].Years != nil ||
		got.Persons[0].Years == nil || *got.Persons[0].Years != 5 || got.Persons[0].Birth != "1980-05" {
		t.Errorf("persons %+v", got.Persons)
	}
	if len(got.Findings) != 1 || got.Findings[0].Code != validate.CodeMissingField || got.Findings[0].Person != 1 || got.Findings[0].Cell != "G13" {
		t.Errorf("findings %+v", got.Findings)
	}
	if _, ok, _ := s.AgencyProposal(ctx, "市建工局代办处"); ok {
		t.Error("an agency that sent nothing has a proposal")
	}
	// Saved with the message's result: exactly once.
	if err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区代办处",
		Attachments: []AttachmentResult{{Filename: "推荐表.xlsx", Proposal: p}}}); !errors.Is(err, ErrAlreadyDone) {
		t.Errorf("second save: %v", err)
	}
	if n := count(t, s, "proposals"); n != 1 {
		t.Errorf("%d proposals stored", n)
	}
}

// A resubmission replaces the agency's proposals; an on-time one stays
// current over a late one, as for the 考核表.
func TestProposalVersions(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	day := time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		persons []string
		onTime  bool
	}{{[]string{"张三|1980-05", "王五|1970-01"}, true}, {[]string{"张三|1980-05"}, true}, {[]string{"赵六|1981-02"}, false}} {
		if _, err := saveProposalMail(t, s, "朝阳区代办处", fmt.Sprintf("<v%d@x>", i), uint32(i+1), day.Add(time.Duration(i)*time.Hour), proposal("朝阳区代办处", c.onTime, c.persons...)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Proposals(ctx, ProposalFilter{Agency: "朝阳区代办处"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Version != 1 || all[2].Version != 3 {
		t.Fatalf("%d versions", len(all))
	}
	cur, err := s.CurrentProposals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 1 || cur[0].Version != 2 || len(cur[0].Persons) != 1 || cur[0].Persons[0].Name != "张三" {
		t.Errorf("current %+v", cur)
	}
}

// The same person proposed by two agencies: the second save must say so
// (ErrProposalsChanged otherwise, nothing stored), and reading flags both.
func TestProposalDuplicatePerson(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	day := time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)
	if _, err := saveProposalMail(t, s, "朝阳区代办处", "<a@x>", 1, day, proposal("朝阳区代办处", true, "张三|1980-05", "王五|1970-01")); err != nil {
		t.Fatal(err)
	}
	b := proposal("市建工局代办处", true, "张 三|1980-05", "张三|1980-06")
	elsewhere, err := s.ProposedElsewhere(ctx, "市建工局代办处", b.Persons)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(elsewhere[0], []string{"朝阳区代办处"}) || elsewhere[1] != nil {
		t.Fatalf("proposed elsewhere %v", elsewhere)
	}
	// Composed before the other agency's proposal was known: refused.
	if _, err := saveProposalMail(t, s, "市建工局代办处", "<b@x>", 2, day.Add(time.Hour), b); !errors.Is(err, ErrProposalsChanged) {
		t.Fatalf("stale duplicates saved: %v", err)
	}
	if n := count(t, s, "proposals"); n != 1 {
		t.Fatalf("%d proposals after the refused save", n)
	}
	b.Persons[0].AlsoProposedBy = elsewhere[0]
	b.Persons[1].AlsoProposedBy = elsewhere[1]
	if _, err := saveProposalMail(t, s, "市建工局代办处", "<b2@x>", 3, day.Add(time.Hour), b); err != nil {
		t.Fatal(err)
	}
	cur, err := s.CurrentProposals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 2 {
		t.Fatalf("%d current", len(cur))
	}
	byAgency := map[string]Proposal{}
	for _, p := range cur {
		byAgency[p.Agency] = p
	}
	if got := byAgency["朝阳区代办处"].Persons[0].AlsoProposedBy; !slices.Equal(got, []string{"市建工局代办处"}) {
		t.Errorf("first agency's person also proposed by %v", got)
	}
	if got := byAgency["市建工局代办处"].Persons[0].AlsoProposedBy; !slices.Equal(got, []string{"朝阳区代办处"}) {
		t.Errorf("second agency's person also proposed by %v", got)
	}
	if got := byAgency["朝阳区代办处"].Persons[1].AlsoProposedBy; got != nil {
		t.Errorf("a person of one agency only flagged: %v", got)
	}
	// Once the first agency withdraws the person, nobody is flagged.
	if _, err := saveProposalMail(t, s, "朝阳区代办处", "<a2@x>", 4, day.Add(2*time.Hour), proposal("朝阳区代办处", true, "王五|1970-01")); err != nil {
		t.Fatal(err)
	}
	p, _, err := s.AgencyProposal(ctx, "市建工局代办处")
	if err != nil || p.Persons[0].AlsoProposedBy != nil {
		t.Errorf("flag after withdrawal: %v %v", p.Persons[0].AlsoProposedBy, err)
	}
}

// A 推荐表 held as 名册外来件 is kept under no agency and is nobody's
// current proposal, nor a duplicate of anyone's.
func TestProposalForeign(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	m := record(t, s, "<f@x>", 1, 1, time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC))
	err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeForeign, Agency: "",
		Attachments: []AttachmentResult{{Filename: "推荐表.xlsx", Agency: "朝阳区代办处", Foreign: true, Proposal: proposal("朝阳区代办处", true, "张三|1980-05")}}})
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := s.CurrentProposals(ctx); err != nil || len(cur) != 0 {
		t.Errorf("current %v %v", cur, err)
	}
	held, err := s.Proposals(ctx, ProposalFilter{MessageID: m.ID})
	if err != nil || len(held) != 1 || held[0].Agency != "" || held[0].Current {
		t.Fatalf("held %+v %v", held, err)
	}
	if got, _ := s.ProposedElsewhere(ctx, "市建工局代办处", held[0].Persons); got[0] != nil {
		t.Errorf("a held proposal counts as proposing: %v", got)
	}
}
