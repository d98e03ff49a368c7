package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// served is a configuration that validates for serve.
func served(t *testing.T) map[string]string {
	return map[string]string{
		"KAOHE_DATA_DIR":      t.TempDir(),
		"KAOHE_IMAP_ADDR":     "imap.example.org:993",
		"KAOHE_IMAP_USER":     "zzjgb@example.org",
		"KAOHE_IMAP_PASSWORD": "secret-imap",
		"KAOHE_SMTP_ADDR":     "smtp.example.org:465",
		"KAOHE_SMTP_TLS":      "tls",
		"KAOHE_SMTP_USER":     "zzjgb@example.org",
		"KAOHE_SMTP_PASSWORD": "secret-smtp",
		"KAOHE_FROM":          "组织机构部 <zzjgb@example.org>",
	}
}

func TestServeConfigValidates(t *testing.T) {
	t.Parallel()
	c, err := LoadFor("", envMap(served(t)), ModeServe)
	if err != nil {
		t.Fatalf("complete config refused: %v", err)
	}
	if got := c.MessageIDDomain(); got != "example.org" {
		t.Errorf("MessageIDDomain = %q, want the From domain", got)
	}
}

// Four problems from two sources come back together, each naming where
// its value came from.
func TestEveryProblemReportedTogether(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "kaohe.toml", `
[imap]
addr = "10.0.0.1:143"
tls = "none"
poll_interval = "soon"
`)
	env := envMap(map[string]string{
		"KAOHE_CUTOFF":    "2022-01-06",
		"KAOHE_FORM_YEAR": "1999",
	})
	_, err := LoadFor(path, env, ModeCheck)
	ps := problems(t, err)
	want := []struct{ key, source string }{
		{"imap.poll_interval", "配置文件 " + path + " 中的 imap.poll_interval"},
		{"campaign.cutoff", "环境变量 KAOHE_CUTOFF"},
		{"imap.tls", "配置文件 " + path + " 中的 imap.tls"},
		{"campaign.form_year", "环境变量 KAOHE_FORM_YEAR"},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Key == w.key && p.Source == w.source && strings.HasPrefix(p.Error(), w.source+"：") {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem for %s from %q in:\n%v", w.key, w.source, err)
		}
	}
	// Load alone reports only the values it could not read.
	if _, err := Load(path, env); len(problems(t, err)) != 2 {
		t.Errorf("Load alone should report the 2 unreadable values, got %v", err)
	}
}

func TestRequiredDependsOnMode(t *testing.T) {
	t.Parallel()
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeCheck, ModeTemplate, ModeConfig, ModeDemo} {
		if err := c.ValidateFor(mode); err != nil {
			t.Errorf("%s needs nothing but got: %v", mode, err)
		}
	}
	ps := problems(t, c.ValidateFor(ModeServe))
	keys := map[string]bool{}
	for _, p := range ps {
		keys[p.Key] = true
		if !strings.Contains(p.Msg, EnvName(p.Key)) {
			t.Errorf("%s: message does not name %s: %s", p.Key, EnvName(p.Key), p.Msg)
		}
	}
	for _, k := range []string{"data_dir", "imap.addr", "imap.user", "imap.password", "smtp.addr", "reply.from"} {
		if !keys[k] {
			t.Errorf("serve: %s not reported as missing", k)
		}
	}
	if len(ps) != 6 {
		t.Errorf("serve: %d problems, want 6: %v", len(ps), ps)
	}
	ps = problems(t, c.ValidateFor(ModeConsolidate))
	if len(ps) != 1 || ps[0].Key != "data_dir" {
		t.Errorf("consolidate: want data_dir only, got %v", ps)
	}
	if err := c.ValidateFor("bogus"); err == nil {
		t.Error("unknown mode accepted")
	}
}

func TestPlainTextOnlyToLoopback(t *testing.T) {
	t.Parallel()
	rows := []struct {
		addr, tls string
		ok        bool
	}{
		{"10.0.0.1:143", "none", false},
		{"192.168.1.10:143", "none", false},
		{"mail.example.org:143", "none", false},
		{"127.0.0.1:143", "none", true},
		{"127.8.9.10:1143", "none", true},
		{"[::1]:143", "none", true},
		{"localhost:143", "none", true},
		{"LOCALHOST.:143", "none", true},
		{"10.0.0.1:143", "starttls", true},
		{"10.0.0.1:993", "tls", true},
		{"no-port", "tls", false},
		{"host:99999", "tls", false},
	}
	for _, r := range rows {
		for _, proto := range []string{"IMAP", "SMTP"} {
			t.Run(fmt.Sprintf("%s %s %s", proto, r.addr, r.tls), func(t *testing.T) {
				env := served(t)
				env["KAOHE_"+proto+"_ADDR"] = r.addr
				env["KAOHE_"+proto+"_TLS"] = r.tls
				_, err := LoadFor("", envMap(env), ModeServe)
				if (err == nil) != r.ok {
					t.Errorf("ok=%v, err=%v", r.ok, err)
				}
				if err != nil && r.tls == "none" && !strings.Contains(err.Error(), "KAOHE_"+proto+"_TLS") {
					t.Errorf("refusal does not name KAOHE_%s_TLS: %v", proto, err)
				}
			})
		}
	}
}

func TestValueChecks(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name    string
		env     map[string]string
		wantKey string
	}{
		{"bad from", map[string]string{"KAOHE_FROM": "not an address"}, "reply.from"},
		{"bad staff", map[string]string{"KAOHE_STAFF": "a@example.org, nobody"}, "campaign.staff"},
		{"done equals mailbox", map[string]string{"KAOHE_IMAP_DONE": "inbox"}, "imap.done"},
		{"idle too long", map[string]string{"KAOHE_IMAP_IDLE_MAX": "30m"}, "imap.idle_max"},
		{"zero poll", map[string]string{"KAOHE_IMAP_POLL_INTERVAL": "0s"}, "imap.poll_interval"},
		{"zero attempts", map[string]string{"KAOHE_IMAP_MAX_ATTEMPTS": "0"}, "imap.max_attempts"},
		{"zero per day", map[string]string{"KAOHE_SMTP_PER_DAY": "0"}, "smtp.per_day"},
		{"bad reminder day", map[string]string{"KAOHE_CAMPAIGN_REMINDER_DAYS": "7,0"}, "campaign.reminder_days"},
		{"bad listen", map[string]string{"KAOHE_HTTP_LISTEN": "8025"}, "http.listen"},
		{"bad level", map[string]string{"KAOHE_LOG_LEVEL": "loud"}, "log.level"},
		{"bad format", map[string]string{"KAOHE_LOG_FORMAT": "xml"}, "log.format"},
		{"bad msgid domain", map[string]string{"KAOHE_REPLY_MESSAGE_ID_DOMAIN": "a b"}, "reply.message_id_domain"},
		{"bad authserv-id", map[string]string{"KAOHE_REPLY_AUTHSERV_ID": "mx.example.org; spf=pass"}, "reply.authserv_id"},
		{"missing roster", map[string]string{"KAOHE_ROSTER": "/nonexistent/roster.csv"}, "roster"},
		{"missing template dir", map[string]string{"KAOHE_REPLY_TEMPLATE_DIR": "/nonexistent/t"}, "reply.template_dir"},
		{"smtp user without password", map[string]string{"KAOHE_SMTP_PASSWORD": ""}, "smtp.password"},
		{"unknown year", map[string]string{"KAOHE_FORM_YEAR": "2035"}, "campaign.form_year"},
		{"missing form file", map[string]string{"KAOHE_CAMPAIGN_FORM_FILE": "/nonexistent/form-2022.yaml"}, "campaign.form_file"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			env := served(t)
			for k, v := range r.env {
				env[k] = v
			}
			_, err := LoadFor("", envMap(env), ModeServe)
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Key != r.wantKey {
				t.Fatalf("want one problem on %s, got %v", r.wantKey, err)
			}
			if !strings.Contains(ps[0].Source, "KAOHE_") {
				t.Errorf("source %q does not name the variable", ps[0].Source)
			}
		})
	}
}

func TestRosterThatExistsPasses(t *testing.T) {
	t.Parallel()
	env := served(t)
	p := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(p, []byte("考核单位,类型,邮箱\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env["KAOHE_ROSTER"] = p
	if _, err := LoadFor("", envMap(env), ModeServe); err != nil {
		t.Error(err)
	}
}
