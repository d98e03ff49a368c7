package reply

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"kaohe/internal/fault"
	"kaohe/internal/mailtls"
)

// SMTPConfig says how to reach the submission server.
type SMTPConfig struct {
	Addr string // host:port
	// TLS is "tls" (implicit, port 465), "starttls" (port 587) or "none",
	// which is allowed only to a loopback address.
	TLS       string
	TLSConfig *tls.Config // nil: system roots, ServerName from Addr
	// CAFile, when set, is a PEM file of the CA certificates that signed
	// the server's certificate (smtp.ca_file); it replaces the system's
	// roots and is read at every connection.
	CAFile   string
	User     string
	Password string
	Timeout  time.Duration // per command and for the dial; 0: 60 s
	HeloName string        // "" : localhost
}

// SendError is a failed delivery, classified for the outbox.
type SendError struct {
	Temporary bool   // try again later
	Code      int    // the SMTP reply code; 0 for network and local errors
	Msg       string // what the server or the network said
	// Auth is set for an authentication failure (535 and the like): it is
	// temporary, but every mail would fail the same way, so the sender stops
	// the batch, backs off long and staff must be told.
	Auth bool
	// BeforeData is set when the server refused before the message was
	// handed over (connecting, greeting, login, MAIL, RCPT, DATA): the mail
	// was certainly not delivered.
	BeforeData bool
	Err        error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("smtp %s failure: %d %s", kind, e.Code, e.Msg)
	}
	return fmt.Sprintf("smtp %s failure: %s", kind, e.Msg)
}

func (e *SendError) Unwrap() error { return e.Err }

// Send delivers raw to the recipients through the configured server, with
// from as the envelope sender. The error, when not nil, is a *SendError.
// Cancelling ctx aborts the session.
func Send(ctx context.Context, cfg SMTPConfig, from string, to []string, raw []byte) error {
	if err := send(ctx, cfg, from, to, raw); err != nil {
		var ad afterData
		se := asSendError(err)
		se.BeforeData = !errors.As(err, &ad)
		return se
	}
	return nil
}

// afterData marks an error met while or after the message was handed over:
// the server may have it.
type afterData struct{ error }

func (e afterData) Unwrap() error { return e.error }

func send(ctx context.Context, cfg SMTPConfig, from string, to []string, raw []byte) error {
	if len(to) == 0 {
		return &SendError{Msg: "no recipient"}
	}
	c, done, err := login(ctx, cfg)
	if err != nil {
		return err
	}
	accepted := false
	defer func() {
		if !accepted {
			done()
		}
	}()
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return afterData{err}
	}
	if err := w.Close(); err != nil {
		return afterData{err}
	}
	// The mail is accepted. QUIT, whose failure changes nothing, is said
	// after we return, so that the caller records the delivery a round trip
	// sooner: a crash before that record means a resend.
	accepted = true
	go func() {
		_ = c.Quit()
		done()
	}()
	return nil
}

// login connects, secures the connection and authenticates. done closes
// the client and stops watching ctx.
func login(ctx context.Context, cfg SMTPConfig) (c *smtp.Client, done func(), err error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, nil, &SendError{Temporary: true, Msg: "bad smtp address: " + err.Error(), Err: err}
	}
	mode := strings.ToLower(cfg.TLS)
	if mode == "none" && !isLoopback(host) {
		return nil, nil, &SendError{Temporary: true, Msg: "plain SMTP is allowed only to a loopback address"}
	}
	if mode != "tls" && mode != "starttls" && mode != "none" {
		return nil, nil, &SendError{Temporary: true, Msg: fmt.Sprintf("unknown smtp tls mode %q", cfg.TLS)}
	}
	tlsConf, err := mailtls.ClientConfig(cfg.TLSConfig, cfg.CAFile, cfg.Addr)
	if err != nil {
		return nil, nil, &SendError{Temporary: true, Msg: "smtp." + err.Error(), Err: err}
	}

	conn, err := dialSMTP(ctx, cfg.Addr, mode, tlsConf, timeout)
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	ok := false
	defer func() {
		if !ok {
			stop()
			conn.Close()
		}
	}()

	helo := cfg.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if mode == "starttls" {
		// go-smtp greets and says EHLO localhost before STARTTLS; the
		// configured name is used after it. The greeting's own timeout is
		// go-smtp's 5 minutes, so bound this phase with ours.
		tctx, tcancel := context.WithTimeout(ctx, timeout)
		stopT := context.AfterFunc(tctx, func() { conn.Close() })
		c, err = smtp.NewClientStartTLS(conn, tlsConf)
		stopT()
		tcancel()
		if err != nil {
			return nil, nil, mailtls.Classify(mailtls.SMTP, cfg.Addr, mode, err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = timeout
	c.SubmissionTimeout = 2 * timeout
	err = c.Hello(helo) // the greeting is bounded by CommandTimeout
	if err != nil {
		// After STARTTLS the handshake runs with this first command.
		return nil, nil, mailtls.Classify(mailtls.SMTP, cfg.Addr, mode, err)
	}
	if err := authenticate(c, cfg); err != nil {
		return nil, nil, err
	}
	ok = true
	return c, func() { stop(); c.Close() }, nil
}

// dialSMTP connects to addr: TLS from the first byte (mode "tls"), or
// plain, to be secured by STARTTLS (mode "starttls") or not at all.
func dialSMTP(ctx context.Context, addr, mode string, tlsConf *tls.Config, timeout time.Duration) (conn net.Conn, err error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if mode == "tls" {
		d := net.Dialer{Timeout: timeout}
		if conn, err = d.DialContext(dctx, "tcp", addr); err != nil {
			return nil, err
		}
		tc, err := mailtls.Handshake(dctx, mailtls.SMTP, addr, conn, tlsConf)
		if err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	} else {
		// A server that speaks TLS from the first byte (465) would leave
		// us waiting for its greeting until the timeout: Plain finds out
		// within seconds and names the setting to change.
		d := mailtls.Dial{Service: mailtls.SMTP, Addr: addr, Mode: mode, Timeout: timeout, TLS: tlsConf}
		if conn, err = d.Plain(dctx); err != nil {
			return nil, err
		}
	}
	return conn, nil
}

// authenticate logs in with AUTH PLAIN, or LOGIN where PLAIN is not
// offered; without a configured user it does nothing.
func authenticate(c *smtp.Client, cfg SMTPConfig) error {
	if cfg.User == "" {
		return nil
	}
	var auth sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		auth = sasl.NewPlainClient("", cfg.User, cfg.Password)
	case c.SupportsAuth(sasl.Login):
		auth = sasl.NewLoginClient(cfg.User, cfg.Password)
	default:
		return &SendError{Msg: "server offers neither AUTH PLAIN nor LOGIN", Auth: true, Temporary: true}
	}
	if err := c.Auth(auth); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return &SendError{Temporary: true, Auth: true, Code: se.Code, Msg: se.Message, Err: err}
		}
		return err
	}
	return nil
}

// asSendError turns any error of a session into a *SendError: temporary or
// permanent as fault decides (4xx and network errors temporary, 5xx
// permanent: 554 DT:SPM included, the content was refused and the same
// bytes will be refused again), 535 an authentication failure.
func asSendError(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	// Network errors, timeouts, a connection dropped before the reply to
	// the final dot: the outcome is unknown, try again (the same bytes and
	// Message-ID, so the receiver can tell a duplicate).
	out := &SendError{Temporary: fault.IsTemporaryOrUnspec(err), Msg: err.Error(), Err: err}
	var smtpErr *smtp.SMTPError
	if errors.As(err, &smtpErr) {
		out.Code, out.Msg = smtpErr.Code, smtpErr.Message
		switch {
		case smtpErr.Code == 535 || smtpErr.Code == 534 || smtpErr.Code == 530:
			out.Temporary, out.Auth = true, true
		case smtpErr.Code < 400:
			out.Temporary = true // not a refusal at all: try again
		}
		return out
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		out.Msg = "connection closed by server: " + out.Msg
	}
	return out
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
