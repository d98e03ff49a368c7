package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kaohe/internal/testcert"
)

// startTLSSMTP is an SMTP sink speaking TLS from the first byte, as on
// port 465, with a certificate of a CA the system does not know.
func startTLSSMTP(t *testing.T) (addr string, cert tls.Certificate) {
	t.Helper()
	cert, _ = testcert.SelfSigned(t)
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{}, nil }))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String(), cert
}

type sinkSession struct{}

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

// serve --check-config against a server speaking TLS from the first byte
// while smtp.tls is starttls: within 10 s it says which mode to set; with
// tls it says the certificate is not trusted and names smtp.ca_file; with
// the CA in smtp.ca_file it logs in.
func TestCheckConfigSMTPModeAndCA(t *testing.T) {
	t.Parallel()
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	addr, cert := startTLSSMTP(t)
	env["KAOHE_SMTP_ADDR"] = addr
	env["KAOHE_SMTP_TIMEOUT"] = "60s"

	// checkServers is what serve --check-config runs once the roster's
	// addresses pass (TestServeCheckConfig runs the whole command).
	check := func() (string, time.Duration, int) {
		var out bytes.Buffer
		start := time.Now()
		code := checkServers(context.Background(), envConfig(t, env), &out)
		return out.String(), time.Since(start), code
	}
	env["KAOHE_SMTP_TLS"] = "starttls"
	out, took, code := check()
	if code != exitNeedsFix || !strings.Contains(out, "SMTP "+addr+"：失败：") || !strings.Contains(out, "smtp.tls 应设为 tls") {
		t.Errorf("starttls against implicit TLS: exit %d\n%s", code, out)
	}
	if took > 10*time.Second {
		t.Errorf("starttls against implicit TLS took %v, want under 10 s", took)
	}

	env["KAOHE_SMTP_TLS"] = "tls"
	if out, _, code := check(); code != exitNeedsFix || !strings.Contains(out, "证书不受信任") || !strings.Contains(out, "smtp.ca_file") {
		t.Errorf("untrusted certificate: exit %d\n%s", code, out)
	}

	env["KAOHE_SMTP_CA_FILE"] = testcert.WritePEM(t, cert)
	if out, _, code := check(); code != exitOK || !strings.Contains(out, "SMTP "+addr+"：登录成功") {
		t.Errorf("with smtp.ca_file: exit %d\n%s", code, out)
	}
}

// A refused IMAP login quotes the server's reply as its own words.
func TestCheckConfigQuotesTheServer(t *testing.T) {
	srv := startMail(t)
	setEnv(t, testEnv(t, srv, t.TempDir()))
	t.Setenv("KAOHE_IMAP_PASSWORD", "wrong")
	var out bytes.Buffer
	run(context.Background(), []string{"serve", "--check-config"}, &out, io.Discard)
	if !strings.Contains(out.String(), "imap.password") || !strings.Contains(out.String(), "服务器答复：“NO") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestDescribeIMAPFailure(t *testing.T) {
	for _, tc := range []struct{ last, want string }{
		{"login as a@b: imap authentication failed: imap: NO [AUTHENTICATIONFAILED] Invalid credentials",
			"邮箱登录被拒绝，请检查 imap.password（或授权码）。服务器答复：“NO [AUTHENTICATIONFAILED] Invalid credentials”"},
		{"select INBOX: imap: NO Mailbox does not exist", "服务器答复：“NO Mailbox does not exist”"},
		{"connect 10.0.0.1:993: imap 10.0.0.1:993 speaks TLS from the first byte, but imap.tls is \"starttls\": set imap.tls = \"tls\"",
			"加密方式 imap.tls 与邮箱服务器的端口不符（kaohe serve --check-config 会说明应如何设置）。技术细节（英文原文）：“connect 10.0.0.1:993: imap 10.0.0.1:993 speaks TLS from the first byte, but imap.tls is \"starttls\": set imap.tls = \"tls\"”"},
		{"connect 10.0.0.1:993: dial tcp 10.0.0.1:993: i/o timeout", "技术细节（英文原文）：“connect 10.0.0.1:993: dial tcp 10.0.0.1:993: i/o timeout”"},
	} {
		if got := describeIMAPFailure(tc.last); got != tc.want {
			t.Errorf("describeIMAPFailure(%q) = %q, want %q", tc.last, got, tc.want)
		}
	}
}
