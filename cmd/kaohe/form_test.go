package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/formdef"
	"kaohe/templates"
)

func TestFormCheckCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := templates.Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", string(src))
	broken := write("broken.yaml", strings.Replace(string(src), "total_cap: 125", "total_cap: 120", 1))
	junk := write("junk.yaml", "year: [2022\n")
	rows := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"clean", []string{"form", "check", good}, exitOK, []string{"未发现问题", "字段 18 个，4 个部分，指标 30 项，总分值 125"}},
		{"problems", []string{"form", "check", broken}, exitNeedsFix, []string{"发现 1 处问题", "第 12 行：各部分分值合计 125，与总分值 total_cap: 120 不符"}},
		{"unreadable", []string{"form", "check", junk}, exitBad, []string{"第 1 行", "YAML 格式有误"}},
		{"missing file", []string{"form", "check", filepath.Join(dir, "none.yaml")}, exitBad, nil},
		{"no file", []string{"form", "check"}, exitBad, nil},
		{"unknown subcommand", []string{"form", "lint", good}, exitBad, nil},
	}
	for _, r := range rows {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), r.args, &out, &errOut); code != r.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", r.name, code, r.code, out.String(), errOut.String())
		}
		for _, w := range r.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", r.name, w, out.String())
			}
		}
	}

	var out bytes.Buffer
	if code := run(context.Background(), []string{"form", "check", "--json", good}, &out, &out); code != exitOK {
		t.Fatalf("--json: exit %d\n%s", code, out.String())
	}
	var sum formdef.Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	form := templates.MustLoad(2021)
	if sum.ID != form.ID || len(sum.Fields) != len(form.Fields) || len(sum.Indicators) != len(form.Indicators()) || !sum.RoundTrip {
		t.Fatalf("--json: id %s, %d fields, %d indicators, round trip %v", sum.ID, len(sum.Fields), len(sum.Indicators), sum.RoundTrip)
	}
	for i, ind := range form.Indicators() {
		got := sum.Indicators[i]
		if got.ID != ind.ID || got.Section != ind.Section || got.Cap != ind.Cap || len(got.Allowed) != len(ind.Allowed) ||
			strings.Join(got.Departments, "、") != strings.Join(ind.Departments, "、") || got.Derived != (ind.Derive != nil) {
			t.Errorf("--json indicator %d: %+v, want %s in %s cap %g allowed %v %v", i, got, ind.ID, ind.Section, ind.Cap, ind.Allowed, ind.Departments)
		}
	}
}

// The office's way through: the blank kaohe writes, drafted (flags after
// the file, as the README writes it), checked, and not overwritten.
func TestFormDraftCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blank := filepath.Join(dir, "考核表.xlsx")
	out := filepath.Join(dir, "form-2021.yaml")
	var stdout, stderr bytes.Buffer
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"template", "-o", blank}, exitOK, ""},
		{[]string{"form", "draft", blank, "-o", out}, exitOK, "已生成定义草稿"},
		{[]string{"form", "check", out}, exitOK, "未发现问题"},
		{[]string{"form", "draft", blank, "-o", out}, exitBad, ""},
		{[]string{"form", "draft", filepath.Join(dir, "无.xlsx")}, exitBad, ""},
		{[]string{"form", "draft", out}, exitBad, ""},
	}
	for _, s := range steps {
		stdout.Reset()
		stderr.Reset()
		if code := run(context.Background(), s.args, &stdout, &stderr); code != s.code || !strings.Contains(stdout.String(), s.want) {
			t.Fatalf("%v: exit %d, want %d with %q\n%s%s", s.args, code, s.code, s.want, stdout.String(), stderr.String())
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("draft file: %v %v, want mode 0644 (the service's own user reads it)", fi, err)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"form", "draft", blank}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "year: 2021") {
		t.Errorf("draft to stdout: exit %d\n%s", code, stdout.String())
	}
	src, _ := templates.Source(2021)
	stdout.Reset()
	if code := run(context.Background(), []string{"form", "source"}, &stdout, &stderr); code != exitOK || stdout.String() != string(src) {
		t.Errorf("form source: exit %d, %d bytes, want the 2021 file's %d", code, stdout.Len(), len(src))
	}
	if code := run(context.Background(), []string{"form", "source", "--year", "1999"}, &stdout, &stderr); code != exitBad {
		t.Errorf("form source of 1999: exit %d", code)
	}
}
