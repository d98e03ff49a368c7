package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/demo"
	"kaohe/results"
	"kaohe/store"
)

// TestResultsComputeAndImport: after the season, `kaohe results` grades
// the roster and shares the quota; the workbook edited by the meeting is
// refused while its quotas do not add up, and approved once they do.
func TestResultsComputeAndImport(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	t.Setenv("KAOHE_RESULTS_INDIVIDUAL_QUOTA", "3")
	t.Setenv("KAOHE_RESULTS_DISTRICT_EXCELLENT", "80")
	t.Setenv("KAOHE_RESULTS_DISTRICT_GOOD", "70")
	os.Unsetenv("KAOHE_LOG_LEVEL")
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	// The daemon holds the data folder: results run beside it.
	daemon, err := store.Open(dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()

	book := filepath.Join(t.TempDir(), "考核结果.xlsx")
	errOut.Reset()
	if code := run(context.Background(), []string{"results", "-o", book}, &out, &errOut); code != exitOK {
		t.Fatalf("results: %d %s", code, errOut.String())
	}
	noJSON(t, "results' output", out.String()+errOut.String())
	for _, want := range []string{"已生成 2021 年度考核结果表", "区（开发区）代办处 2 个：", "不合格 1", "优秀个人名额：共 3 个，已分配 3 个", "results.sector_excellent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	computed, _, err := daemon.ComputedResults(context.Background())
	if err != nil || len(computed) != 2 || computed[0].Agency != "朝阳区代办处" || computed[0].Quota != 3 ||
		computed[1].Agency != "海淀区代办处" || computed[1].Grade != "不合格" || computed[1].State != "未提交" {
		t.Fatalf("computed: %+v %v", computed, err)
	}
	fi, err := os.Stat(book)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("workbook: %v %v", fi, err)
	}

	edit := func(quota int, grade string) string {
		f, err := excelize.OpenFile(book)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.SetCellValue(results.SheetResults, cellAt(t, f, "朝阳区代办处", results.ColQuota), quota)
		f.SetCellValue(results.SheetResults, cellAt(t, f, "朝阳区代办处", results.ColGrade), grade)
		p := filepath.Join(t.TempDir(), "审定.xlsx")
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"results", "import", edit(2, "良好")}, &out, &errOut); code != exitNeedsFix {
		t.Fatalf("quotas not adding up: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "全部未导入") || !strings.Contains(errOut.String(), "相加为 2，应等于名额总数 3") {
		t.Errorf("refusal: %s", errOut.String())
	}
	if _, ok, _ := daemon.ResultsApproval(context.Background()); ok {
		t.Fatal("approved after a refusal")
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"results", "import", edit(3, "良好")}, &out, &errOut); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, errOut.String())
	}
	noJSON(t, "import's output", out.String()+errOut.String())
	if !strings.Contains(out.String(), "已审定 2021 年度考核结果：2 个单位") {
		t.Errorf("import said %q", out.String())
	}
	rs, err := daemon.FinalResults(context.Background())
	if err != nil || len(rs) != 2 || !rs[0].Approved || rs[0].Grade != "良好" || rs[0].Quota != 3 {
		t.Fatalf("approved: %+v %v", rs, err)
	}

	t.Run("unknown subcommand", func(t *testing.T) {
		var errOut bytes.Buffer
		if code := run(context.Background(), []string{"results", "pubish"}, io.Discard, &errOut); code != exitBad ||
			!strings.Contains(errOut.String(), "未知的子命令") {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
}

// cellAt is the cell of column header in the 考核结果 row of agency.
func cellAt(t *testing.T, f *excelize.File, agency, header string) string {
	t.Helper()
	rows, err := f.GetRows(results.SheetResults)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		if !slices.Contains(row, agency) {
			continue
		}
		for hc, h := range rows[0] {
			if h == header {
				cell, _ := excelize.CoordinatesToCellName(hc+1, r+1)
				return cell
			}
		}
	}
	t.Fatalf("no %s cell for %s", header, agency)
	return ""
}
