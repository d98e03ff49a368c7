package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/reclist"
	"kaohe/store"
)

// saveProposals records, in season's store, 朝阳's 推荐表 proposing itself
// and 张三 and 李四, received on time.
func saveProposals(t *testing.T, dataDir string, season int) {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{Season: season})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	at := time.Date(2022, 4, 8, 2, 0, 0, 0, time.UTC)
	raw := []byte("Message-ID: <rec1@example.org>\r\nFrom: chaoyang@example.org\r\nSubject: 推荐表\r\n\r\n推荐表\r\n")
	hash, err := st.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := st.RecordMessage(ctx, store.Message{MessageID: "<rec1@example.org>", Hash: hash, Mailbox: "INBOX", UIDValidity: 1, UID: 900,
		Sender: "chaoyang@example.org", Subject: "推荐表", ReceivedAt: at, Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: "朝阳区代办处", Proposed: true},
		Persons: []store.PersonProposal{{Name: "张三", Sex: "男", Birth: "1980-05", Post: "主任"}, {Name: "李四", Sex: "女", Birth: "1985-03", Post: "干事"}}}
	if err := st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Size: 10, Hash: hash, Proposal: p}}}); err != nil {
		t.Fatal(err)
	}
}

func saveDecisions(t *testing.T, dataDir string, season int, lisi store.Verdict) {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{Season: season})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveDecisions(context.Background(), []store.Decision{
		{Agency: "朝阳区代办处", Kind: store.KindUnit, Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Birth: "1980-05", Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Birth: "1985-03", Verdict: lisi},
	}, nil); err != nil {
		t.Fatal(err)
	}
}

// roundFinals are testFinals with 市建工集团 合格 without a quota: it may
// still propose itself as 优秀单位, and is listed when it does not. 海淀,
// 不合格, may propose nobody and is not listed.
func roundFinals() []store.FinalResult {
	rs := testFinals()
	rs[2].Grade, rs[2].State = store.GradePass, "合格待审"
	return rs
}

func final(t *testing.T, at time.Time, args ...string) (code int, out, errOut string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code = sendFinalLists(context.Background(), args, &stdout, &stderr, func() time.Time { return at })
	return code, stdout.String(), stderr.String()
}

// finalMails are the 确定名单反馈 the SMTP server accepted, per recipient:
// subject and text.
func finalMails(t *testing.T, srv *mailserver.Server) map[string][]*mailparse.Parsed {
	t.Helper()
	out := map[string][]*mailparse.Parsed{}
	for _, d := range srv.Deliveries() {
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.Subject, "确定名单反馈") {
			out[d.To[0]] = append(out[d.To[0]], p)
		}
	}
	return out
}

func TestResultsFinalOnceThenCorrection(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	season := publishEnv(t, srv, dataDir)
	saveFinals(t, dataDir, season, true, roundFinals())
	saveProposals(t, dataDir, season)
	after := time.Date(2022, 4, 20, 2, 0, 0, 0, time.UTC)

	// Before the deadline of the 推荐表: refused.
	if code, out, errOut := final(t, time.Date(2022, 4, 10, 2, 0, 0, 0, time.UTC)); code != exitNeedsFix || !strings.Contains(errOut, "还没到") {
		t.Fatalf("before the cut-off: exit %d\n%s%s", code, out, errOut)
	}
	// Undecided proposals: refused, each named, nothing queued.
	code, out, errOut := final(t, after)
	if code != exitNeedsFix || !strings.Contains(errOut, "还有 3 项推荐没有主任办公会的决定") || !strings.Contains(errOut, "朝阳区代办处（优秀单位）") ||
		!strings.Contains(errOut, "朝阳区代办处 李四") {
		t.Fatalf("undecided: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	if got := finalMails(t, srv); len(got) != 0 {
		t.Fatalf("mail while undecided: %v", got)
	}

	saveDecisions(t, dataDir, season, store.NotConfirmed)
	// A dry run says what would go and sends nothing.
	code, out, errOut = final(t, after, "--dry-run")
	if code != exitOK || !strings.Contains(out, "试运行（未发送）") || !strings.Contains(out, "共 2 封邮件") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	if got := finalMails(t, srv); len(got) != 0 {
		t.Fatalf("the dry run sent %v", got)
	}
	code, out, errOut = final(t, after)
	if code != exitOK || !strings.Contains(out, "确定名单反馈 1 家，更正 0 家，共 2 封邮件") {
		t.Fatalf("final: exit %d\n%s%s", code, out, errOut)
	}
	// The agencies without a 推荐表 are listed for staff; nobody is named.
	for _, want := range []string{"以下 1 家代办处截止时未报送推荐表", "市建工集团代办处（合格，名额 0）"} {
		if !strings.Contains(out, want) {
			t.Errorf("final's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "海淀区代办处") {
		t.Errorf("a 不合格 agency, which may propose nobody, is listed as missing:\n%s", out)
	}
	if strings.Contains(out+errOut, "张三") {
		t.Errorf("final printed a person's name:\n%s", out)
	}
	noJSON(t, "final's output", out+errOut)
	sendAll(t)
	got := finalMails(t, srv)
	for _, addr := range []string{"chaoyang@example.org", "cy-office@example.org"} {
		if len(got[addr]) != 1 || strings.Contains(got[addr][0].Subject, "更正") {
			t.Fatalf("%s got %d lists, want one", addr, len(got[addr]))
		}
		text := got[addr][0].Text
		if !strings.Contains(text, "张三") || !strings.Contains(text, "李四") {
			t.Errorf("%s's list lacks the persons:\n%s", addr, text)
		}
	}
	if len(got) != 2 {
		t.Errorf("lists went to %d addresses: %v", len(got), got)
	}

	// Sending again sends nothing new.
	if code, out, _ = final(t, after); code != exitOK || !strings.Contains(out, "共 0 封邮件") || !strings.Contains(out, "不再发送的 1 家") {
		t.Fatalf("second final: exit %d\n%s", code, out)
	}
	// The office confirms 李四 after all: one 更正 to each of 朝阳's addresses.
	saveDecisions(t, dataDir, season, store.Confirmed)
	if code, out, errOut = final(t, after); code != exitOK || !strings.Contains(out, "更正 1 家，共 2 封邮件") || !strings.Contains(out, "更正：朝阳区代办处（第 2 次发送）") {
		t.Fatalf("final after the change: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	got = finalMails(t, srv)
	for _, addr := range []string{"chaoyang@example.org", "cy-office@example.org"} {
		if len(got[addr]) != 2 || !strings.Contains(got[addr][1].Subject, "更正") {
			t.Errorf("%s got %d mails, want the list and one 更正", addr, len(got[addr]))
		}
	}
	if code, out, _ = final(t, after); code != exitOK || !strings.Contains(out, "共 0 封邮件") {
		t.Fatalf("final after the 更正: exit %d\n%s", code, out)
	}
	sendAll(t)
	if n := len(finalMails(t, srv)["chaoyang@example.org"]); n != 2 {
		t.Errorf("朝阳 has %d lists after the last run, want 2", n)
	}
}

// TestRecommendListInStaffWorkbook: the staff workbook carries 推荐名单 and
// 未推荐单位 once the results are approved; the 主任办公会's decisions filled
// into it are imported by kaohe review import all or nothing.
func TestRecommendListInStaffWorkbook(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	season := publishEnv(t, srv, dataDir)
	saveFinals(t, dataDir, season, true, roundFinals())
	saveProposals(t, dataDir, season)
	book := filepath.Join(t.TempDir(), "汇总.xlsx")
	if code, out, errOut := runKaohe("consolidate", "-o", book); code != exitOK {
		t.Fatalf("consolidate: exit %d\n%s%s", code, out, errOut)
	}
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(reclist.SheetList)
	if err != nil || len(rows) != 4 {
		t.Fatalf("推荐名单 has %d rows (%v), want a header and 3 proposals", len(rows), err)
	}
	missing, _ := f.GetRows(reclist.SheetMissing)
	if len(missing) != 2 || missing[1][0] != "市建工集团代办处" {
		t.Errorf("未推荐单位 = %v, want 市建工集团 alone", missing)
	}
	refs := map[string]string{} // name ("" for the unit) → 编号
	for _, r := range rows[1:] {
		name := ""
		if len(r) > 7 {
			name = r[7]
		}
		refs[name] = r[0]
	}
	fill := func(name, decision, note string) {
		if err := f.SetCellStr(reclist.SheetList, cellOf(t, f, reclist.SheetList, refs[name], "主任办公会决定"), decision); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStr(reclist.SheetList, cellOf(t, f, reclist.SheetList, refs[name], "备注（告知代办处）"), note); err != nil {
			t.Fatal(err)
		}
	}
	save := func() {
		if err := f.SaveAs(book); err != nil {
			t.Fatal(err)
		}
	}
	// 朝阳's quota is 3: 特批确定 without its reason is refused, and with
	// it nothing else of the workbook is taken either.
	fill("", reclist.LabelConfirmed, "")
	fill("张三", reclist.LabelConfirmed, "")
	fill("李四", reclist.LabelOverride, "")
	save()
	code, out, errOut := runKaohe("review", "import", book)
	if code != exitNeedsFix || !strings.Contains(errOut, "推荐名单!") || !strings.Contains(errOut, "特批确定") {
		t.Fatalf("import with a refused cell: exit %d\n%s%s", code, out, errOut)
	}
	if n := storedDecisions(t, dataDir, season); n != 0 {
		t.Fatalf("%d decisions stored from a refused workbook", n)
	}
	fill("李四", reclist.LabelNotConfirmed, "公示期不足")
	save()
	code, out, errOut = runKaohe("review", "import", book)
	if code != exitOK || !strings.Contains(out, "推荐名单的主任办公会决定 3 条") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if n := storedDecisions(t, dataDir, season); n != 3 {
		t.Fatalf("%d decisions stored, want 3", n)
	}
}

func storedDecisions(t *testing.T, dataDir string, season int) int {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{ReadOnly: true, Season: season})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Decisions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}
