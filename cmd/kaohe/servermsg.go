package main

import (
	"errors"
	"strings"

	"github.com/emersion/go-imap/v2"

	"kaohe/internal/mailtls"
	"kaohe/mailbox"
	"kaohe/reply"
)

// explainIMAP says in Chinese what a failed IMAP session means and what to
// change; the server's own words are quoted and labelled as such.
func explainIMAP(err error) string {
	if text, ok := mailtls.Explain(err); ok {
		return text
	}
	said := ""
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		said = reply.ServerSaid(imapWords(ierr))
	}
	switch {
	case errors.Is(err, mailbox.ErrAuthFailed):
		return "登录被拒绝：请检查 imap.user 和 imap.password（有的邮件服务商要求用“授权码”代替登录密码，并要在网页邮箱的设置中开启 IMAP）。" + said
	case errors.Is(err, mailbox.ErrUnsafeLogin):
		return "服务器以“不安全登录”为由拒绝打开邮箱：请在网页邮箱的设置中开启 IMAP/SMTP 服务并使用授权码。" + said
	case said != "":
		return said
	case errors.Is(err, mailbox.ErrCommandTimeout):
		return "服务器在 imap.command_timeout 内没有应答：请检查 imap.addr 和网络。" + reply.Details(err.Error())
	}
	return reply.ExplainNetwork(err, "imap.addr")
}

// imapWords is a server's tagged reply as it sent it: "NO [AUTHENTICATIONFAILED] Invalid credentials".
func imapWords(e *imap.Error) string {
	s := string(e.Type)
	if e.Code != "" {
		s += " [" + string(e.Code) + "]"
	}
	return s + " " + e.Text
}

// describeIMAPFailure is the Chinese text of the watcher's last error (as
// mailbox.Status keeps it, as text) for a staff alert.
func describeIMAPFailure(lastError string) string {
	if lastError == "" {
		return ""
	}
	_, words, said := strings.Cut(lastError, "imap: ") // *imap.Error's text: the server's reply follows
	switch {
	case strings.Contains(lastError, "imap.ca_file"):
		return "邮箱服务器的证书不受信任：若它由单位内部的证书机构签发，请设置 imap.ca_file（kaohe serve --check-config 会说明怎么做）。" + reply.Details(lastError)
	case strings.Contains(lastError, "set imap.tls"):
		return "加密方式 imap.tls 与邮箱服务器的端口不符（kaohe serve --check-config 会说明应如何设置）。" + reply.Details(lastError)
	case said && strings.Contains(lastError, mailbox.ErrAuthFailed.Error()):
		return "邮箱登录被拒绝，请检查 imap.password（或授权码）。" + reply.ServerSaid(words)
	case said:
		return reply.ServerSaid(words)
	}
	return reply.Details(lastError)
}
