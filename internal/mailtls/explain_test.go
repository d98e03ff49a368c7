package mailtls

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"strings"
	"testing"
)

// Each explanation names the setting to change, and the registered port
// when the address uses it.
func TestExplain(t *testing.T) {
	t.Parallel()
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "mail.corp"}, DNSNames: []string{"mail.corp"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.5")}}
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"starttls on 465", &MismatchError{Service: SMTP, Addr: "smtp.x.cn:465", Mode: "starttls", Implicit: true},
			[]string{"smtp.tls 应设为 tls（465 端口是直接 TLS）", "KAOHE_SMTP_TLS"}},
		{"starttls on 993", &MismatchError{Service: IMAP, Addr: "imap.x.cn:993", Mode: "starttls", Implicit: true},
			[]string{"imap.tls 应设为 tls（993 端口是直接 TLS）"}},
		{"tls on 587", &MismatchError{Service: SMTP, Addr: "smtp.x.cn:587", Mode: "tls"},
			[]string{"smtp.tls 应设为 starttls（587 端口先明文连接"}},
		{"tls on 143", &MismatchError{Service: IMAP, Addr: "imap.x.cn:143", Mode: "tls"},
			[]string{"imap.tls 应设为 starttls（143 端口"}},
		{"tls on another port", &MismatchError{Service: IMAP, Addr: "imap.x.cn:10143", Mode: "tls"},
			[]string{"imap.tls 应设为 starttls", "端口改为 993，保留 tls"}},
		{"unknown CA", &CertError{Service: IMAP, Addr: "imap.x.cn:993", Err: x509.UnknownAuthorityError{}},
			[]string{"证书不受信任", "imap.ca_file", "KAOHE_IMAP_CA_FILE"}},
		{"name mismatch", &CertError{Service: SMTP, Addr: "10.0.0.9:465", Err: x509.HostnameError{Certificate: cert, Host: "10.0.0.9"}},
			[]string{"mail.corp、10.0.0.5", "smtp.addr 中的主机名 10.0.0.9 不符"}},
	} {
		text, ok := Explain(tc.err)
		if !ok {
			t.Errorf("%s: not explained", tc.name)
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q lacks %q", tc.name, text, w)
			}
		}
	}
}
