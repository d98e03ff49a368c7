package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Example is a commented configuration file listing every key with its
// environment variable and default (printed by `kaohe config example`).
// With the two passwords filled in, it loads and validates for serve.
func Example() string {
	var b strings.Builder
	b.WriteString(`# kaohe 配置文件（TOML）。
# 每一项都可以用环境变量覆盖，环境变量优先于本文件；变量名一般是 KAOHE_ 加上
# “节名_键名”的大写（[imap] poll_interval → KAOHE_IMAP_POLL_INTERVAL），
# 例外：KAOHE_FORM_YEAR、KAOHE_CUTOFF、KAOHE_STAFF、KAOHE_FROM。
# 配置文件本身的路径由命令行参数或环境变量 KAOHE_CONFIG 指定。
# 时长写成 "90s"、"10m"、"1h"；大小写成 "25MiB"、"20MB" 或字节数（MB=1000×1000，MiB=1024×1024）。
# 本文件中的相对路径（data_dir、roster、template_dir、ca_file、form_file）以本文件所在目录为准。
# 密码建议只放在环境变量 KAOHE_IMAP_PASSWORD、KAOHE_SMTP_PASSWORD 中。
`)
	def := Default()
	section := ""
	for _, f := range fields() {
		sec, name := splitKey(f.key)
		if sec != section {
			section = sec
			fmt.Fprintf(&b, "\n[%s]\n", sec)
		}
		dv := literal(f.get(&def))
		shown := "无"
		if !isEmptyLiteral(dv) {
			shown = dv
		}
		value := dv
		if isEmptyLiteral(dv) && f.example != "" {
			value = f.example
		}
		fmt.Fprintf(&b, "\n# %s\n# 环境变量 %s；默认 %s\n%s = %s\n", f.help, f.env, shown, name, value)
	}
	return b.String()
}

func isEmptyLiteral(s string) bool { return s == `""` || s == "[]" }

func splitKey(key string) (section, name string) {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[:i], key[i+1:]
	}
	return "", key
}

// literal writes a value of field.get as TOML.
func literal(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []int:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return quote(fmt.Sprint(v))
}

// quote writes a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Redacted returns a copy whose passwords read "********" (when set), safe
// to log or print.
func (c Config) Redacted() Config {
	if c.IMAP.Password != "" {
		c.IMAP.Password = redacted
	}
	if c.SMTP.Password != "" {
		c.SMTP.Password = redacted
	}
	c.Campaign.Staff = append([]string(nil), c.Campaign.Staff...)
	c.Campaign.ReminderDays = append([]int(nil), c.Campaign.ReminderDays...)
	c.Results.Holidays = append([]time.Time(nil), c.Results.Holidays...)
	c.Results.Weights.Sections = append([]SectionWeight(nil), c.Results.Weights.Sections...)
	return c
}

// String writes the settings in effect as TOML, each with where it came
// from, passwords shown as "********". It is what `kaohe config show` prints.
func (c Config) String() string {
	r := c.Redacted()
	var b strings.Builder
	section := ""
	for _, f := range fields() {
		sec, name := splitKey(f.key)
		if sec != section {
			section = sec
			fmt.Fprintf(&b, "\n[%s]\n", sec)
		}
		src := "默认值"
		switch o := c.origin[f.key]; o.kind {
		case fromFile:
			src = "配置文件 " + o.file
		case fromEnv:
			src = "环境变量 " + f.env
		}
		fmt.Fprintf(&b, "%s = %s  # %s\n", name, literal(f.get(&r)), src)
	}
	return strings.TrimPrefix(b.String(), "\n")
}

// GoString keeps %#v from printing passwords.
func (c Config) GoString() string { return "config.Config{\n" + c.String() + "}" }
