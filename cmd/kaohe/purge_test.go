package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/store"
)

// oldSeason fills season 2021 of a new data folder, as the daemon and the
// staff would have left it: 朝阳区's 考核表 with its scores, its 推荐表 with
// two persons and its receipt sent, the 主任办公会's decisions. It returns
// the data folder and the archived 推荐表 mail's path.
func oldSeason(t *testing.T) (dir, recPath string) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	at := time.Date(2022, 4, 1, 2, 0, 0, 0, time.UTC)
	st, err := store.Open(dir, store.Options{Season: 2021, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.OpenSeason(ctx, 2021, time.Date(2022, 1, 6, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	mail := func(n int, subject string) store.Message {
		raw := []byte(fmt.Sprintf("Message-ID: <m%d@x>\r\nFrom: chaoyang@example.org\r\nSubject: %s\r\n\r\nbody\r\n", n, subject))
		hash, err := st.Archive(raw)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := st.RecordMessage(ctx, store.Message{MessageID: fmt.Sprintf("<m%d@x>", n), Hash: hash, Mailbox: "INBOX",
			UIDValidity: 1, UID: uint32(n), Sender: "chaoyang@example.org", Subject: subject, ReceivedAt: at, Size: int64(len(raw))})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	receipt := func(m store.Message) []store.OutgoingMail {
		id := fmt.Sprintf("<reply.%d@kaohe.test>", m.ID)
		return []store.OutgoingMail{{MessageID: id, Kind: store.KindReply, To: m.Sender, RelatedMessage: m.ID,
			Raw: []byte("Message-ID: " + id + "\r\n\r\n回执 张三\r\n")}}
	}
	form := mail(1, "考核表")
	self := 4.0
	rep := &assess.Report{File: "考核表.xlsx", Form: "2021", Unit: "朝阳区代办处", AgencyType: scoring.District, Status: assess.StatusAccepted,
		SelfTotal: 4, VerifiedTotal: 4, Indicators: []assess.IndicatorResult{{ID: "1.1", Section: "1", Cell: "E10", Self: &self, Verified: 4, Cap: 5}}}
	if err := st.SaveResult(ctx, store.Result{MessageID: form.ID, Outcome: store.OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "考核表.xlsx", Kind: "xlsx", Size: 10, Hash: form.Hash, Report: rep}},
		Outbox:      receipt(form)}); err != nil {
		t.Fatal(err)
	}
	rec := mail(2, "推荐表 张三 李四")
	p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: "朝阳区代办处", Proposed: true},
		Persons: []store.PersonProposal{{Name: "张三", Sex: "男", Birth: "1980-05", Post: "主任"}, {Name: "李四", Sex: "女", Birth: "1985-03", Post: "干事"}}}
	if err := st.SaveResult(ctx, store.Result{MessageID: rec.ID, Outcome: store.OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "推荐表-张三.xlsx", Kind: "xlsx", Size: 10, Hash: rec.Hash, Proposal: p}},
		Outbox:      receipt(rec)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveDecisions(ctx, []store.Decision{
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Birth: "1980-05", Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Birth: "1985-03", Verdict: store.NotConfirmed},
	}, nil); err != nil {
		t.Fatal(err)
	}
	items, err := st.DueOutbox(ctx, at.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := st.MarkSent(ctx, it.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	// The staff workbooks Regenerate kept: one of the 考核表's days, one of
	// the recommendation round's (the 推荐表 came on 2022-04-01), the
	// current one.
	books := filepath.Join(dir, "workbooks")
	if err := os.MkdirAll(books, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"汇总-2021-12-30.xlsx", "汇总-2022-04-01.xlsx", "汇总.xlsx"} {
		if err := os.WriteFile(filepath.Join(books, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, filepath.FromSlash(store.ArchivedPath(rec.Hash)))
}

// workbooksLeft lists the staff workbooks in dir's data folder.
func workbooksLeft(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, "workbooks"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// purgeState is what purge may change.
type purgeState struct {
	persons   int
	decisions int
	scores    int
	archived  bool
}

func statePurge(t *testing.T, dir, rec string) purgeState {
	t.Helper()
	st, err := store.Open(dir, store.Options{ReadOnly: true, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ps, err := st.CurrentProposals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := st.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.CurrentSubmissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var s purgeState
	for _, p := range ps {
		s.persons += len(p.Persons)
	}
	s.decisions = len(ds)
	for _, sub := range subs {
		if sub.Report != nil {
			s.scores += len(sub.Report.Indicators)
		}
	}
	_, err = os.Stat(rec)
	s.archived = err == nil
	return s
}

func purgeEnv(t *testing.T, dir string) {
	t.Setenv("KAOHE_DATA_DIR", dir)
	t.Setenv("KAOHE_CAMPAIGN_SEASON", "2025")
	t.Setenv("KAOHE_RESULTS_RETENTION", "3")
	t.Setenv("KAOHE_CONFIG", "")
}

func runKaohe(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPurgeDryRunThenYes(t *testing.T) {
	dir, rec := oldSeason(t)
	purgeEnv(t, dir)
	before := statePurge(t, dir, rec)
	if before.persons != 2 || before.decisions != 2 || before.scores == 0 || !before.archived {
		t.Fatalf("fixture: %+v", before)
	}
	code, out, errOut := runKaohe("purge", "--season", "2021")
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"将清除", "推荐表中的人员信息", "：2 人", filepath.ToSlash(strings.TrimPrefix(rec, dir+string(filepath.Separator))), "加 --yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if after := statePurge(t, dir, rec); after != before {
		t.Errorf("dry run changed the data folder: %+v → %+v", before, after)
	}
	if !strings.Contains(out, "workbooks/汇总-2022-04-01.xlsx") || strings.Contains(out, "汇总-2021-12-30") {
		t.Errorf("dry run should list the round's staff workbook only:\n%s", out)
	}
	if left := workbooksLeft(t, dir); len(left) != 3 {
		t.Errorf("dry run removed workbooks: %v", left)
	}
	code, out, errOut = runKaohe("purge", "--season", "2021", "--yes")
	if code != exitOK {
		t.Fatalf("purge --yes: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"张三", "李四"} {
		if strings.Contains(out+errOut, name) {
			t.Errorf("purge printed a person's name %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "已清除") || !strings.Contains(out, "朝阳区代办处：推荐 2 人，确定 1 人") {
		t.Errorf("purge output:\n%s", out)
	}
	after := statePurge(t, dir, rec)
	if after.persons != 0 || after.decisions != 0 || after.archived || after.scores != before.scores {
		t.Errorf("after purge %+v: want no persons, no named decisions, no archived 推荐表, %d scores kept", after, before.scores)
	}
	if left := workbooksLeft(t, dir); fmt.Sprint(left) != "[汇总-2021-12-30.xlsx 汇总.xlsx]" {
		t.Errorf("workbooks after purge: %v, want the round's one removed", left)
	}
	code, out, _ = runKaohe("purge", "--season", "2021")
	if code != exitOK || !strings.Contains(out, "没有需要清除") || !strings.Contains(out, "推荐 2 人，确定 1 人") && !strings.Contains(out, "清除过") {
		t.Errorf("second dry run: exit %d\n%s", code, out)
	}
}

func TestPurgeRefused(t *testing.T) {
	dir, rec := oldSeason(t)
	purgeEnv(t, dir)
	before := statePurge(t, dir, rec)
	cases := []struct {
		name, season, retention, want string
	}{
		{"within retention", "2021", "10", "须保留到"},
		{"current season", "2025", "3", "是本届"},
		{"unknown season", "2019", "3", "没有 2019 年度"},
	}
	for _, c := range cases {
		t.Setenv("KAOHE_RESULTS_RETENTION", c.retention)
		code, out, errOut := runKaohe("purge", "--season", c.season, "--yes")
		if code != exitNeedsFix || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 1 saying %q", c.name, code, errOut, out, c.want)
		}
	}
	if after := statePurge(t, dir, rec); after != before {
		t.Errorf("a refused purge changed the data folder: %+v → %+v", before, after)
	}
	if left := workbooksLeft(t, dir); len(left) != 3 {
		t.Errorf("a refused purge removed workbooks: %v", left)
	}
}

// A mail that carried a 考核表 and a 推荐表 loses its archive to purge;
// kaohe reprocess of the purged season keeps that 考核表's result as it
// was checked and goes on.
func TestReprocessAfterPurge(t *testing.T) {
	dir, _ := oldSeason(t)
	purgeEnv(t, dir)
	ctx := context.Background()
	st, err := store.Open(dir, store.Options{Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("Message-ID: <both@x>\r\nFrom: chaoyang@example.org\r\nSubject: 考核表和推荐表\r\n\r\nbody\r\n")
	hash, err := st.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := st.RecordMessage(ctx, store.Message{MessageID: "<both@x>", Hash: hash, Mailbox: "INBOX", UIDValidity: 1, UID: 50,
		Sender: "chaoyang@example.org", Subject: "考核表和推荐表", ReceivedAt: time.Date(2022, 4, 3, 2, 0, 0, 0, time.UTC), Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	rep := &assess.Report{File: "考核表.xlsx", Form: "2021", Unit: "朝阳区代办处", AgencyType: scoring.District, Status: assess.StatusAccepted}
	if err := st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: "朝阳区代办处", Attachments: []store.AttachmentResult{
		{Filename: "考核表.xlsx", Kind: "xlsx", Size: 10, Hash: hash, Report: rep},
		{Filename: "推荐表.xlsx", Kind: "xlsx", Size: 10, Hash: hash, Proposal: &store.Proposal{Persons: []store.PersonProposal{{Name: "王五", Birth: "1979-01"}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, out, errOut := runKaohe("purge", "--season", "2021", "--yes"); code != exitOK {
		t.Fatalf("purge: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runKaohe("reprocess", "--season", "2021"); code != exitOK {
		t.Fatalf("reprocess after purge: exit %d\n%s%s", code, out, errOut)
	}
}
