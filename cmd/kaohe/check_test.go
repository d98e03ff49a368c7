package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/config"
	"kaohe/internal/sample"
	"kaohe/templates"
)

func writeForm(t *testing.T, dir, name string, v sample.Values) string {
	t.Helper()
	data, err := sample.Workbook(templates.MustLoad(2021), v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeForm(t, dir, "朝阳区.xlsx", sample.Good("朝阳区", true))
	bad := writeForm(t, dir, "海淀区.xlsx", sample.Good("海淀区", true).With(sample.SetScore("1.4", 9)))
	junk := filepath.Join(dir, "坏文件.xlsx")
	os.WriteFile(junk, []byte("not a workbook"), 0o644)

	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"accepted form", []string{"check", good}, exitOK, []string{"状态：通过", "核定总分", "签章：代办处盖章：有"}},
		{"form with an error", []string{"check", bad}, exitNeedsFix, []string{"状态：需修改", "超过标准分", "超过标准分 6"}},
		{"unreadable file", []string{"check", junk}, exitBad, []string{"无法读取"}},
		{"worst of several", []string{"check", good, bad}, exitNeedsFix, []string{"朝阳区.xlsx", "海淀区.xlsx"}},
		{"missing file", []string{"check", filepath.Join(dir, "无.xlsx")}, exitBad, []string{"文件不存在"}},
		{"no file", []string{"check"}, exitBad, nil},
		{"bad type", []string{"check", "--type", "city", good}, exitBad, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), c.args, &out, &errOut)
			if code != c.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, c.wantCode, out.String(), errOut.String())
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeForm(t, dir, "a.xlsx", sample.Good("市建工局", false))
	bad := writeForm(t, dir, "b.xlsx", sample.Good("朝阳区", true).With(sample.SetScore("1.4", 9)))
	var out bytes.Buffer
	code := run(context.Background(), []string{"check", "--json", good, bad}, &out, &bytes.Buffer{})
	if code != exitNeedsFix {
		t.Fatalf("exit %d", code)
	}
	var docs []map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line is not JSON: %v", err)
		}
		docs = append(docs, d)
	}
	if len(docs) != 2 {
		t.Fatalf("%d JSON documents, want one per file", len(docs))
	}
	for _, key := range []string{"file", "form", "unit", "agency_type", "status", "fields", "indicators", "sections", "self_total", "verified_total", "findings"} {
		if _, ok := docs[0][key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	if docs[0]["status"] != "accepted" || docs[0]["agency_type"] != "sector" || docs[0]["form"] != "2021" {
		t.Errorf("first: status %v type %v form %v", docs[0]["status"], docs[0]["agency_type"], docs[0]["form"])
	}
	if docs[1]["status"] != "needs_fix" || docs[1]["verified_total"].(float64) >= docs[1]["self_total"].(float64) {
		t.Errorf("second: status %v self %v verified %v", docs[1]["status"], docs[1]["self_total"], docs[1]["verified_total"])
	}
	inds := docs[1]["indicators"].([]any)
	if len(inds) != 30 {
		t.Fatalf("%d indicators", len(inds))
	}
	var found bool
	for _, f := range docs[1]["findings"].([]any) {
		fm := f.(map[string]any)
		if fm["code"] == "score_above_cap" {
			found = fm["indicator"] == "1.4" && fm["severity"] == "error" && fm["cell"] != "" && fm["message"] != ""
		}
	}
	if !found {
		t.Errorf("no complete score_above_cap finding for 1.4: %v", docs[1]["findings"])
	}
	if docs[1]["fields"].(map[string]any)["staff"] == nil {
		t.Error("fields lack staff")
	}
}

func TestTemplateCommandWritesTheBlankForm(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "考核表.xlsx")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"template", "-o", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	// The blank form, read back by the checker, is a form with every
	// score and figure missing: that proves both ends agree on the layout.
	var check bytes.Buffer
	code := run(context.Background(), []string{"check", "--json", out}, &check, &bytes.Buffer{})
	var doc map[string]any
	if err := json.Unmarshal(check.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, f := range doc["findings"].([]any) {
		if f.(map[string]any)["code"] == "missing_score" {
			missing++
		}
	}
	if code != exitNeedsFix || missing != 30 {
		t.Errorf("blank form checked as exit %d with %d missing scores, want 1 and 30", code, missing)
	}
	if code := run(context.Background(), []string{"template", "--year", "1999", "-o", out}, &stdout, &stderr); code != exitBad {
		t.Errorf("unknown year: exit %d", code)
	}
}

// The README's configuration reference names every setting's variable.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range config.Keys() {
		if v := config.EnvName(key); !strings.Contains(string(readme), "`"+v+"`") {
			t.Errorf("README lacks %s (%s)", v, key)
		}
	}
}

// TestCheckCutoffAndReceived: kaohe check warns about a 填报日期 after the
// cut-off (the flag's, else the configuration's, else the form's) or
// after the receipt time given, on a form openpyxl wrote dated 2022年1月10日.
func TestCheckCutoffAndReceived(t *testing.T) {
	t.Parallel()
	late, err := filepath.Abs("../../validate/testdata/late_date_openpyxl.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeConfig := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfgLater := writeConfig("later.toml", "[campaign]\ncutoff = \"2022-01-20T00:00:00+08:00\"\n")
	cfgEarlier := writeConfig("earlier.toml", "[campaign]\ncutoff = \"2022-01-08T12:00:00+08:00\"\n")
	cfgBad := writeConfig("bad.toml", "[campaign]\ncutoff = \"1月5日\"\n")
	cases := []struct {
		name     string
		args     []string
		wantCode int
		says     string // the date_suspicious message holds this; "" for none
	}{
		{"the form's cut-off by default", nil, exitOK, "晚于报送截止时间 2022年1月6日 00:00"},
		{"a later --cutoff", []string{"--cutoff", "2022-01-20"}, exitOK, ""},
		{"an RFC 3339 --cutoff", []string{"--cutoff", "2022-01-08T09:30:00+08:00"}, exitOK, "晚于报送截止时间 2022年1月8日 09:30"},
		{"a --cutoff with a time", []string{"--cutoff", "2022-01-08 09:30"}, exitOK, "2022年1月8日 09:30"},
		{"--received before the date", []string{"--cutoff", "2022-01-20", "--received", "2022-01-09"}, exitOK, "晚于收到邮件的日期 2022年1月9日"},
		{"--received after the date", []string{"--cutoff", "2022-01-20", "--received", "2022-01-11T08:00:00+08:00"}, exitOK, ""},
		{"the configured cut-off", []string{"--config", cfgEarlier}, exitOK, "晚于报送截止时间 2022年1月8日 12:00"},
		{"a later configured cut-off", []string{"--config", cfgLater}, exitOK, ""},
		{"--cutoff over the configuration", []string{"--config", cfgLater, "--cutoff", "2022-01-07"}, exitOK, "2022年1月7日 00:00"},
		{"a --cutoff that is no time", []string{"--cutoff", "下周一"}, exitBad, ""},
		{"a --received that is no time", []string{"--received", "昨天"}, exitBad, ""},
		{"a configuration that cannot be read", []string{"--config", cfgBad}, exitBad, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			args := append(append([]string{"check", "--json"}, c.args...), late)
			code := run(context.Background(), args, &out, &errOut)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.wantCode, out.String(), errOut.String())
			}
			if code == exitBad {
				if errOut.Len() == 0 {
					t.Error("no message on stderr")
				}
				return
			}
			var doc struct {
				Findings []struct{ Code, Message string }
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, f := range doc.Findings {
				if f.Code == "date_suspicious" {
					msgs = append(msgs, f.Message)
				}
			}
			switch {
			case c.says == "" && len(msgs) > 0:
				t.Errorf("unexpected date_suspicious: %v", msgs)
			case c.says != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], c.says)):
				t.Errorf("want one date_suspicious saying %q, got %v", c.says, msgs)
			}
		})
	}
}
