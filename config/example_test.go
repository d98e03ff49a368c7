package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestExampleParsesAndValidates(t *testing.T) {
	t.Parallel()
	ex := Example()
	for _, f := range fields() {
		_, name := splitKey(f.key)
		if !strings.Contains(ex, "\n"+name+" = ") || !strings.Contains(ex, f.env) {
			t.Errorf("example lacks %s or %s", f.key, f.env)
		}
	}
	if n := strings.Count(ex, `password = ""`); n != 2 {
		t.Fatalf("example has %d empty passwords, want 2", n)
	}
	filled := strings.ReplaceAll(ex, `password = ""`, `password = "filled-in"`)
	path := writeFile(t, "kaohe.toml", filled)
	c, err := LoadFor(path, nil, ModeServe)
	if err != nil {
		t.Fatalf("filled example does not validate:\n%v", err)
	}
	// Its values are the defaults, except where it shows an example value.
	d := Default()
	if c.IMAP.PollInterval != d.IMAP.PollInterval || c.Limits.MaxUnzipSize != d.Limits.MaxUnzipSize ||
		!c.Campaign.Cutoff.Equal(d.Campaign.Cutoff) || fmt.Sprint(c.Campaign.ReminderDays) != fmt.Sprint(d.Campaign.ReminderDays) {
		t.Errorf("example values differ from the defaults: %v", c)
	}
	if string(c.IMAP.Password) != "filled-in" {
		t.Errorf("password not read: %q", string(c.IMAP.Password))
	}
}

func TestPasswordsNeverPrinted(t *testing.T) {
	t.Parallel()
	c, err := Load("", envMap(map[string]string{
		"KAOHE_IMAP_PASSWORD": "imap-pw-123",
		"KAOHE_SMTP_PASSWORD": "smtp-pw-456",
	}))
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	outputs := map[string]string{
		"String":     c.String(),
		"%v":         fmt.Sprintf("%v", c),
		"%+v":        fmt.Sprintf("%+v", c),
		"%#v":        fmt.Sprintf("%#v", c),
		"%s field":   fmt.Sprintf("%s %v", c.IMAP.Password, c.SMTP),
		"%#v field":  fmt.Sprintf("%#v", c.SMTP),
		"json":       string(j),
		"Redacted":   fmt.Sprintf("%s %s", string(r.IMAP.Password), string(r.SMTP.Password)),
		"Redacted %": fmt.Sprintf("%+v", r),
	}
	for name, out := range outputs {
		if strings.Contains(out, "pw-123") || strings.Contains(out, "pw-456") {
			t.Errorf("%s prints a password: %s", name, out)
		}
	}
	if !strings.Contains(c.String(), `password = "********"`) {
		t.Errorf("String does not show that a password is set:\n%s", c.String())
	}
	if string(c.IMAP.Password) != "imap-pw-123" {
		t.Error("Redacted changed the original")
	}
	// An unset password stays visibly unset.
	if got := Default().Redacted().IMAP.Password; got != "" {
		t.Errorf("empty password redacted to %q", string(got))
	}
}

func TestStringNamesSources(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "k.toml", "[imap]\nmailbox = \"A\"\n")
	c, err := Load(path, envMap(map[string]string{"KAOHE_IMAP_DONE": "B"}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, want := range []string{`mailbox = "A"  # 配置文件 ` + path, `done = "B"  # 环境变量 KAOHE_IMAP_DONE`, `sent_folder = ""  # 默认值`} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}
}
