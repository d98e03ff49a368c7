package mailbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kaohe/internal/mailtls"
	"kaohe/internal/testcert"
)

// An office's own CA: the server's certificate is refused with the system
// roots, the refusal names imap.ca_file, and the same CA saved as a PEM
// file in CAFile is trusted, over implicit TLS and over STARTTLS.
func TestCAFileTrustsAnOfficeCA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		implicit bool
		mode     TLSMode
	}{
		{"implicit TLS", true, TLSImplicit},
		{"STARTTLS", false, TLSStartTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, cert := startTLSServerCert(t, tc.implicit)
			cfg := testConfig(addr, testLogger(t))
			cfg.TLS = tc.mode

			_, err := Inspect(context.Background(), cfg)
			var ce *mailtls.CertError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "imap.ca_file") {
				t.Fatalf("untrusted certificate: error %v, want a *mailtls.CertError naming imap.ca_file", err)
			}
			if text, ok := mailtls.Explain(err); !ok || !strings.Contains(text, "imap.ca_file") || !strings.Contains(text, "KAOHE_IMAP_CA_FILE") {
				t.Errorf("explanation %q does not name imap.ca_file and its variable", text)
			}

			cfg.CAFile = testcert.WritePEM(t, cert)
			if _, err := Inspect(context.Background(), cfg); err != nil {
				t.Fatalf("with ca_file: %v", err)
			}
		})
	}
}

// A TLS mode that does not fit the port is found out within 10 s, however
// long the command timeout, and the error says which mode to set.
func TestTLSModeMismatchFoundFast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		implicit     bool // the server speaks TLS from the first byte
		mode         TLSMode
		wantImplicit bool
		want         string
	}{
		{"starttls against implicit TLS", true, TLSStartTLS, true, "imap.tls 应设为 tls"},
		{"none against implicit TLS", true, TLSNone, true, "imap.tls 应设为 tls"},
		{"tls against a plain greeting", false, TLSImplicit, false, "imap.tls 应设为 starttls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, cert := startTLSServerCert(t, tc.implicit)
			cfg := testConfig(addr, testLogger(t))
			cfg.TLS, cfg.CommandTimeout = tc.mode, time.Minute
			cfg.CAFile = testcert.WritePEM(t, cert)
			start := time.Now()
			_, err := Inspect(context.Background(), cfg)
			took := time.Since(start)
			var me *mailtls.MismatchError
			if !errors.As(err, &me) || me.Implicit != tc.wantImplicit {
				t.Fatalf("error %v, want a mismatch (implicit %v)", err, tc.wantImplicit)
			}
			if took > 10*time.Second {
				t.Errorf("took %v, want under 10 s", took)
			}
			if text, _ := mailtls.Explain(err); !strings.Contains(text, tc.want) {
				t.Errorf("explanation %q lacks %q", text, tc.want)
			}
		})
	}
}
