package campaign

import (
	"context"
	"strings"
	"testing"

	"kaohe/store"
	"kaohe/validate"
)

// propose stores an agency's 推荐表 proposing the persons given as
// name|birth, as the pipeline would, saying which other agencies propose
// them already.
func (e *env) propose(agency, sender, id string, persons ...string) {
	e.t.Helper()
	ctx := context.Background()
	m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: id, Hash: strings.Repeat("e", 60) + id[:4], Sender: sender,
		Subject: "推荐表", ReceivedAt: e.clock})
	if err != nil {
		e.t.Fatal(err)
	}
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: agency}}
	for i, s := range persons {
		name, birth, _ := strings.Cut(s, "|")
		p.Persons = append(p.Persons, store.PersonProposal{Name: name, Birth: birth, Cell: "B" + string(rune('5'+i))})
	}
	elsewhere, err := e.st.ProposedElsewhere(ctx, agency, p.Persons)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range p.Persons {
		p.Persons[i].AlsoProposedBy = elsewhere[i]
		if elsewhere[i] != nil {
			f := store.ProposalFinding{Finding: validate.NewFinding(validate.CodeDuplicatePerson, "也由其他代办处推荐"), Person: i}
			p.Findings = append(p.Findings, f)
		}
	}
	if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Hash: id, Proposal: p}}}); err != nil {
		e.t.Fatal(err)
	}
}

// A person proposed by two agencies is told to staff once, when the second
// proposal comes, with both agencies named.
func TestStaffNoticeNamesDuplicatePersons(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.propose("朝阳区代办处", "cy@example.org", "p001@x", "张三|1980-05", "李四|1975-11")
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(store.KindStaffNotice)); n != 0 {
		t.Fatalf("%d notices before any duplicate", n)
	}
	e.propose("海淀区代办处", "hd@example.org", "p002@x", "张 三|1980-05")
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d notices, want 1", len(notices))
	}
	text := decodedText(t, notices[0].Raw)
	for _, s := range []string{"重复推荐的人员", "海淀区代办处", "张 三（出生年月 1980-05", "也由朝阳区代办处推荐"} {
		if !strings.Contains(text, s) {
			t.Errorf("notice lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "李四") || strings.Count(text, "张") != 1 {
		t.Errorf("a person proposed once is named, or a pair twice:\n%s", text)
	}
}

// A 推荐表 naming a roster agency from an address not registered for it is
// told to staff as a 名册外来件 推荐表, with the agency it names.
func TestStaffNoticeNamesHeldRecommendation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: "held@x", Hash: strings.Repeat("d", 64), Sender: "x@elsewhere.example",
		Subject: "推荐表", ReceivedAt: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: "朝阳区代办处"}, Persons: []store.PersonProposal{{Name: "张三", Birth: "1980-05"}}}
	if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeForeign, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Foreign: true, Proposal: p}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d notices", len(notices))
	}
	text := decodedText(t, notices[0].Raw)
	for _, s := range []string{"名册外来件", "表内单位：朝阳区代办处", "推荐表的推荐单位是名册中的单位"} {
		if !strings.Contains(text, s) {
			t.Errorf("notice lacks %q:\n%s", s, text)
		}
	}
}
