package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/recommend"
	"kaohe/scoring"
	"kaohe/store"
)

// publishEnv is the test daemon's settings with a roster of three
// agencies, one of them with two registered addresses, and the
// recommendation deadline set. It returns the season the commands work on.
func publishEnv(t *testing.T, srv *mailserver.Server, dataDir string) int {
	t.Helper()
	env := testEnv(t, srv, dataDir)
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte("考核单位,类型,邮箱\n朝阳区代办处,区,chaoyang@example.org；cy-office@example.org\n"+
		"海淀区代办处,区,haidian@example.org\n市建工集团代办处,局总公司,jiangong@example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env["KAOHE_ROSTER"] = roster
	env["KAOHE_RESULTS_RECOMMEND_CUTOFF"] = "2022-04-15T00:00:00+08:00"
	env["KAOHE_RESULTS_PUBLICITY_DAYS"] = "5"
	setEnv(t, env)
	os.Unsetenv("KAOHE_LOG_LEVEL")
	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeResults)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Campaign.SeasonYear()
}

// testFinals is a season's results: a district 优秀 with a reviewed
// section and a note, a late district, a missing sector agency.
func testFinals() []store.FinalResult {
	return []store.FinalResult{
		{Agency: "朝阳区代办处", Type: scoring.District, State: "合格待审", Rank: 1, Grade: store.GradeExcellent, Final: 98.5, Scored: true,
			Sections: []store.SectionScore{
				{ID: "1", Name: "组织机构管理", Self: 15, Verified: 15, Reviewed: 15},
				{ID: "2", Name: "业务财务管理", Self: 45, Verified: 44, Reviewed: 41.5},
				{ID: "3", Name: "业务拓展", Self: 40, Verified: 38, Reviewed: 38},
				{ID: "4", Name: "加分项", Self: 5, Verified: 4, Reviewed: 4},
			},
			Notes: []store.ReviewNote{{Indicator: "2.3", Comment: "凭证装订不全"}}, Quota: 3},
		{Agency: "海淀区代办处", Type: scoring.District, State: "逾期", Grade: store.GradeFail, Final: 90, Scored: true,
			Sections: []store.SectionScore{{ID: "1", Name: "组织机构管理", Self: 15, Verified: 15, Reviewed: 15}}},
		{Agency: "市建工集团代办处", Type: scoring.Sector, State: "未提交", Grade: store.GradeFail},
	}
}

func saveFinals(t *testing.T, dataDir string, season int, approve bool, rs []store.FinalResult) {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{Season: season})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.SaveComputedResults(ctx, rs, store.ResultsRun{By: "test"}); err != nil {
		t.Fatal(err)
	}
	if approve {
		if err := st.ApproveResults(ctx, rs, store.ResultsRun{By: "test", Source: "考核结果.xlsx"}); err != nil {
			t.Fatal(err)
		}
	}
}

// publish runs `kaohe results publish`; sendAll runs `kaohe serve --once`,
// which sends what was queued.
func publish(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code = publishResults(context.Background(), args, &stdout, &stderr, func() time.Time { return time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC) })
	return code, stdout.String(), stderr.String()
}

func sendAll(t *testing.T) {
	t.Helper()
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
}

// resultMails are the subjects of the result notices the SMTP server
// accepted, per recipient.
func resultMails(t *testing.T, srv *mailserver.Server) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, d := range srv.Deliveries() {
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.Subject, "考核结果") {
			out[d.To[0]] = append(out[d.To[0]], p.Subject)
		}
	}
	return out
}

func TestResultsPublishOnceThenCorrection(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	season := publishEnv(t, srv, dataDir)
	saveFinals(t, dataDir, season, false, testFinals())

	// Computed but not approved: refused, nothing queued.
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"results", "publish"}, &stdout, &stderr)
	out, errOut := stdout.String(), stderr.String()
	if code != exitNeedsFix || !strings.Contains(errOut, "尚未审定") || !strings.Contains(errOut, "kaohe results import") {
		t.Fatalf("before approval: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	if got := resultMails(t, srv); len(got) != 0 {
		t.Fatalf("mail before approval: %v", got)
	}

	saveFinals(t, dataDir, season, true, testFinals())
	code, out, errOut = publish(t)
	if code != exitOK || !strings.Contains(out, "考核结果通知 3 家，更正通知 0 家，共 4 封邮件") {
		t.Fatalf("publish: exit %d\n%s%s", code, out, errOut)
	}
	noJSON(t, "publish output", out+errOut)
	sendAll(t)
	got := resultMails(t, srv)
	for _, addr := range []string{"chaoyang@example.org", "cy-office@example.org", "haidian@example.org", "jiangong@example.org"} {
		if len(got[addr]) != 1 || strings.Contains(got[addr][0], "更正") {
			t.Errorf("%s got %q, want one result notice", addr, got[addr])
		}
	}
	if len(got) != 4 {
		t.Errorf("result notices to %d addresses: %v", len(got), got)
	}
	checkChaoyangNotice(t, srv)
	for _, d := range srv.Deliveries() {
		if p, _ := mailparse.Parse(d.Raw, mailparse.Limits{}); p != nil && d.To[0] == "haidian@example.org" && len(p.Attachments) != 0 {
			t.Errorf("不合格 海淀 got a 推荐表: %s", p.Attachments[0].Filename)
		}
	}

	// Publishing again sends nothing new.
	code, out, _ = publish(t)
	if code != exitOK || !strings.Contains(out, "共 0 封邮件") || !strings.Contains(out, "不再发送的 3 家") {
		t.Fatalf("second publish: exit %d\n%s", code, out)
	}
	sendAll(t)
	if again := resultMails(t, srv); len(again) != 4 || len(again["chaoyang@example.org"]) != 1 {
		t.Fatalf("after publishing twice: %v", again)
	}

	// The office changes 海淀's result after publishing: one 更正 to 海淀
	// only.
	changed := testFinals()
	changed[1].Grade, changed[1].State, changed[1].Rank, changed[1].Quota = store.GradePass, "合格待审", 2, 1
	saveFinals(t, dataDir, season, true, changed)
	code, out, errOut = publish(t)
	if code != exitOK || !strings.Contains(out, "更正通知 1 家，共 1 封邮件") || !strings.Contains(out, "更正：海淀区代办处") ||
		!strings.Contains(out, "考核等级 不合格→合格") {
		t.Fatalf("publish after the change: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	after := resultMails(t, srv)
	if h := after["haidian@example.org"]; len(h) != 2 || !strings.HasPrefix(h[1], "【更正】") {
		t.Errorf("海淀 got %q, want its notice and one 更正", h)
	}
	for _, addr := range []string{"chaoyang@example.org", "cy-office@example.org", "jiangong@example.org"} {
		if len(after[addr]) != 1 {
			t.Errorf("%s got %q after another agency's change", addr, after[addr])
		}
	}
	// And once more: the 更正 is not repeated.
	if code, out, _ = publish(t); code != exitOK || !strings.Contains(out, "共 0 封邮件") {
		t.Fatalf("publish after the 更正: exit %d\n%s", code, out)
	}
}

// checkChaoyangNotice reads the notice 朝阳 received: grade, score, the
// reviewed section, the note on its indicator, the quota and the deadline.
func checkChaoyangNotice(t *testing.T, srv *mailserver.Server) {
	t.Helper()
	for _, d := range srv.Deliveries() {
		if d.To[0] != "chaoyang@example.org" {
			continue
		}
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil || !strings.Contains(p.Subject, "考核结果") {
			continue
		}
		for _, want := range []string{"优秀", "98.5", "满分 125", "第 1 名（共 2 家）", "业务财务管理（标准分 45）：自评分 45，核定分 44，审核分 41.5",
			"组织机构管理（标准分 15）：自评分 15，核定分 15，审核分 —", "指标 2.3", "凭证装订不全", "优秀个人 3 名", "2022年4月14日 24:00",
			"不少于 5 个工作日"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("朝阳's notice lacks %q:\n%s", want, p.Text)
			}
		}
		// The 推荐表 comes prefilled with the agency's name and reads back
		// as a 推荐表.
		if len(p.Attachments) != 1 || p.Attachments[0].Filename != "2021年度职工互助保障工作优秀单位、优秀个人推荐表（朝阳区代办处）.xlsx" {
			t.Fatalf("朝阳's attachments: %+v", p.Attachments)
		}
		f, findings := recommend.Read(p.Attachments[0].Data, recommend.ReadOptions{})
		if f == nil || f.Fields[recommend.FieldAgency].Text != "朝阳区代办处" {
			t.Errorf("the attached 推荐表 reads back as %+v, %v", f, findings)
		}
		return
	}
	t.Error("朝阳 got no result notice")
}

func TestResultsPublishDryRunQueuesNothing(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	season := publishEnv(t, srv, dataDir)
	saveFinals(t, dataDir, season, true, testFinals())
	code, out, errOut := publish(t, "--dry-run")
	if code != exitOK || !strings.Contains(out, "试运行") || !strings.Contains(out, "共 4 封邮件") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	sendAll(t)
	if got := resultMails(t, srv); len(got) != 0 {
		t.Fatalf("dry run sent %v", got)
	}
	if code, out, _ = publish(t); code != exitOK || !strings.Contains(out, "共 4 封邮件") {
		t.Fatalf("publish after the dry run: exit %d\n%s", code, out)
	}
}

func TestResultsPublishNeedsTheDeadline(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	season := publishEnv(t, srv, dataDir)
	t.Setenv("KAOHE_RESULTS_RECOMMEND_CUTOFF", "")
	saveFinals(t, dataDir, season, true, testFinals())
	code, _, errOut := publish(t)
	if code != exitBad || !strings.Contains(errOut, "results.recommend_cutoff") {
		t.Fatalf("without the deadline: exit %d\n%s", code, errOut)
	}
}

// TestResultsPublishAfterTheSeason plays the commands in the office's
// order: forms come in, the daemon answers, the results are computed and
// approved unchanged, and publish tells every roster agency, the one that
// sent nothing included, reading sections, caps and scores from the real
// computation.
func TestResultsPublishAfterTheSeason(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	publishEnv(t, srv, dataDir)
	t.Setenv("KAOHE_RESULTS_INDIVIDUAL_QUOTA", "4")
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at); err != nil {
		t.Fatal(err)
	}
	if err := srv.Deliver(demo.Office, testMail(t, "haidian@example.org", "海淀区代办处", 2), at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	sendAll(t)
	book := filepath.Join(t.TempDir(), "考核结果.xlsx")
	for _, args := range [][]string{{"results", "-o", book}, {"results", "import", book}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"results", "publish"}, &stdout, &stderr); code != exitOK ||
		!strings.Contains(stdout.String(), "考核结果通知 3 家") {
		t.Fatalf("publish: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	sendAll(t)
	texts := map[string]string{}
	for _, d := range srv.Deliveries() {
		if p, err := mailparse.Parse(d.Raw, mailparse.Limits{}); err == nil && strings.Contains(p.Subject, "考核结果") {
			texts[d.To[0]] = p.Text
		}
	}
	for _, want := range []string{"组织机构管理（标准分 15）", "业务拓展（标准分 40）", "满分 125", "合计"} {
		if !strings.Contains(texts["chaoyang@example.org"], want) {
			t.Errorf("朝阳's notice lacks %q:\n%s", want, texts["chaoyang@example.org"])
		}
	}
	if s := texts["jiangong@example.org"]; !strings.Contains(s, "不合格") || !strings.Contains(s, "没有收到贵单位的考核自评表") {
		t.Errorf("the agency that sent nothing was told:\n%s", s)
	}
	if len(texts) != 4 {
		t.Errorf("result notices to %d addresses, want 4", len(texts))
	}
}
