package mailtls

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"kaohe/internal/testcert"
)

// listen serves every connection with serve on 127.0.0.1:0.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return ln.Addr().String()
}

// sniff is the tests' wait for a greeting: what is told apart does not
// depend on its length, only the time the tests take.
const sniff = 300 * time.Millisecond

// A plain server slower to greet than the sniff is not taken for a TLS
// one: the probe's ClientHello gets a plain answer, and the first
// connection's greeting is read whole.
func TestPlainSlowGreeting(t *testing.T) {
	t.Parallel()
	addr := listen(t, func(c net.Conn) {
		time.Sleep(sniff + 500*time.Millisecond)
		c.Write([]byte("220 slow.example ESMTP\r\n"))
		bufio.NewReader(c).ReadString('\n')
	})
	conn, err := Dial{Service: SMTP, Addr: addr, Mode: "starttls", Timeout: time.Minute, Sniff: sniff}.Plain(context.Background())
	if err != nil {
		t.Fatalf("slow plain server: %v", err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line != "220 slow.example ESMTP\r\n" {
		t.Errorf("greeting %q, %v", line, err)
	}
}

// A server that speaks TLS at once, and one that answers a TLS handshake
// with plain text, are told apart.
func TestModeMismatch(t *testing.T) {
	t.Parallel()
	cert, _ := testcert.SelfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); c.(*tls.Conn).Handshake(); c.Read(make([]byte, 1)) }()
		}
	}()
	start := time.Now()
	_, err = Dial{Service: IMAP, Addr: ln.Addr().String(), Mode: "starttls", Timeout: time.Minute, Sniff: sniff}.Plain(context.Background())
	var me *MismatchError
	if !errors.As(err, &me) || !me.Implicit {
		t.Fatalf("TLS server in starttls mode: %v", err)
	}
	if took := time.Since(start); took > 10*sniff {
		t.Errorf("took %v", took)
	}

	plain := listen(t, func(c net.Conn) { c.Write([]byte("* OK ready\r\n")); time.Sleep(time.Second) })
	conn, err := net.Dial("tcp", plain)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = Handshake(context.Background(), IMAP, plain, conn, &tls.Config{ServerName: "localhost"})
	if !errors.As(err, &me) || me.Implicit || !strings.Contains(err.Error(), "imap.tls") {
		t.Fatalf("plain server in tls mode: %v", err)
	}
}
