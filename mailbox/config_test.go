package mailbox

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"

	"kaohe/internal/dovecottest"
	"kaohe/internal/fault"
)

func TestMailboxConfigValidate(t *testing.T) {
	t.Parallel()
	good := Config{Addr: "imap.163.com:993", TLS: TLSImplicit, User: "a@163.com", Password: "pw"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr []string // substrings; none means valid
	}{
		{name: "defaults are valid", edit: func(*Config) {}},
		{name: "starttls", edit: func(c *Config) { c.TLS = TLSStartTLS }},
		{name: "none on 127.0.0.1", edit: func(c *Config) { c.TLS, c.Addr = TLSNone, "127.0.0.1:143" }},
		{name: "none on ::1", edit: func(c *Config) { c.TLS, c.Addr = TLSNone, "[::1]:143" }},
		{name: "none on localhost", edit: func(c *Config) { c.TLS, c.Addr = TLSNone, "localhost:143" }},
		{name: "none on a remote host", edit: func(c *Config) { c.TLS = TLSNone }, wantErr: []string{"loopback"}},
		{name: "none on a LAN address", edit: func(c *Config) { c.TLS, c.Addr = TLSNone, "10.0.0.5:143" }, wantErr: []string{"loopback"}},
		{name: "unknown tls mode", edit: func(c *Config) { c.TLS = "ssl" }, wantErr: []string{`tls "ssl"`}},
		{name: "missing port", edit: func(c *Config) { c.Addr = "imap.163.com" }, wantErr: []string{"host:port"}},
		{name: "idle above 10 min", edit: func(c *Config) { c.IdleMax = 29 * time.Minute }, wantErr: []string{"idle max"}},
		{name: "done equals mailbox", edit: func(c *Config) { c.Done = "inbox" }, wantErr: []string{"must differ"}},
		{name: "fast auth retry refused", edit: func(c *Config) { c.AuthBackoff = time.Second }, wantErr: []string{"auth backoff"}},
		{name: "fast auth retry for tests", edit: func(c *Config) { c.AuthBackoff, c.AllowFastAuthRetry = time.Second, true }},
		{name: "bad keyword", edit: func(c *Config) { c.DoneKeyword = "$a b" }, wantErr: []string{"keyword"}},
		{
			name:    "every error at once",
			edit:    func(c *Config) { c.User, c.Password, c.TLS = "", "", "x" },
			wantErr: []string{"user is empty", "password is empty", `tls "x"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			err := c.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: nil, want %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMailboxConfigNeverShowsPassword(t *testing.T) {
	t.Parallel()
	c := Config{Addr: "imap.qq.com:993", User: "u@qq.com", Password: "授权码-secret"}
	var buf dovecottest.SyncBuffer
	logger := zerolog.New(&buf)
	logger.Info().Object("imap", c).Msg("config")
	for _, s := range []string{c.String(), buf.String()} {
		if strings.Contains(s, "secret") || !strings.Contains(s, "u@qq.com") {
			t.Errorf("%q: want the user and no password", s)
		}
	}
}

// TestReconnectDelay pins the reconnect delays of the default settings.
func TestReconnectDelay(t *testing.T) {
	t.Parallel()
	minD, maxD := DefaultMinBackoff, DefaultMaxBackoff
	tests := []struct {
		name   string
		n      int
		r      float64
		lo, hi time.Duration
	}{
		{name: "first failure, low jitter", n: 1, r: 0, lo: 500 * time.Millisecond, hi: 500 * time.Millisecond},
		{name: "first failure, high jitter", n: 1, r: 0.999, lo: 990 * time.Millisecond, hi: time.Second},
		{name: "doubles", n: 4, r: 0, lo: 4 * time.Second, hi: 4 * time.Second},
		{name: "capped", n: 20, r: 0.999, lo: 299 * time.Second, hi: maxD},
		{name: "huge n does not overflow", n: 5000, r: 0.5, lo: 225 * time.Second, hi: 225 * time.Second},
		{name: "zero n treated as first", n: 0, r: 0, lo: 500 * time.Millisecond, hi: 500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fault.Backoff(tc.n, minD, maxD, tc.r)
			if d < tc.lo || d > tc.hi {
				t.Errorf("reconnect delay (n=%d, r=%v) = %v, want [%v, %v]", tc.n, tc.r, d, tc.lo, tc.hi)
			}
		})
	}
}

// TestLoginRefusalsArePermanent: the Watcher retries them slowly, any
// other session error at the normal pace.
func TestLoginRefusalsArePermanent(t *testing.T) {
	t.Parallel()
	refused := &imap.Error{Type: imap.StatusResponseTypeNo, Text: "LOGIN failed"}
	for _, err := range []error{
		fmt.Errorf("login as office: %w: %w", ErrAuthFailed, refused),
		fmt.Errorf("%w: %v", ErrUnsafeLogin, refused),
	} {
		if fault.IsTemporaryOrUnspec(err) {
			t.Errorf("%v: taken as temporary", err)
		}
		if !errors.Is(err, ErrAuthFailed) && !errors.Is(err, ErrUnsafeLogin) {
			t.Errorf("%v: sentinel lost", err)
		}
	}
	for _, err := range []error{refused, ErrCommandTimeout, fmt.Errorf("select: %w", io.ErrUnexpectedEOF)} {
		if !fault.IsTemporaryOrUnspec(err) {
			t.Errorf("%v: taken as permanent", err)
		}
	}
}

func TestBodyDeadline(t *testing.T) {
	t.Parallel()
	base := 2 * time.Minute
	if d := bodyDeadline(base, 0); d != base {
		t.Errorf("empty body: %v, want %v", d, base)
	}
	// 20 MiB at 32 KiB/s is 640 s on top of the base.
	if d := bodyDeadline(base, 20<<20); d != base+640*time.Second {
		t.Errorf("20 MiB: %v, want %v", d, base+640*time.Second)
	}
}

func TestTraceWriterRedacts(t *testing.T) {
	t.Parallel()
	var buf dovecottest.SyncBuffer
	w := newTraceWriter(zerolog.New(&buf).Level(zerolog.TraceLevel))
	chunks := []string{
		"* OK ready\r\n",
		"T1 login \"u\" {9}\r\n", // literal password follows
		"+ go ahead\r\n",
		"pw-secret\r\n",
		"T1 OK done\r\n",
		"T2 SELECT INBOX\r\n",
		"T3 AUTHENTICATE PLAIN AHUAcHctc2VjcmV0\r\n",
	}
	for _, c := range chunks {
		w.Write([]byte(c))
	}
	out := buf.String()
	for _, leak := range []string{"pw-secret", "AHUAcHctc2VjcmV0"} {
		if strings.Contains(out, leak) {
			t.Errorf("trace leaks %q", leak)
		}
	}
	if !strings.Contains(out, "T2 SELECT INBOX") {
		t.Errorf("trace lost ordinary traffic: %s", out)
	}
}

func TestDropCapTokens(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"untagged", "* CAPABILITY IMAP4rev1 IDLE MOVE UIDPLUS\r\n", "* CAPABILITY IMAP4rev1 IDLE\r\n"},
		{"in response code", "T1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n", "T1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(dropCapTokens([]byte(tc.in), []string{"MOVE", "UIDPLUS"})); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewWatcherEnforcesBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       Config
		wantIdle  time.Duration
		wantAuthB time.Duration
	}{
		{name: "defaults", cfg: Config{}, wantIdle: DefaultIdleMax, wantAuthB: DefaultAuthBackoff},
		{name: "idle capped", cfg: Config{IdleMax: 29 * time.Minute}, wantIdle: MaxIdleMax, wantAuthB: DefaultAuthBackoff},
		{name: "auth raised", cfg: Config{AuthBackoff: 5 * time.Second}, wantIdle: DefaultIdleMax, wantAuthB: time.Minute},
		{name: "auth fast for tests", cfg: Config{AuthBackoff: 5 * time.Second, AllowFastAuthRetry: true}, wantIdle: DefaultIdleMax, wantAuthB: 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWatcher(tc.cfg, newMemCursor(), newRecorder().handle)
			if w.cfg.IdleMax != tc.wantIdle || w.cfg.AuthBackoff != tc.wantAuthB {
				t.Errorf("IdleMax %v AuthBackoff %v, want %v %v", w.cfg.IdleMax, w.cfg.AuthBackoff, tc.wantIdle, tc.wantAuthB)
			}
		})
	}
}
