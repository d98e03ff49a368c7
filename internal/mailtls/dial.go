package mailtls

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// SniffTimeout is how long DialPlain waits for a greeting before it asks
// whether the port speaks TLS instead. Servers greet at once (Postfix's
// postscreen sends the first line of a multi-line greeting at once too);
// one that stays silent this long is most likely waiting for a TLS
// ClientHello. Both waits together stay under 10 s.
const SniffTimeout = 4 * time.Second

// Dial is a plain connection to a mail server that greets first (SMTP,
// IMAP), for the modes "starttls" and "none".
type Dial struct {
	Service Service
	Addr    string
	Mode    string        // "starttls" or "none"; named by a MismatchError
	Timeout time.Duration // for the TCP connect
	// TLS is used only to ask a silent server whether it speaks TLS;
	// nothing is sent over that connection.
	TLS *tls.Config
	// Sniff replaces SniffTimeout for both waits (tests); zero is
	// SniffTimeout.
	Sniff time.Duration
}

func (d Dial) sniff() time.Duration {
	if d.Sniff > 0 {
		return d.Sniff
	}
	return SniffTimeout
}

// Plain connects and waits up to SniffTimeout (Sniff) for the server's first
// bytes. When they come, the connection is returned with them unread.
// When they begin a TLS record, or the server stays silent and a second
// connection finds it speaking TLS, the error is a *MismatchError. A
// silent server that does not speak TLS either is left to the caller's
// own greeting timeout.
func (d Dial) Plain(ctx context.Context) (net.Conn, error) {
	nd := net.Dialer{Timeout: d.Timeout, KeepAlive: 15 * time.Second}
	conn, err := nd.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(d.sniff()))
	first, err := br.Peek(1)
	_ = conn.SetReadDeadline(time.Time{})
	switch {
	case err == nil && isTLSRecord(first[0]):
		conn.Close()
		return nil, &MismatchError{Service: d.Service, Addr: d.Addr, Mode: d.Mode, Implicit: true}
	case err == nil:
		return &peekedConn{Conn: conn, r: br}, nil
	case !isTimeout(err) || ctx.Err() != nil:
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if d.speaksTLS(ctx) {
		conn.Close()
		return nil, &MismatchError{Service: d.Service, Addr: d.Addr, Mode: d.Mode, Implicit: true}
	}
	return &peekedConn{Conn: conn, r: br}, nil
}

// speaksTLS opens a second connection and starts a TLS handshake on it. A
// server that answers with TLS, even with a certificate we refuse or an
// alert, speaks TLS on this port.
func (d Dial) speaksTLS(ctx context.Context) bool {
	hctx, cancel := context.WithTimeout(ctx, d.sniff())
	defer cancel()
	nd := net.Dialer{}
	conn, err := nd.DialContext(hctx, "tcp", d.Addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	conf, _ := ClientConfig(d.TLS, "", d.Addr)
	err = tls.Client(conn, conf).HandshakeContext(hctx)
	if err == nil || isCertError(err) {
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}

// isTLSRecord: a TLS record starts with its content type, alert (21) or
// handshake (22); no mail greeting starts with these control bytes.
func isTLSRecord(b byte) bool { return b == 0x15 || b == 0x16 }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// peekedConn reads through the buffer that holds the sniffed bytes.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Handshake secures conn with implicit TLS. A server that answers in plain
// text gives a *MismatchError, a refused certificate a *CertError.
func Handshake(ctx context.Context, service Service, addr string, conn net.Conn, conf *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, Classify(service, addr, "tls", err)
	}
	return tc, nil
}
