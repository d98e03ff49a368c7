package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaohe/internal/mailaddr"
	"kaohe/internal/mailtls"
	"kaohe/templates"
)

// Modes name the subcommands whose needs ValidateFor knows.
const (
	ModeServe       = "serve"       // IMAP, SMTP, From and the data folder are required
	ModeCheck       = "check"       // offline check of a workbook: nothing required
	ModeTemplate    = "template"    // writes the blank form: nothing required
	ModeConfig      = "config"      // prints or checks the configuration: nothing required
	ModeConsolidate = "consolidate" // the data folder is required
	ModeReprocess   = "reprocess"   // the data folder is required
	ModeReview      = "review"      // the data folder is required
	ModeDemo        = "demo"        // nothing required
	ModeResults     = "results"     // the data folder is required
)

type needs struct{ dataDir, mail bool }

func needsOf(mode string) (needs, bool) {
	switch mode {
	case ModeServe:
		return needs{dataDir: true, mail: true}, true
	case ModeConsolidate, ModeReprocess, ModeReview, ModeResults:
		return needs{dataDir: true}, true
	case ModeCheck, ModeTemplate, ModeConfig, ModeDemo:
		return needs{}, true
	}
	return needs{}, false
}

// Validate is ValidateFor(ModeServe): everything the daemon needs.
func (c Config) Validate() error { return c.ValidateFor(ModeServe) }

// ValidateFor checks the settings a subcommand needs and every value that is
// set, and returns all problems at once (errors.Join of *Problem), including
// those Load met, or nil. It reads the file system only to check that the
// roster and the template folder exist.
func (c Config) ValidateFor(mode string) error {
	n, ok := needsOf(mode)
	if !ok {
		return fmt.Errorf("config: unknown mode %q", mode)
	}
	v := validator{c: c, mode: mode}
	if n.dataDir {
		v.required("data_dir", c.DataDir, "数据目录")
	}
	if n.mail {
		v.required("imap.addr", c.IMAP.Addr, "IMAP 服务器地址")
		v.required("imap.user", c.IMAP.User, "IMAP 用户名")
		v.required("imap.password", string(c.IMAP.Password), "IMAP 密码")
		v.required("smtp.addr", c.SMTP.Addr, "SMTP 服务器地址")
		v.required("reply.from", c.Reply.From, "办事处发信地址")
		if c.SMTP.User != "" {
			v.required("smtp.password", string(c.SMTP.Password), "SMTP 密码（已设置 smtp.user）")
		}
	}

	v.servers(c)
	v.replySettings(c)
	v.campaign(c)
	v.limitsAndLogs(c)
	v.results(c)

	errs := append(append([]error(nil), c.loadErrs...), v.errs...)
	return errors.Join(errs...)
}

// servers checks the IMAP, SMTP and HTTP settings.
func (v *validator) servers(c Config) {
	v.server(mailtls.IMAP, c.IMAP.Addr, c.IMAP.TLS)
	v.server(mailtls.SMTP, c.SMTP.Addr, c.SMTP.TLS)
	v.caFile("imap.ca_file", c.IMAP.CAFile)
	v.caFile("smtp.ca_file", c.SMTP.CAFile)
	if c.HTTP.Listen != "" {
		if _, err := hostPort(c.HTTP.Listen); err != nil {
			v.add("http.listen", err.Error())
		}
	}

	v.nonEmpty("imap.mailbox", c.IMAP.Mailbox, "收件文件夹")
	v.nonEmpty("imap.done", c.IMAP.Done, "已处理文件夹")
	if c.IMAP.Done != "" && strings.EqualFold(c.IMAP.Done, c.IMAP.Mailbox) {
		v.add("imap.done", "已处理文件夹不能和收件文件夹 imap.mailbox 相同，否则邮件会被反复处理")
	}
	if c.IMAP.SentFolder != "" && (strings.EqualFold(c.IMAP.SentFolder, c.IMAP.Mailbox)) {
		v.add("imap.sent_folder", "存回复的文件夹不能是收件文件夹 imap.mailbox，否则会处理自己的回复")
	}
	v.positiveDuration("imap.poll_interval", c.IMAP.PollInterval)
	v.positiveDuration("imap.idle_max", c.IMAP.IdleMax)
	if c.IMAP.IdleMax > 29*time.Minute {
		v.add("imap.idle_max", fmt.Sprintf("%s 太长：RFC 2177 要求至少每 29 分钟重新发起 IDLE，服务器会断开更久的连接", formatDuration(c.IMAP.IdleMax)))
	}
	v.positiveDuration("imap.command_timeout", c.IMAP.CommandTimeout)
	v.positiveSize("imap.max_message_size", c.IMAP.MaxMessageSize)
	v.atLeastOne("imap.max_attempts", c.IMAP.MaxAttempts)

	v.positiveDuration("smtp.timeout", c.SMTP.Timeout)
	v.atLeastOne("smtp.per_recipient_per_hour", c.SMTP.PerRecipientPerHour)
	v.atLeastOne("smtp.per_day", c.SMTP.PerDay)
}

// replySettings checks what replies are written with.
func (v *validator) replySettings(c Config) {
	if c.Reply.From != "" {
		if _, err := mailaddr.Parse(c.Reply.From); err != nil {
			v.add("reply.from", fmt.Sprintf("“%s”不是可以发信的邮件地址，应写成 \"zzjgb@example.org\" 或 \"组织机构部 <zzjgb@example.org>\"", c.Reply.From))
		}
	}
	if id := c.Reply.AuthServID; strings.ContainsAny(id, " \t;()\"=") {
		v.add("reply.authserv_id", fmt.Sprintf("%q 不是服务器标识：应是一个词，如 \"mx.example.org\"，见收到的邮件中 Authentication-Results 的开头", id))
	}
	if d := c.Reply.MessageIDDomain; d != "" && !validDomain(d) {
		v.add("reply.message_id_domain", fmt.Sprintf("%q 不是域名，应写成 \"example.org\" 这样", d))
	}
	v.dir("reply.template_dir", c.Reply.TemplateDir)
}

// campaign checks the season, the form, the dates and the staff.
func (v *validator) campaign(c Config) {
	if s := c.Campaign.Season; s != 0 && (s < 2000 || s > 2100) {
		v.add("campaign.season", fmt.Sprintf("届的年度 %d 不对：应是四位年份，如 2022；不填则与考核表年度相同", s))
	}
	if c.Campaign.FormFile != "" {
		if _, err := c.Campaign.Form(); err != nil {
			v.add("campaign.form_file", fmt.Sprintf("考核表定义文件 %s 无法使用（运行 kaohe form check %s 查看每处问题）：%v", c.Campaign.FormFile, c.Campaign.FormFile, err))
		}
	} else if !slices.Contains(templates.Years(), c.Campaign.FormYear) {
		v.add("campaign.form_year", fmt.Sprintf("没有 %d 年度的考核表，程序内置的年度：%v", c.Campaign.FormYear, templates.Years()))
	}
	if c.Campaign.Cutoff.IsZero() {
		v.add("campaign.cutoff", "截止时刻未设置，应写成 \"2022-01-06T00:00:00+08:00\"")
	}
	for _, d := range c.Campaign.ReminderDays {
		if d < 1 || d > 366 {
			v.add("campaign.reminder_days", fmt.Sprintf("%d 不是截止前的天数，应在 1 到 366 之间", d))
		}
	}
	for _, a := range c.Campaign.Staff {
		if _, err := mailaddr.Parse(a); err != nil {
			v.add("campaign.staff", fmt.Sprintf("“%s”不是可以收信的邮件地址，工作人员的通知和汇总将无法发出；每项写一个地址，如 \"wangming@example.org\" 或 \"王明 <wangming@example.org>\"", a))
		}
	}
}

// limitsAndLogs checks the limits, health timings, logs and roster file.
func (v *validator) limitsAndLogs(c Config) {
	v.positiveSize("limits.max_attachment_size", c.Limits.MaxAttachmentSize)
	v.positiveSize("limits.max_unzip_size", c.Limits.MaxUnzipSize)
	v.positiveSize("limits.worker_memory", c.Limits.WorkerMemory)
	v.atLeastOne("limits.worker_cpu_seconds", c.Limits.WorkerCPUSeconds)
	v.positiveDuration("limits.worker_timeout", c.Limits.WorkerTimeout)

	v.positiveDuration("http.unhealthy_after", c.HTTP.UnhealthyAfter)
	v.positiveDuration("http.mailbox_alert_after", c.HTTP.MailboxAlertAfter)

	if !slices.Contains([]string{"trace", "debug", "info", "warn", "error"}, c.Log.Level) {
		v.add("log.level", fmt.Sprintf("%q 不是日志级别，只能是 trace、debug、info、warn、error", c.Log.Level))
	}
	if !slices.Contains([]string{"json", "console", "auto"}, c.Log.Format) {
		v.add("log.format", fmt.Sprintf("%q 不是日志格式，只能是 json、console、auto", c.Log.Format))
	}
	if c.Roster != "" {
		if fi, err := os.Stat(c.Roster); err != nil || fi.IsDir() {
			v.add("roster", fmt.Sprintf("找不到名单文件 %s", c.Roster))
		}
	}
}

type validator struct {
	c    Config
	mode string
	errs []error
}

func (v *validator) add(key, msg string) {
	// A value Load could not read was already reported; its default is
	// what is left, and complaining about that would only confuse.
	for _, e := range v.c.loadErrs {
		var p *Problem
		if errors.As(e, &p) && p.Key == key {
			return
		}
	}
	v.errs = append(v.errs, &Problem{Key: key, Source: v.c.Source(key), Msg: msg})
}

func (v *validator) required(key, val, what string) {
	if strings.TrimSpace(val) == "" {
		src := key
		if _, set := v.c.origin[key]; set {
			src = v.c.Source(key)
		}
		v.errs = append(v.errs, &Problem{Key: key, Source: src,
			Msg: fmt.Sprintf("未设置。%s 需要%s：请在配置文件中写 %s，或设置环境变量 %s", v.mode, what, key, EnvName(key))})
	}
}

func (v *validator) nonEmpty(key, val, what string) {
	if strings.TrimSpace(val) == "" {
		v.add(key, what+"不能为空")
	}
}

func (v *validator) positiveDuration(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, fmt.Sprintf("时长必须大于 0，现为 %s", formatDuration(d)))
	}
}

func (v *validator) positiveSize(key string, n int64) {
	if n <= 0 {
		v.add(key, fmt.Sprintf("大小必须大于 0，现为 %d", n))
	}
}

func (v *validator) atLeastOne(key string, n int) {
	if n < 1 {
		v.add(key, fmt.Sprintf("必须至少为 1，现为 %d", n))
	}
}

func (v *validator) dir(key, path string) {
	if path == "" {
		return
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		v.add(key, fmt.Sprintf("找不到文件夹 %s", path))
	}
}

// server checks a mail server's address and TLS mode, refuses plain text
// to anything but this machine, and a mode that cannot be what the
// registered port speaks (RFC 8314: 465 and 993 are TLS from the first
// byte; 587 and 143 greet in plain text).
func (v *validator) server(s mailtls.Service, addr string, mode TLSMode) {
	addrKey, tlsKey := s.Key("addr"), s.Key("tls")
	if !mode.valid() {
		v.add(tlsKey, fmt.Sprintf("%q 不是加密方式，只能是 tls、starttls 或 none", mode))
	}
	if addr == "" {
		return
	}
	host, err := hostPort(addr)
	if err != nil {
		v.add(addrKey, err.Error())
		return
	}
	if mode == NoTLS && !IsLoopback(host) {
		v.add(tlsKey, fmt.Sprintf("none（不加密）只允许用于本机地址（127.0.0.1、::1、localhost），%s 是 %s：密码会明文传输，请改用 tls 或 starttls", addrKey, addr))
	}
	_, port, _ := net.SplitHostPort(addr)
	implicit, plain := "993", "143"
	if s == mailtls.SMTP {
		implicit, plain = "465", "587"
	}
	switch {
	case port == implicit && mode == NoTLS:
		v.add(tlsKey, fmt.Sprintf("%s 是 \"none\"，而 %s 用的是 %s 端口：%s 应设为 tls（%s 端口是直接 TLS）",
			tlsKey, addrKey, port, tlsKey, port))
	case port == implicit && mode == StartTLS:
		v.add(tlsKey, fmt.Sprintf("%s 是 \"starttls\"，而 %s 用的是 %s 端口：%s 应设为 tls（%s 端口是直接 TLS）；或者把端口改为 %s，保留 starttls",
			tlsKey, addrKey, port, tlsKey, port, plain))
	case port == plain && mode == TLS:
		v.add(tlsKey, fmt.Sprintf("%s 是 \"tls\"，而 %s 用的是 %s 端口：%s 应设为 starttls（%s 端口先明文连接，再用 STARTTLS 加密）；或者把端口改为 %s，保留 tls",
			tlsKey, addrKey, port, tlsKey, port, implicit))
	}
}

// caFile checks that a CA file, when set, holds a certificate.
func (v *validator) caFile(key, path string) {
	if path == "" {
		return
	}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		v.add(key, fmt.Sprintf("找不到证书文件 %s：应是签发邮件服务器证书的 CA 证书（PEM 格式）的路径", path))
		return
	}
	if _, err := mailtls.LoadRoots(path); err != nil {
		v.add(key, fmt.Sprintf("文件 %s 中没有可用的 PEM 格式证书（应以 -----BEGIN CERTIFICATE----- 开头）：%v", path, err))
	}
}

// hostPort checks "host:port" and returns the host.
func hostPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q 不是 host:port 形式的地址，应写成 \"mail.example.org:993\"", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("%q 的端口 %q 不是 0 到 65535 的数字", addr, port)
	}
	return host, nil
}

// IsLoopback reports whether host (a name or an IP, without port) is this
// machine: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func validDomain(d string) bool {
	if len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// MessageIDDomain is reply.message_id_domain, or the domain of reply.from
// when that is empty, or "localhost" when neither gives one.
func (c Config) MessageIDDomain() string {
	if c.Reply.MessageIDDomain != "" {
		return c.Reply.MessageIDDomain
	}
	if a, err := mailaddr.Parse(c.Reply.From); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i+1 < len(a.Address) {
			return a.Address[i+1:]
		}
	}
	return "localhost"
}

// FromAddress is reply.from parsed, or nil when it is unset or invalid
// (which Validate reports).
func (c Config) FromAddress() *mail.Address {
	a, err := mailaddr.Parse(c.Reply.From)
	if err != nil {
		return nil
	}
	return a
}
