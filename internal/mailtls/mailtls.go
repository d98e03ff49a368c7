// Package mailtls secures the IMAP and SMTP connections: it adds an
// office's own certificate authority (imap.ca_file, smtp.ca_file) to the
// trusted roots, notices when the TLS mode does not fit what the port
// speaks, and explains both kinds of failure in Chinese, naming the
// setting to change.
package mailtls

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// Service names the connection a setting belongs to: its keys are
// "<service>.addr", "<service>.tls" and "<service>.ca_file".
type Service string

// The two mail connections.
const (
	IMAP Service = "imap"
	SMTP Service = "smtp"
)

// Key is the configuration key of the service's setting name ("tls").
func (s Service) Key(name string) string { return string(s) + "." + name }

// EnvKey is the environment variable of the service's setting.
func (s Service) EnvKey(name string) string {
	return "KAOHE_" + strings.ToUpper(string(s)+"_"+name)
}

// label is the service as staff call it.
func (s Service) label() string { return strings.ToUpper(string(s)) }

// implicitPort and startTLSPort are the registered ports of each mode.
func (s Service) implicitPort() string {
	if s == IMAP {
		return "993"
	}
	return "465"
}

func (s Service) startTLSPort() string {
	if s == IMAP {
		return "143"
	}
	return "587"
}

// LoadRoots reads a PEM file of CA certificates and returns a pool holding
// them. It fails when the file cannot be read or holds no certificate.
func LoadRoots(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate (-----BEGIN CERTIFICATE-----) in the file")
	}
	return pool, nil
}

// ClientConfig is base (cloned; nil: TLS 1.2 or later, the system roots)
// with the certificates of caFile as its roots when caFile is set, and
// ServerName the host of addr when base names none. The system roots are
// replaced, not extended: an office that names its own CA trusts that CA
// for its own server.
func ClientConfig(base *tls.Config, caFile, addr string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		conf = base.Clone()
	}
	if caFile != "" {
		pool, err := LoadRoots(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file %s: %w", caFile, err)
		}
		conf.RootCAs = pool
	}
	if conf.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			conf.ServerName = host
		}
	}
	return conf, nil
}

// MismatchError says the server at Addr speaks TLS from the first byte
// while Mode expects a plain greeting (Implicit), or the reverse.
type MismatchError struct {
	Service  Service
	Addr     string
	Mode     string // the configured mode: "tls", "starttls" or "none"
	Implicit bool   // the server speaks TLS from the first byte
	Err      error  // what the probe met, when there is one
}

func (e *MismatchError) Error() string {
	if e.Implicit {
		return fmt.Sprintf("%s %s speaks TLS from the first byte, but %s is %q: set %s = \"tls\"",
			e.Service, e.Addr, e.Service.Key("tls"), e.Mode, e.Service.Key("tls"))
	}
	return fmt.Sprintf("%s %s answers in plain text, not TLS, but %s is \"tls\": set %s = \"starttls\" (%v)",
		e.Service, e.Addr, e.Service.Key("tls"), e.Service.Key("tls"), e.Err)
}

func (e *MismatchError) Unwrap() error { return e.Err }

// CertError is a server certificate the client refused.
type CertError struct {
	Service Service
	Addr    string
	Err     error
}

func (e *CertError) Error() string {
	var host x509.HostnameError
	if errors.As(e.Err, &host) {
		return fmt.Sprintf("%s %s: %v (write the name on the certificate in %s)", e.Service, e.Addr, e.Err, e.Service.Key("addr"))
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(e.Err, &unknown) || strings.Contains(e.Err.Error(), "certificate signed by unknown authority") {
		return fmt.Sprintf("%s %s: %v (if the server uses an internal or self-signed CA, set %s to that CA's PEM certificate)",
			e.Service, e.Addr, e.Err, e.Service.Key("ca_file"))
	}
	return fmt.Sprintf("%s %s: %v", e.Service, e.Addr, e.Err)
}

func (e *CertError) Unwrap() error { return e.Err }

// Classify wraps err in a *CertError when a certificate was refused and in
// a *MismatchError when a TLS handshake met plain text, so that the log and
// Explain name the setting to change; other errors are returned as they
// are.
func Classify(service Service, addr, mode string, err error) error {
	if err == nil {
		return nil
	}
	var ce *CertError
	var me *MismatchError
	if errors.As(err, &ce) || errors.As(err, &me) {
		return err
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) || strings.Contains(err.Error(), "first record does not look like a TLS handshake") {
		return &MismatchError{Service: service, Addr: addr, Mode: mode, Err: err}
	}
	if isCertError(err) {
		return &CertError{Service: service, Addr: addr, Err: err}
	}
	return err
}

// isCertError reports a refused certificate. Some clients flatten the
// error to text, so the text is checked too.
func isCertError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "x509: ") || strings.Contains(s, "tls: failed to verify certificate")
}
