package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/internal/testcert"
)

// A CA file must exist and hold a PEM certificate; the refusal names the
// key and says what the file should be.
func TestCAFileValidated(t *testing.T) {
	t.Parallel()
	cert, _ := testcert.SelfSigned(t)
	good := testcert.WritePEM(t, cert)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(notPEM, cert.Certificate[0], 0o600); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name, path, want string // want: "" accepted, else a part of the refusal
	}{
		{"unset", "", ""},
		{"PEM certificate", good, ""},
		{"missing file", filepath.Join(dir, "nope.pem"), "找不到证书文件"},
		{"a folder", dir, "找不到证书文件"},
		{"DER, not PEM", notPEM, "没有可用的 PEM 格式证书"},
	}
	for _, r := range rows {
		for _, proto := range []string{"IMAP", "SMTP"} {
			t.Run(r.name+" "+proto, func(t *testing.T) {
				env := served(t)
				env["KAOHE_"+proto+"_CA_FILE"] = r.path
				c, err := LoadFor("", envMap(env), ModeServe)
				if r.want == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					got := c.IMAP.CAFile
					if proto == "SMTP" {
						got = c.SMTP.CAFile
					}
					if got != r.path {
						t.Errorf("CAFile = %q, want %q", got, r.path)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), r.want) || !strings.Contains(err.Error(), "KAOHE_"+proto+"_CA_FILE") {
					t.Errorf("error %v, want one naming KAOHE_%s_CA_FILE and saying %q", err, proto, r.want)
				}
			})
		}
	}
}

// A relative ca_file in the file is taken relative to the file's folder.
func TestCAFileRelativeToConfig(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "kaohe.toml", "[smtp]\nca_file = \"certs/ca.pem\"\n")
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "certs", "ca.pem"); c.SMTP.CAFile != want {
		t.Errorf("smtp.ca_file = %q, want %q", c.SMTP.CAFile, want)
	}
}

// The registered ports decide the mode: 465 and 993 are TLS from the first
// byte, 587 and 143 plain text upgraded by STARTTLS.
func TestTLSModeFitsPort(t *testing.T) {
	t.Parallel()
	rows := []struct {
		proto, addr, mode, want string // want: "" accepted, else a part of the refusal
	}{
		{"SMTP", "smtp.example.org:465", "tls", ""},
		{"SMTP", "smtp.example.org:587", "starttls", ""},
		{"SMTP", "smtp.example.org:25", "starttls", ""},
		{"SMTP", "smtp.example.org:2525", "tls", ""},
		{"SMTP", "smtp.example.org:465", "starttls", "smtp.tls 应设为 tls（465 端口是直接 TLS）"},
		{"SMTP", "smtp.example.org:587", "tls", "smtp.tls 应设为 starttls（587 端口先明文连接"},
		{"SMTP", "127.0.0.1:465", "none", "smtp.tls 应设为 tls"},
		{"IMAP", "imap.example.org:993", "tls", ""},
		{"IMAP", "imap.example.org:143", "starttls", ""},
		{"IMAP", "imap.example.org:993", "starttls", "imap.tls 应设为 tls（993 端口是直接 TLS）"},
		{"IMAP", "imap.example.org:143", "tls", "imap.tls 应设为 starttls（143 端口先明文连接"},
	}
	for _, r := range rows {
		t.Run(r.proto+" "+r.addr+" "+r.mode, func(t *testing.T) {
			env := served(t)
			env["KAOHE_"+r.proto+"_ADDR"] = r.addr
			env["KAOHE_"+r.proto+"_TLS"] = r.mode
			_, err := LoadFor("", envMap(env), ModeServe)
			if r.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), r.want) {
				t.Errorf("error %v, want %q", err, r.want)
			}
		})
	}
}

// The example pairs each server's port with the mode it speaks: loaded as
// it is (with the passwords set), it validates.
func TestExamplePortsFitModes(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "kaohe.toml", Example())
	env := envMap(map[string]string{"KAOHE_IMAP_PASSWORD": "a", "KAOHE_SMTP_PASSWORD": "b", "KAOHE_DATA_DIR": t.TempDir()})
	c, err := LoadFor(path, env, ModeServe)
	if err != nil {
		t.Fatalf("example refused: %v", err)
	}
	if !strings.HasSuffix(c.SMTP.Addr, ":587") || c.SMTP.TLS != StartTLS || !strings.HasSuffix(c.IMAP.Addr, ":993") || c.IMAP.TLS != TLS {
		t.Errorf("example pairs smtp %s with %s and imap %s with %s", c.SMTP.Addr, c.SMTP.TLS, c.IMAP.Addr, c.IMAP.TLS)
	}
}
