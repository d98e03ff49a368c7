package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"kaohe/internal/testcert"
)

// startTLSServer runs the memory server with implicit TLS (implicit true)
// or STARTTLS, and returns its address and the pool trusting its cert.
func startTLSServer(t *testing.T, implicit bool) (string, *x509.CertPool) {
	t.Helper()
	addr, cert := startTLSServerCert(t, implicit)
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return addr, pool
}

// startTLSServerCert is startTLSServer returning the server's certificate.
func startTLSServerCert(t *testing.T, implicit bool) (string, tls.Certificate) {
	t.Helper()
	cert, _ := testcert.SelfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   capsFull,
		Logger: log.New(io.Discard, "", 0),
	}
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	} else {
		opts.TLSConfig = serverTLS
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), cert
}

// TestOnceOverTLS runs a Once pass over implicit TLS and over STARTTLS with
// certificate verification on, and checks that an untrusted certificate is
// refused.
func TestOnceOverTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		implicit bool
		mode     TLSMode
	}{
		{name: "implicit TLS", implicit: true, mode: TLSImplicit},
		{name: "STARTTLS", implicit: false, mode: TLSStartTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, pool := startTLSServer(t, tc.implicit)
			cfg := testConfig(addr, testLogger(t))
			cfg.TLS = tc.mode
			cfg.TLSConfig = &tls.Config{RootCAs: pool}

			// Untrusted: the system pool does not know the test CA.
			bad := cfg
			bad.TLSConfig = nil
			if err := NewWatcher(bad, newMemCursor(), newRecorder().handle).Once(context.Background()); err == nil {
				t.Fatal("Once with an untrusted certificate succeeded")
			}

			appendOverTLS(t, addr, tc.implicit, pool)
			rec := newRecorder()
			if err := NewWatcher(cfg, newMemCursor(), rec.handle).Once(context.Background()); err != nil {
				t.Fatalf("Once: %v", err)
			}
			var nums []int
			for _, m := range rec.handled() {
				nums = append(nums, subjectNum(t, m.Raw))
			}
			if !slices.Equal(nums, []int{1, 2}) {
				t.Errorf("handled %v, want [1 2]", nums)
			}
			rep, err := Inspect(context.Background(), cfg)
			if err != nil || rep.Messages != 0 || !rep.DoneExists || rep.MarkMode != "move" {
				t.Errorf("Inspect after Once: %+v, %v; want an empty INBOX, Processed present, move", rep, err)
			}
		})
	}
}

// appendOverTLS appends messages 1 and 2 through a verified TLS client.
func appendOverTLS(t *testing.T, addr string, implicit bool, pool *x509.CertPool) {
	t.Helper()
	cfg := testConfig(addr, testLogger(t))
	cfg.TLS, cfg.TLSConfig = TLSStartTLS, &tls.Config{RootCAs: pool}
	if implicit {
		cfg.TLS = TLSImplicit
	}
	s, err := dialSession(context.Background(), cfg.WithDefaults(), cfg.Logger, nil)
	if err != nil {
		t.Fatalf("dial for append: %v", err)
	}
	defer s.close(true)
	for n := 1; n <= 2; n++ {
		raw := testMessage(n, 0)
		cmd := s.c.Append("INBOX", int64(len(raw)), nil)
		cmd.Write(raw)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOnceChineseDoneMailbox: a Done folder named in Chinese (modified
// UTF-7 on the wire) is created and used.
func TestOnceChineseDoneMailbox(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.Done = "已处理"
	if err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if done := readMailbox(t, ts.addr, "已处理"); !slices.Equal(done.nums, []int{1, 2}) {
		t.Errorf("已处理 holds %v, want [1 2]", done.nums)
	}
	// A second run finds the folder instead of failing to create it again.
	appendMessages(t, ts.addr, "INBOX", 3, 3, 0)
	if err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if done := readMailbox(t, ts.addr, "已处理"); len(done.nums) != 3 {
		t.Errorf("已处理 holds %v, want 3 messages", done.nums)
	}
}
