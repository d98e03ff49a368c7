package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaohe/internal/cst"
)

// field is one setting: its TOML key, its environment variable, how to read
// and write it, and its documentation for Example.
type field struct {
	key     string // "imap.addr"; top-level keys have no dot
	env     string // "KAOHE_IMAP_ADDR"
	help    string // one line of Chinese for Example
	example string // TOML literal shown by Example when the default is empty
	secret  bool
	list    bool
	get     func(*Config) any // string, int64, bool, []int or []string
	set     func(*Config, string) error
	setList func(*Config, []string) error
	split   func(string) ([]string, error) // how an env value becomes a list
}

// EnvName is the environment variable of a TOML key: the key with its dot
// replaced by "_", upper-cased, after KAOHE_ (imap.poll_interval →
// KAOHE_IMAP_POLL_INTERVAL), except for four names kept for operators:
// KAOHE_FORM_YEAR, KAOHE_CUTOFF, KAOHE_STAFF and KAOHE_FROM.
func EnvName(key string) string {
	switch key { // names operators already rely on
	case "campaign.form_year":
		return "KAOHE_FORM_YEAR"
	case "campaign.cutoff":
		return "KAOHE_CUTOFF"
	case "campaign.staff":
		return "KAOHE_STAFF"
	case "reply.from":
		return "KAOHE_FROM"
	}
	return "KAOHE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Keys lists every TOML key in the order Example documents them.
func Keys() []string {
	fs := fields()
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
}

func fields() []field {
	fs := []field{
		str("data_dir", "数据目录：SQLite 数据库、原始邮件存档和工作簿都放在这里（serve、consolidate、reprocess、review、results 必填；相对路径以配置文件所在目录为准）", `"/var/lib/kaohe"`, func(c *Config) *string { return &c.DataDir }),
		str("roster", "代办处名单（CSV 或 xlsx，列：考核单位、类型、邮箱），如 \"/etc/kaohe/roster.xlsx\"；不设则按考核单位名称推断类型", "", func(c *Config) *string { return &c.Roster }),

		str("imap.addr", "收件 IMAP 服务器 host:port（serve 必填）", `"imap.example.org:993"`, func(c *Config) *string { return &c.IMAP.Addr }),
		tlsMode("imap.tls", "tls（993）、starttls（143）或 none（仅限本机地址 127.0.0.1、::1、localhost）", func(c *Config) *TLSMode { return &c.IMAP.TLS }),
		str("imap.ca_file", "可选：服务器证书由单位内部的证书机构（CA）签发或是自签名时，该 CA 证书的文件路径（PEM 格式）；空则只信任系统内置的证书机构", "", func(c *Config) *string { return &c.IMAP.CAFile }),
		str("imap.user", "IMAP 用户名（serve 必填）", `"zzjgb@example.org"`, func(c *Config) *string { return &c.IMAP.User }),
		secret("imap.password", "IMAP 密码（serve 必填；建议用环境变量设置）", func(c *Config) *Secret { return &c.IMAP.Password }),
		str("imap.mailbox", "代办处来信所在的邮箱文件夹", "", func(c *Config) *string { return &c.IMAP.Mailbox }),
		str("imap.done", "处理完的邮件移入的文件夹", "", func(c *Config) *string { return &c.IMAP.Done }),
		str("imap.sent_folder", "可选：每封回复另存一份到这个文件夹（APPEND）；空则不存", "", func(c *Config) *string { return &c.IMAP.SentFolder }),
		duration("imap.poll_interval", "不支持 IDLE 时的轮询间隔", func(c *Config) *time.Duration { return &c.IMAP.PollInterval }),
		duration("imap.idle_max", "IDLE 最长保持多久后重新发起", func(c *Config) *time.Duration { return &c.IMAP.IdleMax }),
		duration("imap.command_timeout", "单个 IMAP 命令的超时", func(c *Config) *time.Duration { return &c.IMAP.CommandTimeout }),
		size("imap.max_message_size", "超过这个大小的邮件不下载，回复“邮件过大”", func(c *Config) *int64 { return &c.IMAP.MaxMessageSize }),
		integer("imap.max_attempts", "一封邮件处理失败这么多次后隔离，不再重试", func(c *Config) *int { return &c.IMAP.MaxAttempts }),

		str("smtp.addr", "发信 SMTP 服务器 host:port（serve 必填）", `"smtp.example.org:587"`, func(c *Config) *string { return &c.SMTP.Addr }),
		tlsMode("smtp.tls", "tls（465）、starttls（587）或 none（仅限本机地址）", func(c *Config) *TLSMode { return &c.SMTP.TLS }),
		str("smtp.ca_file", "可选：同 imap.ca_file，用于 SMTP 服务器的证书", "", func(c *Config) *string { return &c.SMTP.CAFile }),
		str("smtp.user", "SMTP 用户名；空则不认证", `"zzjgb@example.org"`, func(c *Config) *string { return &c.SMTP.User }),
		secret("smtp.password", "SMTP 密码（设了 user 时必填；建议用环境变量设置）", func(c *Config) *Secret { return &c.SMTP.Password }),
		duration("smtp.timeout", "一次投递的超时", func(c *Config) *time.Duration { return &c.SMTP.Timeout }),
		integer("smtp.per_recipient_per_hour", "每个收件人每小时最多收到几封", func(c *Config) *int { return &c.SMTP.PerRecipientPerHour }),
		integer("smtp.per_day", "每天最多发出几封（服务商配额）", func(c *Config) *int { return &c.SMTP.PerDay }),

		str("reply.from", "办事处发信地址，可写成 \"名字 <地址>\"（serve 必填）", `"组织机构部 <zzjgb@example.org>"`, func(c *Config) *string { return &c.Reply.From }),
		str("reply.contact_names", "回复落款中的联系人", "", func(c *Config) *string { return &c.Reply.ContactNames }),
		str("reply.contact_phone", "回复落款中的联系电话", "", func(c *Config) *string { return &c.Reply.ContactPhone }),
		boolean("reply.unknown_senders", "是否回复名单中没有的发件地址（true/false）", func(c *Config) *bool { return &c.Reply.UnknownSenders }),
		str("reply.template_dir", "可选：覆盖内置邮件模板的文件夹", "", func(c *Config) *string { return &c.Reply.TemplateDir }),
		str("reply.message_id_domain", "Message-ID 的域名；空则用发信地址的域名", "", func(c *Config) *string { return &c.Reply.MessageIDDomain }),
		str("reply.authserv_id", "可选：收件服务器写在 Authentication-Results 开头的服务器标识（authserv-id），如 \"mx.example.org\"；设了则只认这个标识的验证结果，空则只认最上面的一条", "", func(c *Config) *string { return &c.Reply.AuthServID }),

		integer("campaign.form_year", "考核表年度（须是程序内置的表）", func(c *Config) *int { return &c.Campaign.FormYear }),
		integer("campaign.season", "本届考核的年度（届）：同一数据目录里每届的提交、版本、审核和提醒各自独立；0 表示与考核表年度相同", func(c *Config) *int { return &c.Campaign.Season }),
		str("campaign.form_file", "可选：考核表定义文件（YAML，如 \"/etc/kaohe/form-2022.yaml\"），新年度的表不必重新编译程序；设了则以它为准，年度取文件中的 year，campaign.form_year 不再起作用。改好后先用 kaohe form check 检查", "", func(c *Config) *string { return &c.Campaign.FormFile }),
		timestamp("campaign.cutoff", "截止时刻（RFC 3339，带时区）：此刻及以后收到的邮件算逾期", func(c *Config) *time.Time { return &c.Campaign.Cutoff }),
		intList("campaign.reminder_days", "截止前几天提醒尚未提交的代办处；环境变量里用逗号分隔，如 7,3,1", func(c *Config) *[]int { return &c.Campaign.ReminderDays }),
		timeOfDay("campaign.reminder_time", "提醒发出的时刻（北京时间）", func(c *Config) *cst.TimeOfDay { return &c.Campaign.ReminderTime }),
		timeOfDay("campaign.daily_summary_time", "每日汇总发给工作人员的时刻（北京时间）", func(c *Config) *cst.TimeOfDay { return &c.Campaign.DailySummaryTime }),
		addrList("campaign.staff", "接收通知和汇总的工作人员地址；环境变量里用逗号分隔", `["王明 <wangming@example.org>"]`, func(c *Config) *[]string { return &c.Campaign.Staff }),

		size("limits.max_attachment_size", "单个附件解码后的上限", func(c *Config) *int64 { return &c.Limits.MaxAttachmentSize }),
		size("limits.max_unzip_size", "工作簿解压后的总上限（防压缩炸弹）", func(c *Config) *int64 { return &c.Limits.MaxUnzipSize }),
		size("limits.worker_memory", "读工作簿的子进程内存上限", func(c *Config) *int64 { return &c.Limits.WorkerMemory }),
		integer("limits.worker_cpu_seconds", "读工作簿的子进程 CPU 秒数上限", func(c *Config) *int { return &c.Limits.WorkerCPUSeconds }),
		duration("limits.worker_timeout", "读工作簿的子进程最长运行时间", func(c *Config) *time.Duration { return &c.Limits.WorkerTimeout }),

		str("http.listen", "健康检查和指标的监听地址 host:port；空则关闭", "", func(c *Config) *string { return &c.HTTP.Listen }),
		duration("http.unhealthy_after", "多久没有成功收信就报告不健康", func(c *Config) *time.Duration { return &c.HTTP.UnhealthyAfter }),
		duration("http.mailbox_alert_after", "邮箱连续这么久无法连接，就通知工作人员（一次）", func(c *Config) *time.Duration { return &c.HTTP.MailboxAlertAfter }),

		str("log.level", "日志级别：trace、debug、info、warn、error", "", func(c *Config) *string { return &c.Log.Level }),
		str("log.format", "日志格式：json、console、auto（终端上用 console，否则 json）", "", func(c *Config) *string { return &c.Log.Format }),
	}
	fs = append(fs, resultsFields()...)
	for i := range fs {
		fs[i].env = EnvName(fs[i].key)
	}
	return fs
}

func str(key, help, example string, p func(*Config) *string) field {
	return field{key: key, help: help, example: example,
		get: func(c *Config) any { return *p(c) },
		set: func(c *Config, v string) error { *p(c) = strings.TrimSpace(v); return nil },
	}
}

func secret(key, help string, p func(*Config) *Secret) field {
	return field{key: key, help: help, secret: true,
		get: func(c *Config) any { return string(*p(c)) },
		// A password is taken as written: spaces may be part of it.
		set: func(c *Config, v string) error { *p(c) = Secret(v); return nil },
	}
}

func tlsMode(key, help string, p func(*Config) *TLSMode) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return string(*p(c)) },
		set: func(c *Config, v string) error {
			m := TLSMode(strings.ToLower(strings.TrimSpace(v)))
			if !m.valid() {
				return fmt.Errorf("%q 不是加密方式，只能是 tls、starttls 或 none", v)
			}
			*p(c) = m
			return nil
		},
	}
}

func (m TLSMode) valid() bool { return m == TLS || m == StartTLS || m == NoTLS }

func duration(key, help string, p func(*Config) *time.Duration) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return formatDuration(*p(c)) },
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q 不是时长，应写成 \"90s\"、\"10m\"、\"1h\" 这样", v)
			}
			*p(c) = d
			return nil
		},
	}
}

// formatDuration drops the zero units time.Duration.String keeps ("10m0s" → "10m").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func size(key, help string, p func(*Config) *int64) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return FormatSize(*p(c)) },
		set: func(c *Config, v string) error {
			n, err := ParseSize(v)
			if err != nil {
				return err
			}
			*p(c) = n
			return nil
		},
	}
}

func integer(key, help string, p func(*Config) *int) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return int64(*p(c)) },
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q 不是整数", v)
			}
			*p(c) = n
			return nil
		},
	}
}

func boolean(key, help string, p func(*Config) *bool) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return *p(c) },
		set: func(c *Config, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "yes", "on", "1":
				*p(c) = true
			case "false", "no", "off", "0":
				*p(c) = false
			default:
				return fmt.Errorf("%q 应为 true 或 false", v)
			}
			return nil
		},
	}
}

func timestamp(key, help string, p func(*Config) *time.Time) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return p(c).Format(time.RFC3339) },
		set: func(c *Config, v string) error {
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q 不是带时区的时刻，应写成 \"2022-01-06T00:00:00+08:00\"", v)
			}
			*p(c) = t
			return nil
		},
	}
}

func timeOfDay(key, help string, p func(*Config) *cst.TimeOfDay) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return p(c).String() },
		set: func(c *Config, v string) error {
			t, err := ParseTimeOfDay(v)
			if err != nil {
				return err
			}
			*p(c) = t
			return nil
		},
	}
}

func intList(key, help string, p func(*Config) *[]int) field {
	return field{key: key, help: help, list: true,
		get: func(c *Config) any { return append([]int(nil), *p(c)...) },
		setList: func(c *Config, vs []string) error {
			out := make([]int, 0, len(vs))
			for _, v := range vs {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("%q 不是整数", v)
				}
				out = append(out, n)
			}
			*p(c) = out
			return nil
		},
		split: func(s string) ([]string, error) { return splitPlain(s), nil },
	}
}

func addrList(key, help, example string, p func(*Config) *[]string) field {
	return field{key: key, help: help, example: example, list: true,
		get: func(c *Config) any { return append([]string(nil), *p(c)...) },
		setList: func(c *Config, vs []string) error {
			out := make([]string, 0, len(vs))
			for _, v := range vs {
				if v = strings.TrimSpace(v); v != "" {
					out = append(out, v)
				}
			}
			*p(c) = out
			return nil
		},
		split: splitAddresses,
	}
}

// splitPlain splits "7, 3,1" at commas, dropping empty items.
func splitPlain(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitAddresses splits an address list at commas or semicolons outside
// quotes and angle brackets, so `"王, 明" <a@x>, b@y` is two addresses.
func splitAddresses(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quoted, angle := false, false
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	for _, r := range s {
		switch {
		case r == '"' && !angle:
			quoted = !quoted
		case r == '<' && !quoted:
			angle = true
		case r == '>' && !quoted:
			angle = false
		case (r == ',' || r == ';') && !quoted && !angle:
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	if quoted || angle {
		return nil, fmt.Errorf("%q 中的引号或尖括号没有配对", s)
	}
	flush()
	return out, nil
}
