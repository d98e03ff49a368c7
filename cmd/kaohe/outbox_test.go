package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/ingest"
	"kaohe/internal/fault"
	"kaohe/internal/mailserver"
	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/store"
)

// outboxClock is a settable clock for the daemon under test.
type outboxClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *outboxClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *outboxClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sqliteFull has the shape of modernc.org/sqlite's "database or disk is
// full" error.
type sqliteFull struct{}

func (sqliteFull) Error() string { return "database or disk is full (13)" }
func (sqliteFull) Code() int     { return 13 }

// fullAfterDelivery wraps the real outbox and fails every write, as a full
// disk does, from the first write after the SMTP server accepted a mail
// until release.
type fullAfterDelivery struct {
	reply.OutboxStore
	srv *mailserver.Server

	mu     sync.Mutex
	armed  bool
	before int // deliveries when armed
	full   bool
	writes int // writes refused
}

func (f *fullAfterDelivery) arm() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed, f.before = true, len(f.srv.Deliveries())
}

func (f *fullAfterDelivery) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed, f.full = false, false
}

func (f *fullAfterDelivery) write() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed && len(f.srv.Deliveries()) > f.before {
		f.full = true
	}
	if f.full {
		f.writes++
		return fmt.Errorf("commit: %w", sqliteFull{})
	}
	return nil
}

func (f *fullAfterDelivery) Claim(ctx context.Context, id int64, next time.Time) (bool, error) {
	if err := f.write(); err != nil {
		return false, err
	}
	return f.OutboxStore.Claim(ctx, id, next)
}

func (f *fullAfterDelivery) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.OutboxStore.MarkSent(ctx, id, at)
}

func (f *fullAfterDelivery) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.OutboxStore.MarkRetry(ctx, id, next, errText)
}

func (f *fullAfterDelivery) MarkFailed(ctx context.Context, id int64, errText string) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.OutboxStore.MarkFailed(ctx, id, errText)
}

func (f *fullAfterDelivery) Probe(ctx context.Context) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.OutboxStore.Probe(ctx)
}

// outboxDaemon is a daemon on the in-process mail system with a settable
// clock; its log goes to the returned buffer.
func outboxDaemon(t *testing.T, srv *mailserver.Server, dataDir string, clk *outboxClock, env map[string]string) (*daemon, *syncBuffer) {
	t.Helper()
	e := testEnv(t, srv, dataDir)
	e["KAOHE_HTTP_UNHEALTHY_AFTER"] = "2m"
	e["KAOHE_HTTP_MAILBOX_ALERT_AFTER"] = "1000h" // no watcher runs: the mailbox is never connected
	e["KAOHE_HTTP_LISTEN"] = ""
	for k, v := range env {
		e[k] = v
	}
	setEnv(t, e)
	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	d, err := newDaemon(cfg, zerolog.New(log), daemonOptions{InProcess: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, log
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func queueMail(t *testing.T, st *store.Store, id, kind, to string) {
	t.Helper()
	raw := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: 回执\r\nMessage-ID: %s\r\n\r\n回执正文\r\n", demo.Office, to, id)
	if _, err := st.EnqueueMail(context.Background(), store.OutgoingMail{MessageID: id, Kind: kind, To: to, Raw: []byte(raw)}); err != nil {
		t.Fatal(err)
	}
}

// deliveredTo counts the mails the SMTP server accepted for to, and the
// staff mails among them whose text contains staffText.
func deliveredTo(srv *mailserver.Server, to string) (n int, raws [][]byte) {
	for _, d := range srv.Deliveries() {
		if strings.EqualFold(d.To[0], to) {
			n++
			raws = append(raws, d.Raw)
		}
	}
	return n, raws
}

func staffNotices(t *testing.T, srv *mailserver.Server, text string) int {
	n := 0
	_, raws := deliveredTo(srv, demo.Staff)
	for _, raw := range raws {
		if p, _ := ingest.Parse(raw, ingest.Limits{}); p != nil && strings.Contains(p.Text, text) {
			n++
		}
	}
	return n
}

// healthOf is /healthz and /metrics of d, as served.
func healthOf(t *testing.T, d *daemon) (code int, h monitor.Health, metrics string) {
	t.Helper()
	ts := httptest.NewServer(monitor.Handler(d.healthSources()))
	defer ts.Close()
	get := func(path string) (int, []byte) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/healthz")
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("healthz: %v: %s", err, body)
	}
	_, m := get("/metrics")
	return code, h, string(m)
}

func components(h monitor.Health) string {
	var cs []string
	for _, r := range h.Reasons {
		cs = append(cs, r.Component)
	}
	return strings.Join(cs, ",")
}

// tickOnce is one turn of the daemon's clock without its timer: the
// mailbox counted as polled, staff-mail health, the alerts.
func tickOnce(ctx context.Context, d *daemon, clk *outboxClock) {
	d.metrics.Poll(clk.Now(), time.Millisecond)
	d.staffMailHealth()
	d.alerts.check(ctx, d.alertReasons(ctx))
}

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
	full := &fullAfterDelivery{OutboxStore: d.sender.Store, srv: srv}
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
	if !strings.Contains(log.String(), "fault lasts: staff told") {
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
	full := &fullAfterDelivery{OutboxStore: d.sender.Store, srv: srv}
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
