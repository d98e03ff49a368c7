package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/sample"
	"kaohe/mailparse"
	"kaohe/templates"
)

// testMail is a one-form mail from addr.
func testMail(t *testing.T, from, unit string, n int) []byte {
	t.Helper()
	data, err := sample.Workbook(templates.MustLoad(2021), sample.Good(unit, true))
	if err != nil {
		t.Fatal(err)
	}
	l := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: form %d\r\nMessage-ID: <form-%d@example.org>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"+
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"form.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		from, demo.Office, n, n)
	var b bytes.Buffer
	b.WriteString(l)
	b.WriteString(demo.Base64Lines(data))
	b.WriteString("\r\n--b--\r\n")
	return b.Bytes()
}

// testEnv starts a mail server and returns the KAOHE_* environment of a
// daemon against it.
func testEnv(t *testing.T, srv *mailserver.Server, dataDir string) map[string]string {
	t.Helper()
	for _, a := range []string{demo.Office, demo.Staff, "chaoyang@example.org"} {
		if err := srv.AddUser(a, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	roster := filepath.Join(t.TempDir(), "roster.csv")
	os.WriteFile(roster, []byte("考核单位,类型,邮箱\n朝阳区代办处,区,chaoyang@example.org\n海淀区代办处,区,haidian@example.org\n"), 0o644)
	return map[string]string{
		"KAOHE_IMAP_ADDR": srv.IMAPAddr, "KAOHE_IMAP_TLS": "none", "KAOHE_IMAP_USER": demo.Office, "KAOHE_IMAP_PASSWORD": "pw",
		"KAOHE_SMTP_ADDR": srv.SMTPAddr, "KAOHE_SMTP_TLS": "none", "KAOHE_FROM": "考核 <" + demo.Office + ">",
		"KAOHE_STAFF": demo.Staff, "KAOHE_DATA_DIR": dataDir, "KAOHE_ROSTER": roster,
		"KAOHE_IMAP_POLL_INTERVAL": "200ms", "KAOHE_LOG_LEVEL": "warn",
	}
}

func setEnv(t *testing.T, env map[string]string) {
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestServeOnceDrainsAndReplies(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	t.Setenv("KAOHE_IMAP_SENT_FOLDER", "已发送")
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", i), at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
	replies := 0
	for _, d := range srv.Deliveries() {
		if d.To[0] == "chaoyang@example.org" {
			replies++
		}
	}
	if replies != 3 {
		t.Errorf("%d replies, want 3", replies)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "已发送"); int(n) != len(srv.Deliveries()) {
		t.Errorf("Sent folder holds %d copies of %d mails sent", n, len(srv.Deliveries()))
	}
	// A second run finds nothing new and sends nothing again.
	before := len(srv.Deliveries())
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr.String())
	}
	if after := len(srv.Deliveries()); after != before {
		t.Errorf("second run sent %d more mails", after-before)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "workbooks", "汇总.xlsx")); err != nil {
		t.Errorf("no staff workbook: %v", err)
	}
	// The staff workbook can be written while the daemon's data is there.
	out := filepath.Join(t.TempDir(), "汇总.xlsx")
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"consolidate", "-o", out}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "已提交 1 家") {
		t.Errorf("consolidate: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

func TestServeConfigErrorsReportedTogether(t *testing.T) {
	t.Setenv("KAOHE_IMAP_TLS", "none")
	t.Setenv("KAOHE_IMAP_ADDR", "10.0.0.1:143")
	t.Setenv("KAOHE_CUTOFF", "next week")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr)
	if code != exitBad {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"KAOHE_IMAP_TLS", "KAOHE_CUTOFF", "KAOHE_DATA_DIR"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("errors lack %s:\n%s", want, stderr.String())
		}
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeHealthAndMetrics(t *testing.T) {
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	listen := freePort(t)
	env["KAOHE_HTTP_LISTEN"] = listen
	setEnv(t, env)
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, &stderr) }()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	var metrics string
	for time.Now().Before(deadline) {
		_, metrics = get("/metrics")
		if strings.Contains(metrics, `kaohe_messages_total{outcome="processed"} 1`) && !strings.Contains(metrics, "kaohe_mail_sent_total 0") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(metrics, `kaohe_messages_total{outcome="processed"} 1`) || !!strings.Contains(metrics, "kaohe_mail_sent_total 0") {
		t.Fatalf("metrics never showed the processed message and its reply:\n%s\n%s", metrics, stderr.String())
	}
	code, body := get("/healthz")
	var raw map[string]any
	json.Unmarshal([]byte(body), &raw)
	if code != http.StatusOK || raw["healthy"] != true || raw["imap_connected"] != true || raw["last_poll"] == nil {
		t.Errorf("healthz %d %s", code, body)
	}
	start := time.Now()
	cancel()
	select {
	case c := <-done:
		if c != exitOK {
			t.Errorf("serve exited %d\n%s", c, stderr.String())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("serve took %v to stop", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s of the signal")
	}
}

func countMailbox(t *testing.T, addr, user, mailbox string) uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	return sel.NumMessages
}

func TestServeCheckConfig(t *testing.T) {
	srv := startMail(t)
	setEnv(t, testEnv(t, srv, t.TempDir()))
	var out bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--check-config"}, &out, io.Discard); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	for _, want := range []string{"IMAP " + srv.IMAPAddr + "：登录成功", "移动到文件夹 Processed", "SMTP " + srv.SMTPAddr + "：登录成功"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Setenv("KAOHE_IMAP_PASSWORD", "wrong")
	out.Reset()
	if code := run(context.Background(), []string{"serve", "--check-config"}, &out, io.Discard); code != exitNeedsFix || !strings.Contains(out.String(), "IMAP "+srv.IMAPAddr+"：失败") {
		t.Errorf("wrong password: exit %d\n%s", code, out.String())
	}
}

// TestMailboxAlert: when the mailbox stays unreachable, staff get one
// notice, not one per attempt.
func TestMailboxAlert(t *testing.T) {
	t.Parallel()
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	env["KAOHE_IMAP_ADDR"] = freePort(t) // nothing listens there
	env["KAOHE_HTTP_MAILBOX_ALERT_AFTER"] = "1s"
	env["KAOHE_HTTP_LISTEN"] = ""
	d := testDaemon(t, envConfig(t, env), zerolog.Nop(), daemonOptions{InProcess: true, Tick: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	notices := func() int {
		n := 0
		for _, dl := range srv.Deliveries() {
			if dl.To[0] == demo.Staff && strings.Contains(string(dl.Raw), "Subject:") {
				p, _ := mailparse.Parse(dl.Raw, mailparse.Limits{})
				if p != nil && strings.Contains(p.Text, "无法连接考核邮箱") {
					n++
				}
			}
		}
		return n
	}
	waitUntil(t, 10*time.Second, "the mailbox alert", func() bool { return notices() > 0 })
	time.Sleep(time.Second) // ten ticks more, the fault still on: a repeat would show
	cancel()
	<-done
	if n := notices(); n != 1 {
		t.Errorf("%d mailbox alerts, want exactly 1", n)
	}
}

// A recreated mailbox (new UIDVALIDITY) offers every message again; none is
// processed or answered twice. A second daemon on the same data folder is
// refused while the first runs.
func TestUIDValidityResetAndSecondDaemon(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	var raws [][]byte
	for i := 1; i <= 3; i++ {
		raw := testMail(t, "chaoyang@example.org", "朝阳区代办处", i)
		raws = append(raws, raw)
		srv.Deliver(demo.Office, raw, at)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("first run: %d %s", code, stderr.String())
	}
	sent := len(srv.Deliveries())

	// The provider recreates the mailbox: same mail, new UIDVALIDITY.
	c, err := imapclient.DialInsecure(srv.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(demo.Office, "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("INBOX").Wait(); err != nil {
		t.Fatalf("delete INBOX: %v", err)
	}
	if err := c.Create("INBOX", nil).Wait(); err != nil {
		t.Fatalf("create INBOX: %v", err)
	}
	c.Close()
	for _, raw := range raws {
		srv.Deliver(demo.Office, raw, at)
	}
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("second run: %d %s", code, stderr.String())
	}
	if n := len(srv.Deliveries()); n != sent {
		t.Errorf("%d more mails sent after the UIDVALIDITY reset", n-sent)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 0 {
		t.Errorf("INBOX keeps %d messages", n)
	}

	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	testDaemon(t, cfg, zerolog.Nop(), daemonOptions{InProcess: true})
	if _, err := newDaemon(cfg, zerolog.Nop(), daemonOptions{InProcess: true}); err == nil || !strings.Contains(err.Error(), "lock") {
		t.Errorf("a second daemon on the same data folder: %v", err)
	}
	stderr.Reset()
	code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr)
	if code == exitOK || !strings.Contains(stderr.String(), "正被另一个 kaohe 进程使用") {
		t.Errorf("serve --once beside a running daemon: exit %d, %s", code, stderr.String())
	}
}

// TestServeCheckConfigWrongPort: a port where nothing listens, and each
// server's address swapped for the other's, are each said in Chinese with
// the key to fix, within seconds.
func TestServeCheckConfigWrongPort(t *testing.T) {
	srv := startMail(t)
	for _, tc := range []struct {
		name, imapAddr, smtpAddr string
		want                     []string
	}{
		{"smtp port closed", srv.IMAPAddr, "", []string{"连接被拒绝：这个端口上没有邮件服务，请检查 smtp.addr"}},
		{"imap port closed", "", srv.SMTPAddr, []string{"连接被拒绝：这个端口上没有邮件服务，请检查 imap.addr"}},
		{"servers swapped", srv.SMTPAddr, srv.IMAPAddr, []string{
			"不是收信（IMAP）服务器：请把 imap.addr", "不是发信（SMTP）服务器：请把 smtp.addr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, srv, t.TempDir())
			env["KAOHE_IMAP_ADDR"], env["KAOHE_SMTP_ADDR"] = tc.imapAddr, tc.smtpAddr
			for k, v := range env {
				if v == "" {
					env[k] = freePort(t)
				}
			}
			setEnv(t, env)
			var out bytes.Buffer
			start := time.Now()
			code := run(context.Background(), []string{"serve", "--check-config"}, &out, io.Discard)
			if code != exitNeedsFix {
				t.Errorf("exit %d, want %d", code, exitNeedsFix)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestServeIdleMailboxIsHealthy: a mailbox that waits in IDLE with nothing
// new is polled often enough for /healthz, even when http.unhealthy_after
// is shorter than imap.idle_max: a quiet mailbox is not a fault, and staff
// must not be told it cannot be reached.
func TestServeIdleMailboxIsHealthy(t *testing.T) {
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	listen := freePort(t)
	env["KAOHE_HTTP_LISTEN"] = listen
	env["KAOHE_HTTP_UNHEALTHY_AFTER"] = "2s"
	env["KAOHE_IMAP_IDLE_MAX"] = "10m"
	env["KAOHE_IMAP_POLL_INTERVAL"] = "10m"
	setEnv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, io.Discard) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, 10*time.Second, "first poll", func() bool {
		code, _ := healthz(t, listen)
		return code == http.StatusOK
	})
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if code, comps := healthz(t, listen); code != http.StatusOK {
			t.Fatalf("quiet mailbox: /healthz %d %v", code, comps)
		}
	}
}
