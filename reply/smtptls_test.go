package reply

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kaohe/internal/mailtls"
	"kaohe/internal/testcert"
)

// An office's own CA: refused with the system roots, with an explanation
// naming smtp.ca_file; trusted once its certificate is in CAFile.
func TestSMTPCAFile(t *testing.T) {
	t.Parallel()
	cert, _ := testcert.SelfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	caFile := testcert.WritePEM(t, cert)
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{user: "office"}, serverTLS, mode == "tls")
			cfg := SMTPConfig{Addr: ts.addr, TLS: mode, User: "office", Password: "secret", Timeout: 5 * time.Second}
			err := CheckSMTP(context.Background(), cfg)
			var ce *mailtls.CertError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "smtp.ca_file") {
				t.Fatalf("untrusted certificate: %v, want a *mailtls.CertError naming smtp.ca_file", err)
			}
			if text := ExplainSMTP(err); !strings.Contains(text, "smtp.ca_file") || !strings.Contains(text, "KAOHE_SMTP_CA_FILE") {
				t.Errorf("explanation %q names neither smtp.ca_file nor its variable", text)
			}
			cfg.CAFile = caFile
			if err := CheckSMTP(context.Background(), cfg); err != nil {
				t.Fatalf("with ca_file: %v", err)
			}
			if err := Send(context.Background(), cfg, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg)); err != nil || len(ts.mails()) != 1 {
				t.Fatalf("send with ca_file: %v, %d mails", err, len(ts.mails()))
			}
		})
	}
}

// smtp.addr on 465 with starttls (as the example once paired them) is
// found out within 10 s, not after the 60 s timeout, and the reverse at
// once; each explanation names the mode to set.
func TestSMTPModeMismatch(t *testing.T) {
	t.Parallel()
	cert, _ := testcert.SelfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	caFile := testcert.WritePEM(t, cert)
	for _, tc := range []struct {
		name     string
		implicit bool // the server speaks TLS from the first byte
		mode     string
		want     string
	}{
		{"starttls against implicit TLS", true, "starttls", "smtp.tls 应设为 tls"},
		{"none against implicit TLS", true, "none", "smtp.tls 应设为 tls"},
		{"tls against a plain greeting", false, "tls", "smtp.tls 应设为 starttls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{}, serverTLS, tc.implicit)
			cfg := SMTPConfig{Addr: ts.addr, TLS: tc.mode, CAFile: caFile, Timeout: time.Minute}
			start := time.Now()
			err := CheckSMTP(context.Background(), cfg)
			took := time.Since(start)
			var me *mailtls.MismatchError
			if !errors.As(err, &me) {
				t.Fatalf("error %v, want a mode mismatch", err)
			}
			if took > 10*time.Second {
				t.Errorf("took %v, want under 10 s", took)
			}
			if text := ExplainSMTP(err); !strings.Contains(text, tc.want) {
				t.Errorf("explanation %q lacks %q", text, tc.want)
			}
		})
	}
}

// The server's words are quoted and labelled as its own.
func TestExplainSMTPQuotesTheServer(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{user: "office"}, nil, false)
	cfg := SMTPConfig{Addr: ts.addr, TLS: "none", User: "office", Password: "wrong", Timeout: 5 * time.Second}
	err := CheckSMTP(context.Background(), cfg)
	if text := ExplainSMTP(err); !strings.Contains(text, "smtp.password") || !strings.Contains(text, "服务器答复：“535 authentication failed”") {
		t.Errorf("explanation %q", text)
	}
	refused := &SendError{Code: 550, Msg: "5.1.1 mailbox unavailable", Err: &smtp.SMTPError{Code: 550}}
	for _, tc := range []struct{ stored, want string }{
		{refused.Error(), "服务器答复：“550 5.1.1 mailbox unavailable”"},
		{(&SendError{Temporary: true, Msg: "dial tcp 10.0.0.1:25: i/o timeout"}).Error(), "无法连接发信服务器。技术细节（英文原文）：“dial tcp 10.0.0.1:25: i/o timeout”"},
		{"something else", "技术细节（英文原文）：“something else”"},
	} {
		if got := DescribeFailure(tc.stored); got != tc.want {
			t.Errorf("DescribeFailure(%q) = %q, want %q", tc.stored, got, tc.want)
		}
	}
}
