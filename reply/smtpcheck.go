package reply

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"kaohe/internal/mailtls"
)

// CheckSMTP connects, secures and logs in as a delivery would, then quits
// without sending, for `serve --check-config`. The error is a *SendError.
func CheckSMTP(ctx context.Context, cfg SMTPConfig) error {
	c, done, err := login(ctx, cfg)
	if err != nil {
		return asSendError(err)
	}
	defer done()
	_ = c.Quit()
	return nil
}

// ServerSaid quotes a mail server's own (English) words inside Chinese
// text, labelled as the server's, so that a reader does not take them for
// ours: 服务器答复：“535 5.7.8 Authentication failed”.
func ServerSaid(words string) string {
	return "服务器答复：“" + strings.TrimSpace(words) + "”"
}

// Details quotes an English error of the program or the network, labelled
// as technical detail.
func Details(words string) string {
	return "技术细节（英文原文）：“" + strings.TrimSpace(words) + "”"
}

// ExplainSMTP says in Chinese what a failed SMTP session means and what to
// change, quoting the server's words as ServerSaid does.
func ExplainSMTP(err error) string {
	if text, ok := mailtls.Explain(err); ok {
		return text
	}
	se := asSendError(err)
	said := ""
	if se.Code != 0 {
		said = ServerSaid(fmt.Sprintf("%d %s", se.Code, se.Msg))
	}
	switch {
	case se.Auth && se.Code != 0:
		return "登录被拒绝：请检查 smtp.user 和 smtp.password（有的邮件服务商要求用“授权码”代替登录密码）。" + said
	case se.Auth:
		return "服务器不支持用户名密码登录（AUTH PLAIN 或 LOGIN）：请确认 smtp.addr 是发信（submission）服务器。" + Details(se.Msg)
	case se.Code != 0:
		return said
	}
	return ExplainNetwork(err, "smtp.addr")
}

// ExplainNetwork names the usual network failures in Chinese; key is the
// address setting to check ("smtp.addr").
func ExplainNetwork(err error, key string) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		return fmt.Sprintf("找不到服务器 %s：请检查 %s 中的主机名。", dns.Name, key) + Details(err.Error())
	case errors.As(err, &op) && op.Op == "dial" && strings.Contains(err.Error(), "refused"):
		return fmt.Sprintf("连接被拒绝：这个端口上没有邮件服务，请检查 %s 中的端口。", key) + Details(err.Error())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("连接超时：服务器没有应答，请检查 %s 和网络（防火墙）。", key) + Details(err.Error())
	}
	// The other server's port: each greets in its own protocol.
	text := err.Error()
	switch {
	case key == "smtp.addr" && (strings.Contains(text, "* OK") || strings.Contains(text, "IMAP4")):
		return "这个端口上是收信（IMAP）服务器，不是发信（SMTP）服务器：请把 smtp.addr 改成发信服务器的端口（通常 465 或 587）。" + Details(text)
	case key == "imap.addr" && (strings.Contains(text, `tag "220"`) || strings.Contains(text, "ESMTP")):
		return "这个端口上是发信（SMTP）服务器，不是收信（IMAP）服务器：请把 imap.addr 改成收信服务器的端口（通常 993 或 143）。" + Details(text)
	}
	return "连接失败。" + Details(text)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// storedFailure matches SendError.Error(): "smtp permanent failure: 550 5.1.1 text".
var storedFailure = regexp.MustCompile(`^smtp (?:permanent|temporary) failure: (?:([2-5]\d\d) )?(.*)$`)

// DescribeFailure is the Chinese text of a failed delivery recorded in the
// outbox (the text of a *SendError), for staff notices: the server's reply
// quoted as its own words, anything else as technical detail.
func DescribeFailure(lastError string) string {
	lastError = strings.TrimSpace(lastError)
	if lastError == "" {
		return ""
	}
	m := storedFailure.FindStringSubmatch(lastError)
	switch {
	case m == nil:
		return Details(lastError)
	case m[1] != "":
		return ServerSaid(m[1] + " " + m[2])
	}
	return "无法连接发信服务器。" + Details(m[2])
}
