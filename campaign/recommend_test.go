package campaign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/reclist"
	"kaohe/scoring"
	"kaohe/store"
)

// recommendRound approves the results (朝阳 优秀 with a quota of 1, 海淀
// 合格 without one) and records 朝阳's 推荐表 proposing itself, 张三 and 李四.
func (e *staffEnv) recommendRound() {
	t := e.t
	rs := []store.FinalResult{
		{Agency: agencyCY, Type: scoring.District, Grade: store.GradeExcellent, Rank: 1, Quota: 1, Scored: true},
		{Agency: agencyHD, Type: scoring.District, Grade: store.GradePass, Rank: 2, Scored: true},
	}
	if err := e.st.SaveComputedResults(e.ctx, rs, store.ResultsRun{By: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.ApproveResults(e.ctx, rs, store.ResultsRun{By: "test", Source: "考核结果.xlsx"}); err != nil {
		t.Fatal(err)
	}
	raw := []byte("Message-ID: <rec@cy.example.org>\r\nFrom: cy@example.org\r\nSubject: 推荐表\r\n\r\n推荐表\r\n")
	hash, err := e.st.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.st.RecordMessage(e.ctx, store.Message{MessageID: "<rec@cy.example.org>", Hash: hash, Mailbox: "INBOX", UIDValidity: 1,
		UID: 9000, Sender: "cy@example.org", Subject: "推荐表", ReceivedAt: e.now, Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: agencyCY, Proposed: true},
		Persons: []store.PersonProposal{{Name: "张三", Birth: "1980-05", Post: "主任"}, {Name: "李四", Birth: "1985-03", Post: "干事"}}}
	if err := e.st.SaveResult(e.ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agencyCY, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Size: 10, Hash: hash, Proposal: p}}}); err != nil {
		t.Fatal(err)
	}
}

// decide fills the decision and note of the 推荐名单 row of name ("" for
// the unit).
func decide(t *testing.T, name, decision, note string) func(*excelize.File) {
	return func(f *excelize.File) {
		rows, err := f.GetRows(reclist.SheetList)
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i + 1
		}
		for i, r := range rows[1:] {
			got := ""
			if len(r) >= col["姓名"] {
				got = r[col["姓名"]-1]
			}
			if got != name {
				continue
			}
			dec, _ := excelize.CoordinatesToCellName(col["主任办公会决定"], i+2)
			nt, _ := excelize.CoordinatesToCellName(col["备注（告知代办处）"], i+2)
			f.SetCellStr(reclist.SheetList, dec, decision)
			f.SetCellStr(reclist.SheetList, nt, note)
			return
		}
		t.Fatalf("推荐名单 has no row for %q", name)
	}
}

func all(edits ...func(*excelize.File)) func(*excelize.File) {
	return func(f *excelize.File) {
		for _, e := range edits {
			e(f)
		}
	}
}

func TestRecommendListNotBeforeTheRound(t *testing.T) {
	e := newStaffEnv(t)
	f, err := excelize.OpenReader(strings.NewReader(string(e.workbook(nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(reclist.SheetList); idx >= 0 {
		t.Error("the staff workbook has 推荐名单 before the results are approved")
	}
}

// The 主任办公会's decisions come back in the staff workbook by mail: with
// a refused cell nothing is taken and the sender is told the cell; filled
// in right, they are saved with the mail, and the 导入 reply counts them.
func TestRecommendDecisionsByMail(t *testing.T) {
	e := newStaffEnv(t)
	e.recommendRound()
	auth := "Authentication-Results: " + authserv + "; dkim=pass header.d=office.example.org; spf=pass smtp.mailfrom=office.example.org\r\n"
	// 朝阳's quota is 1: two plain 确定 are refused.
	over := all(decide(t, "", reclist.LabelConfirmed, ""), decide(t, "张三", reclist.LabelConfirmed, ""), decide(t, "李四", reclist.LabelConfirmed, ""))
	m := e.handle(mailOf("王明 <"+staffA+">", "推荐名单", auth, "汇总.xlsx", e.workbook(over)))
	if m.Outcome != store.OutcomeStaffRefused {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffRefused)
	}
	mails := e.drain()
	if len(mails) != 1 || !strings.Contains(mails[0].text, "推荐名单!") || !strings.Contains(mails[0].text, "名额为 1 人") {
		t.Fatalf("refusal: %+v", mails)
	}
	if ds, err := e.st.Decisions(e.ctx); err != nil || len(ds) != 0 {
		t.Fatalf("a refused workbook stored %d decisions (%v)", len(ds), err)
	}
	good := all(decide(t, "", reclist.LabelConfirmed, ""), decide(t, "张三", reclist.LabelConfirmed, ""),
		decide(t, "李四", reclist.LabelOverride, "主任办公会特批"))
	if m := e.handle(mailOf("王明 <"+staffA+">", "推荐名单", auth, "汇总.xlsx", e.workbook(good))); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffImported)
	}
	mails = e.drain()
	if len(mails) != 1 || !strings.Contains(mails[0].text, "推荐名单的主任办公会决定 3 条，其中新增、改动或清除 3 条") {
		t.Fatalf("导入 reply: %+v", mails)
	}
	ds, err := e.st.Decisions(e.ctx)
	if err != nil || len(ds) != 3 {
		t.Fatalf("stored %d decisions (%v), want 3", len(ds), err)
	}
	for _, d := range ds {
		if d.Name == "李四" && (!d.Override || d.Note != "主任办公会特批" || d.DecidedBy == "") {
			t.Errorf("李四's decision %+v: want the override, its reason and who decided", d)
		}
	}
	// The next workbook shows the decisions, and 海淀 among those without a
	// 推荐表.
	f, err := excelize.OpenReader(strings.NewReader(string(e.workbook(nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(reclist.SheetList)
	var decided []string
	for _, r := range rows[1:] {
		if len(r) > 14 {
			decided = append(decided, r[14])
		}
	}
	if strings.Join(decided, ",") != "确定,确定,特批确定" {
		t.Errorf("decisions shown %v", decided)
	}
	missing, _ := f.GetRows(reclist.SheetMissing)
	if len(missing) != 2 || missing[1][0] != agencyHD {
		t.Errorf("未推荐单位 = %v", missing)
	}
}

func TestDatedWorkbooks(t *testing.T) {
	dir := t.TempDir()
	books := filepath.Join(dir, "workbooks")
	os.MkdirAll(books, 0o700)
	for _, n := range []string{"汇总.xlsx", "汇总-2022-03-31.xlsx", "汇总-2022-04-01.xlsx", "汇总-2022-05-10.xlsx", "汇总-2022-05-11.xlsx", "汇总-x.xlsx"} {
		os.WriteFile(filepath.Join(books, n), nil, 0o600)
	}
	// 2022-03-31 17:00 UTC is 2022-04-01 in Beijing.
	got, err := DatedWorkbooks(dir, time.Date(2022, 3, 31, 17, 0, 0, 0, time.UTC), time.Date(2022, 5, 10, 12, 0, 0, 0, time.UTC))
	if err != nil || strings.Join(got, " ") != "workbooks/汇总-2022-04-01.xlsx workbooks/汇总-2022-05-10.xlsx" {
		t.Errorf("DatedWorkbooks = %v, %v", got, err)
	}
}

// A workbook filled in and saved by LibreOffice imports the same
// decisions: the 编号 stay text, the hidden 原决定 column stays.
func TestRecommendDecisionsLibreOffice(t *testing.T) {
	e := newStaffEnv(t)
	e.recommendRound()
	filled := e.workbook(all(decide(t, "", reclist.LabelNotConfirmed, "事迹材料不足"), decide(t, "张三", reclist.LabelConfirmed, ""),
		decide(t, "李四", reclist.LabelNotConfirmed, "")))
	saved := resaveLibreOffice(t, filled)
	auth := "Authentication-Results: " + authserv + "; dkim=pass header.d=office.example.org; spf=pass smtp.mailfrom=office.example.org\r\n"
	if m := e.handle(mailOf("王明 <"+staffA+">", "推荐名单", auth, "汇总.xlsx", saved)); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("outcome %s, want %s: %+v", m.Outcome, store.OutcomeStaffImported, e.drain())
	}
	ds, err := e.st.Decisions(e.ctx)
	if err != nil || len(ds) != 3 {
		t.Fatalf("stored %d decisions (%v), want 3", len(ds), err)
	}
	// Blanking a decision in LibreOffice clears it.
	again := resaveLibreOffice(t, rewrite(t, e.workbook(nil), decide(t, "李四", "", "")))
	if m := e.handle(mailOf("王明 <"+staffA+">", "推荐名单 改", auth, "汇总.xlsx", again)); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("outcome %s: %+v", m.Outcome, e.drain())
	}
	if ds, _ := e.st.Decisions(e.ctx); len(ds) != 2 {
		t.Errorf("after blanking 李四: %d decisions, want 2", len(ds))
	}
}
