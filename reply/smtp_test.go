package reply

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"kaohe/internal/testcert"
)

// received is one mail the test server accepted (or swallowed).
type received struct {
	from string
	to   []string
	data []byte
}

// testServer is a go-smtp server on 127.0.0.1:0 with a scriptable backend.
type testServer struct {
	addr string
	mu   sync.Mutex
	got  []received
	// fail returns the reply for a stage ("mail", "rcpt", "data") of the
	// n-th session (from 1); nil accepts. "drop" at data closes the
	// connection after reading the final dot, without a reply.
	fail     func(stage string, session int) error
	sessions int
	user     string // when set, AUTH PLAIN is required with password "secret"
}

var errDrop = errors.New("drop")

func startServer(t *testing.T, ts *testServer, tlsConf *tls.Config, implicit bool) *testServer {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ts.mu.Lock()
		ts.sessions++
		n := ts.sessions
		ts.mu.Unlock()
		return &testSession{ts: ts, conn: c, n: n}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 5 * time.Second
	s.WriteTimeout = 5 * time.Second
	s.TLSConfig = tlsConf
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return ts
}

func (ts *testServer) mails() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.got...)
}

type testSession struct {
	ts   *testServer
	conn *smtp.Conn
	n    int
	cur  received
	auth bool
}

func (s *testSession) check(stage string) error {
	if s.ts.fail == nil {
		return nil
	}
	return s.ts.fail(stage, s.n)
}

func (s *testSession) AuthMechanisms() []string {
	if s.ts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.ts.user || pass != "secret" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		s.auth = true
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.user != "" && !s.auth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	s.cur = received{from: from}
	return s.check("mail")
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.check("rcpt"); err != nil {
		return err
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	err = s.check("data")
	if errors.Is(err, errDrop) {
		// The mail arrived whole; the reply to the final dot never leaves.
		s.cur.data = b
		s.ts.mu.Lock()
		s.ts.got = append(s.ts.got, s.cur)
		s.ts.mu.Unlock()
		s.conn.Conn().Close()
		return err
	}
	if err != nil {
		return err
	}
	s.cur.data = b
	s.ts.mu.Lock()
	s.ts.got = append(s.ts.got, s.cur)
	s.ts.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.cur = received{} }
func (s *testSession) Logout() error { return nil }

func smtpErr(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

func plainConfig(addr string) SMTPConfig {
	return SMTPConfig{Addr: addr, TLS: "none", Timeout: 5 * time.Second, HeloName: "kaohe.test"}
}

const testMsg = "From: a@b.cn\r\nTo: c@d.cn\r\nSubject: t\r\nMessage-Id: <x@y>\r\n\r\nbody\r\n"

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	if err := Send(context.Background(), plainConfig(ts.addr), "zzjgb@bjszghzbz.org.cn", []string{"chaoyang@agency.example.cn"}, []byte(testMsg)); err != nil {
		t.Fatal(err)
	}
	got := ts.mails()
	if len(got) != 1 || got[0].from != "zzjgb@bjszghzbz.org.cn" || len(got[0].to) != 1 || got[0].to[0] != "chaoyang@agency.example.cn" {
		t.Fatalf("envelope = %+v", got)
	}
	if string(got[0].data) != testMsg {
		t.Errorf("data = %q", got[0].data)
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fail      func(stage string, n int) error
		user      string
		temporary bool
		auth      bool
		code      int
		msg       string
	}{
		{"451 at DATA", func(st string, _ int) error {
			if st == "data" {
				return smtpErr(451, "try again later")
			}
			return nil
		}, "", true, false, 451, "try again"},
		{"452 at RCPT", func(st string, _ int) error {
			if st == "rcpt" {
				return smtpErr(452, "too many recipients today")
			}
			return nil
		}, "", true, false, 452, "too many"},
		{"550 at RCPT", func(st string, _ int) error {
			if st == "rcpt" {
				return smtpErr(550, "no such user")
			}
			return nil
		}, "", false, false, 550, "no such user"},
		{"554 DT:SPM at DATA", func(st string, _ int) error {
			if st == "data" {
				return smtpErr(554, "DT:SPM 163 smtp1, content rejected")
			}
			return nil
		}, "", false, false, 554, "DT:SPM"},
		{"dropped after final dot", func(st string, _ int) error {
			if st == "data" {
				return errDrop
			}
			return nil
		}, "", true, false, 0, ""},
		{"535 auth failure", nil, "office", true, true, 535, "authentication failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{fail: tc.fail, user: tc.user}, nil, false)
			cfg := plainConfig(ts.addr)
			if tc.user != "" {
				cfg.User, cfg.Password = tc.user, "wrong"
			}
			err := Send(context.Background(), cfg, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is no *SendError", err, err)
			}
			if se.Temporary != tc.temporary || se.Auth != tc.auth || se.Code != tc.code || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("SendError = %+v", se)
			}
		})
	}
}

func TestSend421AtGreeting(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("421 4.3.2 Service not available, try later\r\n"))
			c.Close()
		}
	}()
	err = Send(context.Background(), plainConfig(l.Addr().String()), "a@b.cn", []string{"c@d.cn"}, []byte(testMsg))
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary || se.Code != 421 {
		t.Fatalf("error = %#v", err)
	}
}

func TestSendRefusesPlainToRemote(t *testing.T) {
	t.Parallel()
	err := Send(context.Background(), SMTPConfig{Addr: "192.0.2.1:25", TLS: "none"}, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg))
	var se *SendError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "loopback") {
		t.Fatalf("error = %v", err)
	}
}

func TestSendTLSAndAuth(t *testing.T) {
	t.Parallel()
	cert, pool := testcert.SelfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	clientTLS := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{user: "office"}, serverTLS, mode == "tls")
			cfg := SMTPConfig{Addr: ts.addr, TLS: mode, TLSConfig: clientTLS, User: "office", Password: "secret", Timeout: 5 * time.Second}
			if err := Send(context.Background(), cfg, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg)); err != nil {
				t.Fatal(err)
			}
			if n := len(ts.mails()); n != 1 {
				t.Errorf("server got %d mails", n)
			}
			// A certificate we do not trust is refused before any AUTH.
			bad := cfg
			bad.TLSConfig = &tls.Config{ServerName: "localhost"}
			if err := Send(context.Background(), bad, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg)); err == nil {
				t.Error("untrusted certificate accepted")
			}
		})
	}
}

func TestCheckSMTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{user: "office"}, nil, false)
	cfg := plainConfig(ts.addr)
	cfg.User, cfg.Password = "office", "secret"
	if err := CheckSMTP(context.Background(), cfg); err != nil {
		t.Fatalf("good login: %v", err)
	}
	cfg.Password = "wrong"
	err := CheckSMTP(context.Background(), cfg)
	var se *SendError
	if !errors.As(err, &se) || !se.Auth || se.Code != 535 {
		t.Errorf("bad login: %v", err)
	}
	if n := len(ts.mails()); n != 0 {
		t.Errorf("CheckSMTP sent %d mails", n)
	}
}

func TestSendCancelled(t *testing.T) {
	t.Parallel()
	// A server that accepts and never greets: only the context ends it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	cfg := plainConfig(l.Addr().String())
	cfg.Timeout = time.Minute
	err = Send(ctx, cfg, "a@b.cn", []string{"c@d.cn"}, []byte(testMsg))
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary {
		t.Errorf("error = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
}
