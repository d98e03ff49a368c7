package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Problem is one bad setting, naming where the value came from.
type Problem struct {
	Key    string // TOML key, e.g. "imap.addr"
	Source string // "环境变量 KAOHE_IMAP_ADDR", "配置文件 /etc/kaohe.toml 中的 imap.addr", …
	Msg    string // what is wrong and what to write instead, in Chinese
}

func (p *Problem) Error() string { return p.Source + "：" + p.Msg }

type originKind int

const (
	fromDefault originKind = iota
	fromFile
	fromEnv
)

type origin struct {
	kind originKind
	file string
}

// Source says where the value of key came from, in the words Problem uses.
func (c Config) Source(key string) string {
	o := c.origin[key]
	switch o.kind {
	case fromFile:
		return fmt.Sprintf("配置文件 %s 中的 %s", o.file, key)
	case fromEnv:
		return "环境变量 " + EnvName(key)
	}
	return fmt.Sprintf("%s（默认值，可在配置文件或环境变量 %s 中设置）", key, EnvName(key))
}

// Load reads the TOML file at path (when path is "", the file named by
// KAOHE_CONFIG; when that is unset too, no file), then the KAOHE_* variables
// that env reports (normally os.LookupEnv; nil means none), over Default.
// The environment overrides the file. Relative paths in the file (data_dir,
// roster, reply.template_dir, imap.ca_file, smtp.ca_file) are taken relative
// to the file's folder.
//
// Load reports every value it cannot read, and unknown keys, joined in one
// error of *Problem; the Config it returns holds every value it could read
// and remembers the problems, so that ValidateFor reports them again with
// the rest. Use LoadFor to do both at once.
func Load(path string, env func(string) (string, bool)) (Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	c := Default()
	c.origin = map[string]origin{}
	if path == "" {
		path, _ = env("KAOHE_CONFIG")
	}
	byKey := map[string]field{}
	for _, f := range fields() {
		byKey[f.key] = f
	}
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("读取配置文件：%w", err)
		}
		var tree map[string]any
		if _, err := toml.Decode(string(data), &tree); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return c, fmt.Errorf("配置文件 %s 第 %d 行不是有效的 TOML：%s", path, pe.Position.Line, pe.Message)
			}
			return c, fmt.Errorf("配置文件 %s 不是有效的 TOML：%w", path, err)
		}
		errs = append(errs, c.applyFile(path, tree, byKey)...)
	}
	for _, f := range fields() {
		v, ok := env(f.env)
		if !ok {
			continue
		}
		c.origin[f.key] = origin{kind: fromEnv}
		if err := f.setString(&c, v); err != nil {
			errs = append(errs, &Problem{Key: f.key, Source: c.Source(f.key), Msg: err.Error()})
		}
	}
	c.loadErrs = errs
	return c, errors.Join(errs...)
}

// UnknownEnv lists the KAOHE_* variables of environ ("NAME=value", as
// os.Environ gives) that kaohe does not read, most likely misspelt; the
// caller should warn about them.
func UnknownEnv(environ []string) []string {
	known := map[string]bool{"KAOHE_CONFIG": true}
	for _, f := range fields() {
		known[f.env] = true
	}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KAOHE_") && !known[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// LoadFor is Load followed by ValidateFor(mode), every problem of both
// reported in one error.
func LoadFor(path string, env func(string) (string, bool), mode string) (Config, error) {
	c, err := Load(path, env)
	if err != nil && c.loadErrs == nil {
		return c, err // the file could not be read at all
	}
	return c, c.ValidateFor(mode)
}

// applyFile sets the values of a decoded TOML document, sorted by key so
// that problems come out in a stable order.
func (c *Config) applyFile(path string, tree map[string]any, byKey map[string]field) []error {
	flat := map[string]any{}
	var errs []error
	for k, v := range tree {
		if sec, ok := v.(map[string]any); ok {
			for sk, sv := range sec {
				flat[k+"."+sk] = sv
			}
			continue
		}
		flat[k] = v
	}
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dir := filepath.Dir(path)
	for _, k := range keys {
		f, ok := byKey[k]
		if !ok {
			msg := "没有这个配置项，请检查拼写（kaohe config example 列出全部配置项）"
			if _, nested := flat[k].(map[string]any); nested {
				msg = "配置项不能再分节"
			}
			errs = append(errs, &Problem{Key: k, Source: fmt.Sprintf("配置文件 %s 中的 %s", path, k), Msg: msg})
			continue
		}
		c.origin[k] = origin{kind: fromFile, file: path}
		if err := f.setValue(c, flat[k]); err != nil {
			errs = append(errs, &Problem{Key: k, Source: c.Source(k), Msg: err.Error()})
			continue
		}
		if k == "data_dir" || k == "roster" || k == "reply.template_dir" || k == "imap.ca_file" || k == "smtp.ca_file" {
			p := f.get(c).(string)
			if p != "" && !filepath.IsAbs(p) {
				_ = f.set(c, filepath.Join(dir, p))
			}
		}
	}
	return errs
}

// setString sets a field from an environment variable.
func (f field) setString(c *Config, v string) error {
	if !f.list {
		return f.set(c, v)
	}
	items, err := f.split(v)
	if err != nil {
		return err
	}
	return f.setList(c, items)
}

// setValue sets a field from a decoded TOML value.
func (f field) setValue(c *Config, v any) error {
	if arr, ok := v.([]any); ok {
		if !f.list {
			return fmt.Errorf("应为单个值，不是数组")
		}
		items := make([]string, 0, len(arr))
		for _, e := range arr {
			s, err := scalarString(e)
			if err != nil {
				return err
			}
			items = append(items, s)
		}
		return f.setList(c, items)
	}
	s, err := scalarString(v)
	if err != nil {
		return err
	}
	return f.setString(c, s)
}

// scalarString turns a TOML scalar into the text an environment variable
// would hold.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		switch v.Location().String() {
		case "time-local":
			return v.Format("15:04:05"), nil
		case "date-local", "datetime-local":
			// No offset was written: the cut-off needs one, so this
			// fails to parse with a message asking for it.
			return v.Format("2006-01-02T15:04:05"), nil
		}
		return v.Format(time.RFC3339Nano), nil
	case map[string]any:
		return "", fmt.Errorf("应为单个值，不是一节")
	}
	return "", fmt.Errorf("无法识别的值 %v", v)
}
