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

	"github.com/rs/zerolog"
	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/store"
)

// TestNextSeason is the second season in the first one's data folder: the
// cut-off a year later and season 2022. 朝阳区, which sent its form in
// 2021, has sent nothing in 2022: it is 未提交 and is reminded, while
// 2021's workbook reads as before.
func TestNextSeason(t *testing.T) {
	filledDataDir(t)
	ctx := context.Background()
	dir := t.TempDir()
	before := consolidateStates(t, filepath.Join(dir, "2021-before.xlsx"))
	if before.states["朝阳区代办处"] == "" || slices.Contains(before.missing, "朝阳区代办处") {
		t.Fatalf("2021: 朝阳区 not submitted: %+v", before)
	}

	t.Setenv("KAOHE_CAMPAIGN_SEASON", "2022")
	t.Setenv("KAOHE_CUTOFF", "2023-01-06T00:00:00+08:00")
	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	// Three days before the new cut-off, after the reminder time.
	at := time.Date(2023, 1, 3, 9, 30, 0, 0, cst.Location())
	d, err := newDaemon(cfg, zerolog.Nop(), daemonOptions{Now: func() time.Time { return at }, InProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.campaign.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	pending, err := d.store.OutboxByState(ctx, store.StatePending, 100)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	reminded := false
	for _, it := range pending {
		reminded = reminded || it.Kind == store.KindReminder && it.To == "chaoyang@example.org"
	}
	if !reminded {
		t.Errorf("no reminder queued for 朝阳区 in 2022: %+v", pending)
	}

	now := consolidateStates(t, filepath.Join(dir, "2022.xlsx"))
	if !slices.Contains(now.missing, "朝阳区代办处") || now.states["朝阳区代办处"] != consolidate.StateMissing {
		t.Errorf("2022: 朝阳区 is %q, 未提交 lists %v; want it missing", now.states["朝阳区代办处"], now.missing)
	}
	if now.title != "2022年度代办处考核 汇总" {
		t.Errorf("2022 workbook title %q", now.title)
	}
	after := consolidateStates(t, filepath.Join(dir, "2021-after.xlsx"), "--season", "2021")
	if !slices.Equal(after.missing, before.missing) || len(after.states) != len(before.states) || after.title != before.title {
		t.Errorf("2021 changed: before %+v, after %+v", before, after)
	}
	for k, v := range before.states {
		if after.states[k] != v {
			t.Errorf("2021: %s was %q, now %q", k, v, after.states[k])
		}
	}

	// Each season is checked again over its own forms.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"reprocess"}, "重新检查 2022 年度的 0 份考核表"},
		{[]string{"reprocess", "--season", "2021"}, "重新检查 2021 年度的 2 份考核表，其中 0 份结果有变化"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(ctx, tc.args, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), tc.want) {
			t.Errorf("%v: %d %s %s; want %q", tc.args, code, stdout.String(), stderr.String(), tc.want)
		}
	}
	var stderr bytes.Buffer
	if code := run(ctx, []string{"consolidate", "--season", "2019", "-o", filepath.Join(dir, "x.xlsx")}, io.Discard, &stderr); code != exitBad ||
		!strings.Contains(stderr.String(), "没有 2019 年度这一届的记录") {
		t.Errorf("consolidate of an unknown season: %d %s", code, stderr.String())
	}
}

type seasonBook struct {
	title   string
	states  map[string]string // agency → state on 汇总
	missing []string          // names on 未提交
}

// consolidateStates runs `kaohe consolidate` to path with extra arguments
// and reads back the workbook's states.
func consolidateStates(t *testing.T, path string, args ...string) seasonBook {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), append([]string{"consolidate", "-o", path}, args...), &stdout, &stderr); code != exitOK {
		t.Fatalf("consolidate %v: %d %s", args, code, stderr.String())
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := seasonBook{states: map[string]string{}}
	if p, err := f.GetDocProps(); err == nil {
		b.title = p.Title
	}
	rows, _ := f.GetRows(consolidate.SheetSummary)
	for _, r := range rows {
		if len(r) > 2 {
			b.states[r[0]] = r[2]
		}
	}
	rows, _ = f.GetRows(consolidate.SheetMissing)
	for _, r := range rows[1:] {
		if len(r) > 0 {
			b.missing = append(b.missing, r[0])
		}
	}
	return b
}
