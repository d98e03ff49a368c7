package main

import "strings"

// connHint says in Chinese what a failed IMAP or SMTP connection most likely
// means and what to change, from the error's text (the errors come from
// several libraries and from the kernel, and the staff notices only keep the
// text). It returns "" when the error is not one it recognises. server is
// "imap" or "smtp", the configuration section whose addr is at fault.
func connHint(server, detail string) string {
	d := strings.ToLower(detail)
	key := server + ".addr"
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(d, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("connection refused"):
		return "这个地址上没有服务在监听（连接被拒绝）：" + key + " 的主机或端口写错了，或者服务器没有启动"
	case has("no such host", "server misbehaving"):
		return "找不到这个主机名：请核对 " + key + " 中主机名的拼写和本机的域名解析（DNS）"
	case has("first record does not look like a tls handshake"):
		return "服务器在这个端口上不用 TLS：请核对 " + server + ".tls（端口 993、465 用 tls，143、587 用 starttls）"
	case server == "smtp" && has("* ok", "imap4", "dovecot"):
		return "这个端口上是收信（IMAP）服务器，不是发信（SMTP）服务器：请把 smtp.addr 改成发信服务器的端口（通常 465 或 587）"
	case server == "imap" && has(`tag "220"`, " esmtp", "220 "):
		return "这个端口上是发信（SMTP）服务器，不是收信（IMAP）服务器：请把 imap.addr 改成收信服务器的端口（通常 993 或 143）"
	case has("authenticationfailed", "authentication failed", "535 ", "invalid credentials"):
		return "用户名或密码不对（有的服务商要求用“授权码”代替登录密码）：请核对 " + server + ".user 和密码"
	case has("x509", "certificate"):
		return "服务器的证书无法验证：请核对 " + key + " 中的主机名是否与证书一致"
	case has("i/o timeout", "deadline exceeded", "timed out"):
		return "连接超时：主机不可达，或防火墙挡住了这个端口；请核对 " + key
	case has("eof", "connection reset", "short response", "malformed"):
		return "服务器接受连接后的回答不像" + strings.ToUpper(server) + "服务器：请核对 " + key + " 的端口和 " + server + ".tls"
	}
	return ""
}

// connFailure is the Chinese line of a failed login: the hint first, the
// error itself after it for whoever must dig further.
func connFailure(server string, err error) string {
	if h := connHint(server, err.Error()); h != "" {
		return h + "。（技术细节：" + err.Error() + "）"
	}
	return err.Error()
}
