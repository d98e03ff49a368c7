package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kaohe/demo"
	"kaohe/internal/fault"
	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/store"
)

// TestOutboxDiskFullAfterServerOK: the SMTP server accepts a receipt, and
// from then on every commit fails (the data folder's disk is full) for ten
// minutes. The receipt goes out once however often the outbox is flushed,
// /healthz names the store at once, staff are told once the fault lasts
// (the notice waits in the outbox until sending resumes) and once when it
// clears, and the pause is logged once.
func TestOutboxDiskFullAfterServerOK(t *testing.T) {
	srv := startMail(t)
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	d, log := outboxDaemon(t, srv, t.TempDir(), clk, nil)
	ctx := context.Background()
	full := &fullAfterDelivery{Store: d.sender.Store, srv: srv}
	d.sender.Store = full
	queueMail(t, d.store, "<r1@kaohe.test>", store.KindReply, "chaoyang@example.org")
	queueMail(t, d.store, "<r2@kaohe.test>", store.KindReply, "haidian@example.org")
	full.arm()

	if _, err := d.sender.Flush(ctx); !errors.Is(err, reply.ErrStoreDown) || !fault.DiskFull(err) {
		t.Fatalf("flush: %v; want ErrStoreDown for a full disk", err)
	}
	tickOnce(ctx, d, clk)
	code, h, _ := healthOf(t, d)
	if code != http.StatusServiceUnavailable || components(h) != monitor.ComponentStore ||
		!strings.Contains(h.Reasons[0].LastError, "database or disk is full") {
		t.Fatalf("healthz right after the failed commit: %d %+v", code, h)
	}
	// Ten minutes of a full disk; the daemon's clock nudges the sender
	// every 10 s.
	for range 60 {
		clk.Add(10 * time.Second)
		d.sender.Flush(ctx)
		tickOnce(ctx, d, clk)
	}
	if n, _ := deliveredTo(srv, "chaoyang@example.org"); n != 1 {
		t.Fatalf("receipt delivered %d times while the disk was full, want 1", n)
	}
	if n, _ := deliveredTo(srv, "haidian@example.org"); n != 0 {
		t.Fatalf("the second receipt was sent while the outbox could not record it")
	}
	if n := strings.Count(log.String(), "sending paused until a probe write succeeds"); n != 1 {
		t.Errorf("pause logged %d times, want once", n)
	}
	if !strings.Contains(log.String(), "fault lasts: staff notice queued") {
		t.Error("no staff alert queued for the lasting store fault")
	}

	full.release()
	for range 6 {
		clk.Add(10 * time.Second)
		d.sender.Flush(ctx)
		tickOnce(ctx, d, clk)
	}
	d.flush(ctx) // the notice of the fault's end
	for range 100 {
		clk.Add(time.Hour)
		d.sender.Flush(ctx)
	}
	if n, _ := deliveredTo(srv, "chaoyang@example.org"); n != 1 {
		t.Errorf("receipt delivered %d times in all, want 1", n)
	}
	if n, _ := deliveredTo(srv, "haidian@example.org"); n != 1 {
		t.Errorf("second receipt delivered %d times, want 1", n)
	}
	if begun, ended := staffNotices(t, srv, "数据目录无法写入"), staffNotices(t, srv, "已恢复：数据目录写入的故障"); begun != 1 || ended != 1 {
		t.Errorf("staff got %d fault notices and %d recovery notices, want 1 and 1", begun, ended)
	}
	sent, err := d.store.OutboxByState(ctx, store.StateSent, 0)
	if err != nil || len(sent) != 4 {
		t.Errorf("%d mails recorded as sent (%v), want 2 receipts and 2 staff notices", len(sent), err)
	}
	clk.Add(time.Minute)
	tickOnce(ctx, d, clk)
	code, h, metrics := healthOf(t, d)
	if code != http.StatusOK || !h.Healthy {
		t.Errorf("healthz after recovery: %d %+v", code, h)
	}
	for _, want := range []string{"kaohe_mail_sent_total 4\n", "kaohe_mail_deferred_total 0\n", "kaohe_outbox_oldest_pending_seconds 0\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestOutboxCrashAfterServerOKResendsOnce: the process dies between the
// server's OK and the record (here the record fails and the daemon is
// closed). The next daemon sends the same bytes once, after the claim's
// backoff, and never again.
func TestOutboxCrashAfterServerOKResendsOnce(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	d, _ := outboxDaemon(t, srv, dataDir, clk, nil)
	ctx := context.Background()
	full := &fullAfterDelivery{Store: d.sender.Store, srv: srv}
	d.sender.Store = full
	queueMail(t, d.store, "<r1@kaohe.test>", store.KindReply, "chaoyang@example.org")
	full.arm()
	d.sender.Flush(ctx)
	d.Close()

	d2, _ := outboxDaemon(t, srv, dataDir, clk, nil)
	if err := d2.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := deliveredTo(srv, "chaoyang@example.org"); n != 1 {
		t.Fatalf("resent at once after the restart: %d deliveries", n)
	}
	clk.Add(time.Minute) // the first claim's backoff is 30–60 s
	for range 50 {
		if err := d2.flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(10 * time.Minute)
	}
	n, raws := deliveredTo(srv, "chaoyang@example.org")
	if n != 2 || !bytes.Equal(raws[0], raws[1]) {
		t.Fatalf("%d deliveries; want 2 identical", n)
	}
	sent, _ := d2.store.OutboxByState(ctx, store.StateSent, 0)
	if len(sent) != 1 || sent[0].Attempts != 2 {
		t.Errorf("sent = %+v", sent)
	}
}

// TestOutboxSMTPRefusals: a server answering 451 defers (counted), and
// after http.unhealthy_after with no delivery /healthz says so with the
// server's answer; a 550 gives the mail up, and a refused staff mail is a
// staff-mail fault until one goes out.
func TestOutboxSMTPRefusals(t *testing.T) {
	srv := startMail(t)
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	d, _ := outboxDaemon(t, srv, t.TempDir(), clk, nil)
	ctx := context.Background()
	d.sender.Rand = func() float64 { return 0.5 } // backoffs of 45 s, 90 s, 180 s
	queueMail(t, d.store, "<r1@kaohe.test>", store.KindReply, "chaoyang@example.org")
	srv.RefuseData(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"})
	for range 30 { // five minutes
		d.sender.Flush(ctx)
		tickOnce(ctx, d, clk)
		clk.Add(10 * time.Second)
	}
	code, h, metrics := healthOf(t, d)
	if code != http.StatusServiceUnavailable || components(h) != monitor.ComponentSMTP || !strings.Contains(h.Reasons[0].LastError, "451") {
		t.Errorf("healthz after 5 minutes of 451: %d %+v", code, h)
	}
	// Backoff 30–60 s, then 60–120 s: three attempts of the receipt in five
	// minutes; after two minutes staff were alerted, and that notice is
	// deferred alike. Every attempt is a counted deferral.
	pending, _ := d.store.OutboxByState(ctx, store.StatePending, 0)
	attempts := map[string]int{}
	total := 0
	for _, p := range pending {
		attempts[p.Kind] += p.Attempts
		total += p.Attempts
	}
	if attempts[store.KindReply] != 3 || attempts[store.KindStaffNotice] == 0 ||
		!strings.Contains(metrics, fmt.Sprintf("kaohe_mail_deferred_total %d\n", total)) ||
		!strings.Contains(metrics, "kaohe_outbox_oldest_pending_seconds 300\n") {
		t.Errorf("attempts %v; metrics after 5 minutes of 451:\n%s", attempts, metrics)
	}

	srv.RefuseData(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	queueMail(t, d.store, "<n1@kaohe.test>", store.KindStaffNotice, demo.Staff)
	clk.Add(time.Hour)
	d.sender.Flush(ctx)
	tickOnce(ctx, d, clk)
	code, h, metrics = healthOf(t, d)
	if code != http.StatusServiceUnavailable || !strings.Contains(components(h), monitor.ComponentStaffMail) {
		t.Errorf("healthz after a refused staff mail: %d %+v", code, h)
	}
	// Given up: the receipt, the staff alert of the 451s, the staff notice.
	if !strings.Contains(metrics, "kaohe_mail_failed_total 3\n") {
		t.Errorf("metrics after 550:\n%s", metrics)
	}
	srv.RefuseData(nil)
	queueMail(t, d.store, "<n2@kaohe.test>", store.KindStaffNotice, demo.Staff)
	d.sender.Flush(ctx)
	clk.Add(time.Minute)
	tickOnce(ctx, d, clk)
	d.sender.Flush(ctx)
	if code, h, _ := healthOf(t, d); code != http.StatusOK {
		t.Errorf("healthz once a staff mail went out: %d %+v", code, h)
	}
	if n, recovered := len(srv.Deliveries()), staffNotices(t, srv, "已恢复：邮件发送的故障"); n != 2 || recovered != 1 {
		t.Errorf("server accepted %d mails (%d recovery notices); want the last staff notice and the recovery notice", n, recovered)
	}
}

// TestOutboxStrangersShareOfCap: a hundred replies to forged senders are
// queued, then a genuine receipt and a staff mail, under a cap of 20 a day:
// the receipt and the staff mail go out, the strangers get at most 10% of
// the cap.
func TestOutboxStrangersShareOfCap(t *testing.T) {
	srv := startMail(t)
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	d, _ := outboxDaemon(t, srv, t.TempDir(), clk, map[string]string{"KAOHE_SMTP_PER_DAY": "20"})
	ctx := context.Background()
	for i := range 100 {
		queueMail(t, d.store, fmt.Sprintf("<u%d@kaohe.test>", i), store.KindUnknownReply, fmt.Sprintf("victim%02d@third.example", i))
		clk.Add(time.Second)
	}
	queueMail(t, d.store, "<r1@kaohe.test>", store.KindReply, "chaoyang@example.org")
	queueMail(t, d.store, "<n1@kaohe.test>", store.KindStaffNotice, demo.Staff)
	if err := d.flush(ctx); err != nil {
		t.Fatal(err)
	}
	strangers := 0
	for _, dl := range srv.Deliveries() {
		if strings.HasSuffix(dl.To[0], "@third.example") {
			strangers++
		}
	}
	receipt, _ := deliveredTo(srv, "chaoyang@example.org")
	staff, _ := deliveredTo(srv, demo.Staff)
	if receipt != 1 || staff != 1 || strangers != 2 {
		t.Errorf("receipt %d, staff mail %d, strangers %d; want 1, 1 and 2 (10%% of 20)", receipt, staff, strangers)
	}
	// Strangers' replies waiting for their share do not make the outbox
	// look stuck.
	clk.Add(time.Hour)
	tickOnce(ctx, d, clk)
	if code, h, _ := healthOf(t, d); code != http.StatusOK {
		t.Errorf("healthz with only strangers' replies waiting: %d %+v", code, h)
	}
}

// TestServeOnceStaffWithName: staff written as `kaohe config example` shows
// them, "王明 <address>", get their mail from `serve --once`, addressed by
// name.
func TestServeOnceStaffWithName(t *testing.T) {
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	env["KAOHE_STAFF"] = "王明 <" + demo.Staff + ">"
	setEnv(t, env)
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
	n, raws := deliveredTo(srv, demo.Staff)
	if n == 0 || strings.Contains(stderr.String(), "invalid address") {
		t.Fatalf("%d staff mails delivered\n%s", n, stderr.String())
	}
	m, err := mail.ReadMessage(bytes.NewReader(raws[0]))
	if err != nil {
		t.Fatal(err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "王明" || to[0].Address != demo.Staff {
		t.Errorf("staff mail To %v, %v", to, err)
	}
}
