package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/internal/cst"
)

// envMap is an env function over a map, as os.LookupEnv is over the process.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// problems unpacks the *Problem values of a joined error.
func problems(t *testing.T, err error) []*Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*Problem
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var p *Problem
		if !errors.As(e, &p) {
			t.Fatalf("not a *Problem: %v", e)
		}
		out = append(out, p)
	}
	walk(err)
	return out
}

// Every key: a value in the file, another in its environment variable; the
// environment must win and be named as the source.
func TestEnvOverridesFile(t *testing.T) {
	t.Parallel()
	rows := []struct {
		key, file, env, want string // file and want are TOML literals
	}{
		{"data_dir", `"/srv/a"`, "/srv/b", `"/srv/b"`},
		{"roster", `"/srv/a.csv"`, "/srv/b.xlsx", `"/srv/b.xlsx"`},
		{"imap.addr", `"a.example:993"`, "b.example:143", `"b.example:143"`},
		{"imap.tls", `"tls"`, "STARTTLS", `"starttls"`},
		{"imap.ca_file", `"/srv/ca1.pem"`, "/srv/ca2.pem", `"/srv/ca2.pem"`},
		{"imap.user", `"u1"`, "u2", `"u2"`},
		{"imap.password", `"p1"`, " p2 ", `" p2 "`},
		{"imap.mailbox", `"INBOX"`, "考核", `"考核"`},
		{"imap.done", `"Done"`, "已处理", `"已处理"`},
		{"imap.sent_folder", `"Sent"`, "已发送", `"已发送"`},
		{"imap.poll_interval", `"30s"`, "90s", `"1m30s"`},
		{"imap.idle_max", `"5m"`, "20m", `"20m"`},
		{"imap.command_timeout", `"1m"`, "45s", `"45s"`},
		{"imap.max_message_size", `"10MiB"`, "20MB", `"20000000"`},
		{"imap.max_attempts", `3`, "7", `7`},
		{"smtp.addr", `"a.example:465"`, "b.example:587", `"b.example:587"`},
		{"smtp.tls", `"tls"`, "starttls", `"starttls"`},
		{"smtp.ca_file", `"/srv/ca1.pem"`, "/srv/ca2.pem", `"/srv/ca2.pem"`},
		{"smtp.user", `"s1"`, "s2", `"s2"`},
		{"smtp.password", `"q1"`, "q2", `"q2"`},
		{"smtp.timeout", `"30s"`, "2m", `"2m"`},
		{"smtp.per_recipient_per_hour", `3`, "9", `9`},
		{"smtp.per_day", `50`, "500", `500`},
		{"reply.from", `"a@example.org"`, "组织机构部 <b@example.org>", `"组织机构部 <b@example.org>"`},
		{"reply.contact_names", `"甲"`, "乙", `"乙"`},
		{"reply.contact_phone", `"1"`, "2", `"2"`},
		{"reply.unknown_senders", `true`, "false", `false`},
		{"reply.template_dir", `"/srv/t1"`, "/srv/t2", `"/srv/t2"`},
		{"reply.message_id_domain", `"a.example"`, "b.example", `"b.example"`},
		{"reply.authserv_id", `"mx.a.example"`, "mx.b.example", `"mx.b.example"`},
		{"campaign.form_year", `2020`, "2021", `2021`},
		{"campaign.season", `2022`, "2023", `2023`},
		{"campaign.form_file", `"/srv/form-2022.yaml"`, "/srv/form-2023.yaml", `"/srv/form-2023.yaml"`},
		{"campaign.cutoff", `2023-01-06T00:00:00+08:00`, "2024-01-06T00:00:00+08:00", `"2024-01-06T00:00:00+08:00"`},
		{"campaign.reminder_days", `[5]`, "10, 2", `[10, 2]`},
		{"campaign.reminder_time", `"08:00"`, "08:30", `"08:30"`},
		{"campaign.daily_summary_time", `16:00:00`, "18:15", `"18:15"`},
		{"campaign.staff", `["a@example.org"]`, `"王, 明" <b@example.org>, c@example.org`, `["\"王, 明\" <b@example.org>", "c@example.org"]`},
		{"limits.max_attachment_size", `"10MiB"`, "1048576", `"1MiB"`},
		{"limits.max_unzip_size", `"50MiB"`, "1GiB", `"1GiB"`},
		{"limits.worker_memory", `"256MiB"`, "768MiB", `"768MiB"`},
		{"limits.worker_cpu_seconds", `10`, "40", `40`},
		{"limits.worker_timeout", `"10s"`, "1m", `"1m"`},
		{"http.listen", `"127.0.0.1:9000"`, "", `""`},
		{"http.unhealthy_after", `"5m"`, "1h", `"1h"`},
		{"http.mailbox_alert_after", `"10m"`, "2h30m", `"2h30m"`},
		{"log.level", `"debug"`, "warn", `"warn"`},
		{"log.format", `"json"`, "console", `"console"`},
		{"results.district_excellent", `100`, "105.5", `105.5`},
		{"results.district_good", `85`, "88", `88`},
		{"results.district_pass", `55`, "58", `58`},
		{"results.district_excellent_cap", `0.2`, "30%", `0.3`},
		{"results.sector_excellent", `100`, "108", `108`},
		{"results.sector_good", `85`, "86", `86`},
		{"results.sector_pass", `50`, "61", `61`},
		{"results.sector_excellent_cap", `3`, "4", `4`},
		{"results.individual_quota", `30`, "40", `40`},
		{"results.min_per_excellent", `2`, "1", `1`},
		{"results.weight_final", `0.5`, "0.6", `0.6`},
		{"results.weight_scale", `0.2`, "0.25", `0.25`},
		{"results.weight_coverage", `0`, "0.15", `0.15`},
		{"results.weight_sections", `["业务拓展=0.1"]`, "业务拓展=0.2, 组织机构管理=0.1", `["业务拓展=0.2", "组织机构管理=0.1"]`},
		{"results.scale_field", `"staff"`, "insured", `"insured"`},
		{"results.coverage_field", `"insured"`, "coverage", `"coverage"`},
		{"results.recommend_cutoff", `2022-04-01T00:00:00+08:00`, "2022-04-15T00:00:00+08:00", `"2022-04-15T00:00:00+08:00"`},
		{"results.publicity_days", `3`, "5", `5`},
		{"results.holidays", `["2022-04-04"]`, "2022-04-04, 2022-04-05", `["2022-04-04", "2022-04-05"]`},
		{"results.retention", `5`, "3", `3`},
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.key] = true
	}
	for _, k := range Keys() {
		if !covered[k] {
			t.Errorf("key %s has no row in this test", k)
		}
	}
	byKey := map[string]field{}
	for _, f := range fields() {
		byKey[f.key] = f
	}
	for _, r := range rows {
		t.Run(r.key, func(t *testing.T) {
			sec, name := splitKey(r.key)
			doc := name + " = " + r.file + "\n"
			if sec != "" {
				doc = "[" + sec + "]\n" + doc
			}
			path := writeFile(t, "kaohe.toml", doc)
			f := byKey[r.key]

			c, err := Load(path, nil)
			if err != nil {
				t.Fatalf("file alone: %v", err)
			}
			if got := c.Source(r.key); !strings.Contains(got, path) {
				t.Errorf("file source = %q, want the file named", got)
			}
			fileVal := literal(f.get(&c))

			c, err = Load(path, envMap(map[string]string{f.env: r.env}))
			if err != nil {
				t.Fatalf("file and %s: %v", f.env, err)
			}
			if got := literal(f.get(&c)); got != r.want {
				t.Errorf("%s=%q over file: got %s, want %s", f.env, r.env, got, r.want)
			}
			if got := literal(f.get(&c)); got == fileVal {
				t.Errorf("environment did not override the file value %s", fileVal)
			}
			if got := c.Source(r.key); got != "环境变量 "+f.env {
				t.Errorf("source = %q, want the variable", got)
			}
		})
	}
}

func TestEnvNames(t *testing.T) {
	t.Parallel()
	fixed := map[string]string{ // names operators rely on
		"imap.addr": "KAOHE_IMAP_ADDR", "imap.tls": "KAOHE_IMAP_TLS", "imap.user": "KAOHE_IMAP_USER",
		"imap.password": "KAOHE_IMAP_PASSWORD", "imap.mailbox": "KAOHE_IMAP_MAILBOX", "imap.done": "KAOHE_IMAP_DONE",
		"data_dir": "KAOHE_DATA_DIR", "roster": "KAOHE_ROSTER", "campaign.form_year": "KAOHE_FORM_YEAR",
		"campaign.cutoff": "KAOHE_CUTOFF", "smtp.addr": "KAOHE_SMTP_ADDR", "smtp.tls": "KAOHE_SMTP_TLS",
		"smtp.user": "KAOHE_SMTP_USER", "smtp.password": "KAOHE_SMTP_PASSWORD", "reply.from": "KAOHE_FROM",
		"campaign.staff":     "KAOHE_STAFF",
		"imap.poll_interval": "KAOHE_IMAP_POLL_INTERVAL", "limits.worker_cpu_seconds": "KAOHE_LIMITS_WORKER_CPU_SECONDS",
	}
	for key, want := range fixed {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%s) = %s, want %s", key, got, want)
		}
	}
	seen := map[string]string{}
	for _, f := range fields() {
		if other, dup := seen[f.env]; dup {
			t.Errorf("%s and %s share %s", f.key, other, f.env)
		}
		seen[f.env] = f.key
	}
}

func TestLoadConfigPathFromEnv(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "k.toml", "[imap]\nmailbox = \"考核表\"\n")
	c, err := Load("", envMap(map[string]string{"KAOHE_CONFIG": path}))
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Mailbox != "考核表" {
		t.Errorf("mailbox = %q: KAOHE_CONFIG not read", c.IMAP.Mailbox)
	}
	// An explicit path wins over KAOHE_CONFIG.
	other := writeFile(t, "o.toml", "[imap]\nmailbox = \"Other\"\n")
	c, err = Load(other, envMap(map[string]string{"KAOHE_CONFIG": path}))
	if err != nil || c.IMAP.Mailbox != "Other" {
		t.Errorf("explicit path: mailbox %q, err %v", c.IMAP.Mailbox, err)
	}
	c, err = Load("", nil)
	if err != nil || c.IMAP.Mailbox != "INBOX" {
		t.Errorf("no file: mailbox %q, err %v", c.IMAP.Mailbox, err)
	}
}

func TestRelativePathsFollowTheFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "k.toml", "data_dir = \"state\"\nroster = \"/abs/r.csv\"\n")
	c, err := Load(path, envMap(map[string]string{"KAOHE_REPLY_TEMPLATE_DIR": "rel"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "state"); c.DataDir != want {
		t.Errorf("data_dir = %q, want %q", c.DataDir, want)
	}
	if c.Roster != "/abs/r.csv" {
		t.Errorf("roster = %q", c.Roster)
	}
	if c.Reply.TemplateDir != "rel" {
		t.Errorf("env path rewritten: %q", c.Reply.TemplateDir)
	}
}

func TestLoadReportsFileProblems(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name, doc string
		wantKey   string
		wantMsg   string
	}{
		{"unknown key", "[imap]\nadress = \"x:1\"\n", "imap.adress", "没有这个配置项"},
		{"unknown section", "[smpt]\naddr = \"x:1\"\n", "smpt.addr", "没有这个配置项"},
		{"array for scalar", "[imap]\naddr = [\"x:1\"]\n", "imap.addr", "不是数组"},
		{"bad duration", "[imap]\npoll_interval = 60\n", "imap.poll_interval", "不是时长"},
		{"bad size", "[limits]\nmax_unzip_size = \"lots\"\n", "limits.max_unzip_size", "不是大小"},
		{"cutoff without offset", "[campaign]\ncutoff = 2022-01-06T00:00:00\n", "campaign.cutoff", "带时区"},
		{"bad bool", "[reply]\nunknown_senders = \"maybe\"\n", "reply.unknown_senders", "true 或 false"},
		{"bad time", "[campaign]\nreminder_time = \"25:00\"\n", "campaign.reminder_time", "不是时刻"},
		{"bad list item", "[campaign]\nreminder_days = [7, \"x\"]\n", "campaign.reminder_days", "不是整数"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			path := writeFile(t, "k.toml", r.doc)
			_, err := Load(path, nil)
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("got %d problems (%v), want 1", len(ps), err)
			}
			if ps[0].Key != r.wantKey || !strings.Contains(ps[0].Msg, r.wantMsg) || !strings.Contains(ps[0].Source, path) {
				t.Errorf("got %+v, want key %s, message with %q, source naming the file", ps[0], r.wantKey, r.wantMsg)
			}
		})
	}
}

func TestTOMLSyntaxErrorNamesLine(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "k.toml", "[imap]\naddr = \"x:1\"\nuser = \n")
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "第 3 行") {
		t.Errorf("err = %v, want line 3 named", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml"), nil); err == nil {
		t.Error("missing file: no error")
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	rows := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"25MiB", 25 << 20, true},
		{"20MB", 20_000_000, true},
		{"20 mb", 20_000_000, true},
		{"512KiB", 512 << 10, true},
		{"1.5GiB", 3 << 29, true},
		{"1048576", 1 << 20, true},
		{"100B", 100, true},
		{"", 0, false},
		{"MiB", 0, false},
		{"10 parsecs", 0, false},
		{"-5MiB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, r := range rows {
		got, err := ParseSize(r.in)
		if (err == nil) != r.ok || got != r.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", r.in, got, err, r.want, r.ok)
		}
	}
	for _, n := range []int64{25 << 20, 3 << 30, 1000, 4096} {
		back, err := ParseSize(FormatSize(n))
		if err != nil || back != n {
			t.Errorf("FormatSize(%d) = %q does not read back", n, FormatSize(n))
		}
	}
}

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	tod, err := ParseTimeOfDay("09:05")
	if err != nil || tod != (cst.TimeOfDay{Hour: 9, Minute: 5}) {
		t.Fatalf("got %v, %v", tod, err)
	}
	at := tod.On(2022, time.January, 3)
	if got := at.UTC().Format(time.RFC3339); got != "2022-01-03T01:05:00Z" {
		t.Errorf("09:05 Beijing = %s UTC, want 01:05", got)
	}
	for _, bad := range []string{"9", "24:00", "09:00:30", "noon"} {
		if _, err := ParseTimeOfDay(bad); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", bad)
		}
	}
}

func TestUnknownEnv(t *testing.T) {
	t.Parallel()
	got := UnknownEnv([]string{"PATH=/bin", "KAOHE_IMAP_ADDR=x:1", "KAOHE_IMAP_PASSWRD=x", "KAOHE_CONFIG=/k.toml", "KAOHE_STAFF=", "KAOHE_SMTP_FROM=a@b"})
	if strings.Join(got, " ") != "KAOHE_IMAP_PASSWRD KAOHE_SMTP_FROM" {
		t.Errorf("UnknownEnv = %v", got)
	}
}
