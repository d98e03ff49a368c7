package campaign

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/reclist"
	"kaohe/store"
	"kaohe/validate"
)

// heldRecommendation records a 推荐表 naming 海淀 (合格, no quota) from an
// address the roster does not know, proposing two persons: held as 名册外来件.
func (e *staffEnv) heldRecommendation() int64 {
	t := e.t
	raw := []byte("Message-ID: <rec@stranger.example>\r\nFrom: hd@stranger.example\r\nSubject: 海淀推荐表\r\n\r\n推荐表\r\n")
	hash, err := e.st.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.st.RecordMessage(e.ctx, store.Message{MessageID: "<rec@stranger.example>", Hash: hash, Mailbox: "INBOX", UIDValidity: 1,
		UID: 9001, Sender: "hd@stranger.example", Subject: "海淀推荐表", ReceivedAt: e.now, Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: agencyHD},
		Persons: []store.PersonProposal{{Cell: "B12", Name: "赵六", Birth: "1981-02", Post: "主任"}, {Cell: "B13", Name: "钱七", Birth: "1979-08", Post: "干事"}}}
	if err := e.st.SaveResult(e.ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeForeign, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Size: 10, Hash: hash, Proposal: p}}}); err != nil {
		t.Fatal(err)
	}
	held, err := e.st.HeldProposals(e.ctx)
	if err != nil || len(held) != 1 {
		t.Fatalf("held proposals %d (%v), want 1", len(held), err)
	}
	return held[0].ID
}

// assignHeld fills 归属单位 of the 名册外来件 row of the held 推荐表 id and
// returns the cell.
func assignHeld(t *testing.T, id int64, agency string, cell *string) func(*excelize.File) {
	return func(f *excelize.File) {
		rows, err := f.GetRows(consolidate.SheetOutside)
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i + 1
		}
		for i, r := range rows[1:] {
			if len(r) > 0 && r[0] == consolidate.ProposalRef(id) {
				*cell, _ = excelize.CoordinatesToCellName(col["归属单位"], i+2)
				f.SetCellStr(consolidate.SheetOutside, *cell, agency)
				return
			}
		}
		t.Fatalf("名册外来件 has no row %s: %q", consolidate.ProposalRef(id), rows)
	}
}

// A 推荐表 held as 名册外来件 is listed for staff, assigned by the review
// import (refused for a unit not on the roster, exactly once), checked then
// against its agency's quota, and shown in 推荐名单 as the agency's.
func TestHeldRecommendationAssigned(t *testing.T) {
	e := newStaffEnv(t)
	e.recommendRound()
	id := e.heldRecommendation()

	f, err := excelize.OpenReader(bytes.NewReader(e.workbook(nil)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(consolidate.SheetOutside)
	f.Close()
	var row []string
	for _, r := range rows[1:] {
		if r[0] == consolidate.ProposalRef(id) {
			row = r
		}
	}
	text := strings.Join(row, "|")
	if row == nil || !strings.Contains(text, "hd@stranger.example") || !strings.Contains(text, agencyHD) ||
		!strings.Contains(text, "推荐表（推荐 2 人）") || strings.Contains(text, "赵六") {
		t.Fatalf("名册外来件 row of the held 推荐表: %q", row)
	}

	var cell string
	bad := e.workbook(assignHeld(t, id, "伪造代办处", &cell))
	_, problems, err := e.c.PrepareReview(e.ctx, bytes.NewReader(bad), ReviewFrom{Reviewer: "test", Source: "汇总.xlsx", Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Message, consolidate.SheetOutside+"!"+cell) ||
		!strings.Contains(problems[0].Message, "不是名册中的单位") {
		t.Fatalf("problems %v, want the cell %s refused", problems, cell)
	}

	// Assigned by mail, as the staff workbook comes back.
	auth := "Authentication-Results: " + authserv + "; dkim=pass header.d=office.example.org; spf=pass smtp.mailfrom=office.example.org\r\n"
	good := e.workbook(assignHeld(t, id, agencyHD, &cell))
	if m := e.handle(mailOf("王明 <"+staffA+">", "名册外来件", auth, "汇总.xlsx", good)); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffImported)
	}
	if mails := e.drain(); len(mails) != 1 || !strings.Contains(mails[0].text, "名册外来件 1 件已归入所选单位") {
		t.Fatalf("导入 reply: %+v", mails)
	}
	p, ok, err := e.st.AgencyProposal(e.ctx, agencyHD)
	if err != nil || !ok || p.ID != id || p.Version != 1 {
		t.Fatalf("海淀's proposal %+v %v %v", p, ok, err)
	}
	var over *store.ProposalFinding
	for i := range p.Findings {
		if p.Findings[i].Code == validate.CodeOverQuota {
			over = &p.Findings[i]
		}
	}
	if over == nil || over.Cell != "B12" || over.Person != 0 || !strings.Contains(over.Message, "没有优秀个人推荐名额") {
		t.Errorf("findings %+v, want over_quota at B12", p.Findings)
	}

	// The same workbook again (CLI): nothing assigned twice.
	prep, problems, err := e.c.PrepareReview(e.ctx, bytes.NewReader(good), ReviewFrom{Reviewer: "test", Source: "汇总.xlsx", Now: e.now})
	if err != nil || len(problems) != 0 || len(prep.Import.Proposals) != 0 {
		t.Fatalf("again: %d proposals, problems %v, %v", len(prep.Import.Proposals), problems, err)
	}
	if err := e.st.SaveReviewImport(e.ctx, prep.Import); err != nil {
		t.Fatal(err)
	}
	// A stale workbook that still offers it is refused whole by the store.
	stale := prep.Import
	stale.Proposals = []store.ProposalAssignment{{Proposal: id, Agency: agencyCY}}
	if err := e.st.SaveReviewImport(e.ctx, stale); err == nil {
		t.Error("a second assignment was saved")
	}
	if as, err := e.st.ProposalAssignments(e.ctx); err != nil || len(as) != 1 || as[0].Agency != agencyHD ||
		!strings.Contains(as[0].Source, consolidate.SheetOutside+"!"+cell) {
		t.Errorf("assignments %+v (%v)", as, err)
	}

	f, err = excelize.OpenReader(bytes.NewReader(e.workbook(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, _ := f.GetRows(reclist.SheetList)
	var listed bool
	for _, r := range list[1:] {
		listed = listed || strings.Contains(strings.Join(r, "|"), "赵六") && strings.Contains(strings.Join(r, "|"), agencyHD)
	}
	if !listed {
		t.Errorf("推荐名单 has no row of 海淀's 赵六: %q", list)
	}
	missing, _ := f.GetRows(reclist.SheetMissing)
	for _, r := range missing[1:] {
		if len(r) > 0 && r[0] == agencyHD {
			t.Errorf("海淀 is still among the agencies without a 推荐表: %q", missing)
		}
	}
	rows, _ = f.GetRows(consolidate.SheetOutside)
	for _, r := range rows {
		if len(r) > 0 && r[0] == consolidate.ProposalRef(id) {
			t.Errorf("名册外来件 still lists the assigned 推荐表")
		}
	}
}
