package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/dovecottest"
	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/monitor"
	"kaohe/outbox"
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
	outbox.Store
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

func (f *fullAfterDelivery) ClaimOutbox(ctx context.Context, id int64, next time.Time) (bool, error) {
	if err := f.write(); err != nil {
		return false, err
	}
	return f.Store.ClaimOutbox(ctx, id, next)
}

func (f *fullAfterDelivery) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.Store.MarkSent(ctx, id, at)
}

func (f *fullAfterDelivery) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.Store.MarkRetry(ctx, id, next, errText)
}

func (f *fullAfterDelivery) MarkFailed(ctx context.Context, id int64, errText string) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.Store.MarkFailed(ctx, id, errText)
}

func (f *fullAfterDelivery) ProbeWrite(ctx context.Context) error {
	if err := f.write(); err != nil {
		return err
	}
	return f.Store.ProbeWrite(ctx)
}

// outboxDaemon is a daemon on the in-process mail system with a settable
// clock; its log goes to the returned buffer.
func outboxDaemon(t *testing.T, srv *mailserver.Server, dataDir string, clk *outboxClock, env map[string]string) (*daemon, *dovecottest.SyncBuffer) {
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
	log := &dovecottest.SyncBuffer{}
	d := testDaemon(t, cfg, zerolog.New(log), daemonOptions{InProcess: true, Now: clk.Now})
	return d, log
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
		if p, _ := mailparse.Parse(raw, mailparse.Limits{}); p != nil && strings.Contains(p.Text, text) {
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
