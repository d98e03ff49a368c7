package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/campaign"
	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
)

// campaignOf is the campaign of the test's settings over st.
func campaignOf(t *testing.T, st *store.Store) *campaign.Campaign {
	t.Helper()
	r, _, err := roster.Load(os.Getenv("KAOHE_ROSTER"))
	if err != nil {
		t.Fatal(err)
	}
	return campaign.New(st, campaign.Config{Form: templates.MustLoad(2021), Roster: r})
}

// cellOf is the cell of column header in the row whose first cell is key.
func cellOf(t *testing.T, f *excelize.File, sheet, key, header string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	c := -1
	for i, h := range rows[0] {
		if h == header {
			c = i
		}
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == key && c >= 0 {
			cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
			return cell
		}
	}
	t.Fatalf("%s has no %q cell for %q", sheet, header, key)
	return ""
}

// noJSON fails when a line of out looks like a log record.
func noJSON(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			t.Errorf("%s has a log line: %s", what, line)
		}
	}
}

// TestReviewImportBesideTheDaemon: staff import while the daemon holds the
// data folder and is writing; the import waits for the daemon's
// transaction instead of refusing, keeps the staff's 备注 beside a veto,
// assigns a 名册外来件 to its agency, and prints Chinese only.
func TestReviewImportBesideTheDaemon(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	t.Setenv("KAOHE_LOG_LEVEL", "")
	os.Unsetenv("KAOHE_LOG_LEVEL")
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at)
	// 海淀区's form, sent from a private address: a 名册外来件.
	srv.Deliver(demo.Office, testMail(t, "xiaowang@home.example", "海淀区代办处", 2), at.Add(time.Hour))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	errOut.Reset()
	dir := t.TempDir()
	wb := filepath.Join(dir, "汇总.xlsx")
	if code := run(context.Background(), []string{"consolidate", "-o", wb}, &out, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	noJSON(t, "consolidate's output", out.String()+errOut.String())
	f, err := excelize.OpenFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	const remark = "12月曾发生数据外泄，已约谈"
	f.SetCellValue(consolidate.SheetSummary, cellOf(t, f, consolidate.SheetSummary, "朝阳区代办处", "一票否决"), "是")
	f.SetCellValue(consolidate.SheetSummary, cellOf(t, f, consolidate.SheetSummary, "朝阳区代办处", "备注"), remark)
	outside, _ := f.GetRows(consolidate.SheetOutside)
	if len(outside) != 2 || !strings.Contains(strings.Join(outside[1], "|"), "xiaowang@home.example") {
		t.Fatalf("名册外来件 = %q", outside)
	}
	f.SetCellValue(consolidate.SheetOutside, cellOf(t, f, consolidate.SheetOutside, outside[1][0], "归属单位"), "海淀区代办处")
	edited := filepath.Join(dir, "审核后.xlsx")
	if err := f.SaveAs(edited); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The daemon: it holds the lock file, and is in the middle of a write
	// transaction when the import starts.
	daemonStore, err := store.Open(dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer daemonStore.Close()
	if _, err := store.Open(dataDir, store.Options{}); err == nil {
		t.Fatal("a second store took the lock: the test would prove nothing")
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, store.DBFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(700 * time.Millisecond)
		_, err := conn.ExecContext(context.Background(), "COMMIT")
		released <- err
	}()

	out.Reset()
	errOut.Reset()
	start := time.Now()
	code := run(context.Background(), []string{"review", "import", edited}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("review import beside the daemon: exit %d\n%s", code, errOut.String())
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 500*time.Millisecond {
		t.Errorf("the import took %v: it did not wait for the daemon's transaction", waited)
	}
	noJSON(t, "review import's output", out.String()+errOut.String())
	if !strings.Contains(out.String(), "1 件名册外来件已归入所选单位") || errOut.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}

	// The daemon's next workbook shows it all.
	data, sum, err := campaignOf(t, daemonStore).Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	get := func(sheet, key, header string) string {
		v, _ := g.GetCellValue(sheet, cellOf(t, g, sheet, key, header))
		return v
	}
	if get(consolidate.SheetSummary, "朝阳区代办处", "备注") != remark || !strings.Contains(get(consolidate.SheetSummary, "朝阳区代办处", "说明"), "一票否决") ||
		get(consolidate.SheetSummary, "朝阳区代办处", "状态") != consolidate.StateVetoed {
		t.Errorf("朝阳区: 状态 %q 备注 %q 说明 %q", get(consolidate.SheetSummary, "朝阳区代办处", "状态"),
			get(consolidate.SheetSummary, "朝阳区代办处", "备注"), get(consolidate.SheetSummary, "朝阳区代办处", "说明"))
	}
	if get(consolidate.SheetSummary, "海淀区代办处", "状态") != consolidate.StateAccepted || get(consolidate.SheetSummary, "海淀区代办处", "版本数") != "1" ||
		!strings.Contains(get(consolidate.SheetSummary, "海淀区代办处", "说明"), "从名册外来件认定归入") {
		t.Errorf("海淀区 after the assignment: 状态 %q 版本数 %q", get(consolidate.SheetSummary, "海淀区代办处", "状态"),
			get(consolidate.SheetSummary, "海淀区代办处", "版本数"))
	}
	if rows, _ := g.GetRows(consolidate.SheetOutside); len(rows) != 1 || sum.Unknown != 0 || sum.Submitted != 2 {
		t.Errorf("名册外来件 after the assignment: %q, summary %+v", rows, sum)
	}
	as, err := daemonStore.Assignments(context.Background())
	if err != nil || len(as) != 1 || as[0].Agency != "海淀区代办处" || as[0].FromAgency != "" || as[0].Assigner == "" ||
		!strings.Contains(as[0].Source, "名册外来件!K2") {
		t.Errorf("assignments %+v (%v)", as, err)
	}
	msgs, _ := daemonStore.Messages(context.Background(), store.MessageFilter{Sender: "xiaowang@home.example"})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeForeign {
		t.Errorf("the assigned mail's own record changed: %+v", msgs)
	}

	// The same workbook imported again changes nothing and is not refused.
	out.Reset()
	if code := run(context.Background(), []string{"review", "import", edited}, &out, &errOut); code != exitOK {
		t.Errorf("second import: exit %d %s", code, errOut.String())
	}
	if as, _ := daemonStore.Assignments(context.Background()); len(as) != 1 {
		t.Errorf("%d assignments after the second import", len(as))
	}

	// Re-checked with the current rules, the assigned form is checked as
	// 海淀区's and stays its current one.
	daemonStore.Close()
	out.Reset()
	if code := run(context.Background(), []string{"reprocess"}, &out, &errOut); code != exitOK {
		t.Fatalf("reprocess: %d %s", code, errOut.String())
	}
	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cur, _ := st.Submissions(context.Background(), store.SubmissionFilter{Agency: "海淀区代办处", Current: true})
	if len(cur) != 1 || cur[0].Sender != "xiaowang@home.example" || cur[0].Report.Unit != "海淀区代办处" || cur[0].Status == "" {
		t.Errorf("海淀区's current submission after reprocess: %+v", cur)
	}

	t.Run("logs when asked", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"review", "import", "--log", edited}, &out, &errOut); code != exitOK {
			t.Fatalf("exit %d %s", code, errOut.String())
		}
		if !strings.Contains(errOut.String(), `"level":"info"`) {
			t.Errorf("--log wrote no JSON log to stderr: %q", errOut.String())
		}
		noJSON(t, "stdout", out.String())
	})
}
