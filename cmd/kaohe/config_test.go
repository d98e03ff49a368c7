package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/demo"
)

// Every address the daemon will write to is checked by `config check` and
// `serve --check-config` with the parser composing uses: a bad one is
// named with its key (or roster row) and fails the check; `名字 <地址>`
// passes wherever the example shows it.
func TestConfigChecksAddresses(t *testing.T) {
	srv := startMail(t)
	const goodRoster = "考核单位,类型,邮箱\n朝阳区代办处,区,chaoyang@example.org\n"
	for _, tc := range []struct {
		name   string
		from   string
		staff  string
		roster string
		want   []string // in the output of a failed check; nil: the check passes
	}{
		{name: "bare addresses", from: demo.Office, staff: demo.Staff, roster: goodRoster},
		{name: "names in from and staff", from: "组织机构部 <" + demo.Office + ">", staff: "王明 <wangming@example.org>,孙梦艺 <sunmengyi@example.org>", roster: goodRoster},
		{name: "quoted name", from: `"考核邮箱" <` + demo.Office + ">", staff: `"王明" <wangming@example.org>`, roster: goodRoster},
		{name: "roster with names", from: demo.Office, staff: demo.Staff, roster: "考核单位,类型,邮箱\n朝阳区代办处,区,张三 <chaoyang@example.org>\n"},
		{name: "from without domain", from: "组织机构部", staff: demo.Staff, roster: goodRoster,
			want: []string{"KAOHE_FROM", "组织机构部"}},
		{name: "from unclosed angle", from: "组织机构部 <" + demo.Office, staff: demo.Staff, roster: goodRoster,
			want: []string{"KAOHE_FROM", "组织机构部 <" + demo.Office}},
		{name: "staff with space", from: demo.Office, staff: "wang ming@example.org", roster: goodRoster,
			want: []string{"KAOHE_STAFF", "wang ming@example.org"}},
		{name: "staff mailto", from: demo.Office, staff: "王明 <wangming@example.org>,mailto:sun@example.org", roster: goodRoster,
			want: []string{"KAOHE_STAFF", "mailto:sun@example.org"}},
		{name: "roster mailto", from: demo.Office, staff: demo.Staff,
			roster: goodRoster + "海淀区代办处,区,mailto:haidian@example.org\n",
			want:   []string{"第 3 行", "海淀区代办处", "mailto:haidian@example.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, srv, t.TempDir())
			env["KAOHE_FROM"], env["KAOHE_STAFF"] = tc.from, tc.staff
			os.WriteFile(env["KAOHE_ROSTER"], []byte(tc.roster), 0o644)
			setEnv(t, env)
			for _, args := range [][]string{{"config", "check"}, {"serve", "--check-config"}} {
				var out bytes.Buffer
				code := run(context.Background(), args, &out, &out)
				if tc.want == nil {
					if code != exitOK {
						t.Errorf("%s: exit %d, want 0\n%s", strings.Join(args, " "), code, out.String())
					}
					continue
				}
				if code == exitOK {
					t.Errorf("%s: exit 0 for a bad address\n%s", strings.Join(args, " "), out.String())
				}
				for _, w := range tc.want {
					if !strings.Contains(out.String(), w) {
						t.Errorf("%s: output lacks %q:\n%s", strings.Join(args, " "), w, out.String())
					}
				}
				if strings.Contains(out.String(), "登录成功") {
					t.Errorf("%s: the servers were contacted although an address is bad:\n%s", strings.Join(args, " "), out.String())
				}
			}
		})
	}
}

// A roster the daemon could not read fails the check too.
func TestConfigCheckUnreadableRoster(t *testing.T) {
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	bad := filepath.Join(t.TempDir(), "roster.xlsx")
	os.WriteFile(bad, []byte("not a workbook"), 0o644)
	env["KAOHE_ROSTER"] = bad
	setEnv(t, env)
	var out bytes.Buffer
	if code := run(context.Background(), []string{"config", "check"}, &out, &out); code == exitOK || !strings.Contains(out.String(), "无法读取") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}
