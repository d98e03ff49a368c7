package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/monitor"
	"kaohe/store"
)

// TestSecondDaemonOnOneMailbox: two daemons with different data folders
// serve one mailbox at once. Every form is answered exactly once at the
// SMTP server, /healthz of a daemon that met the other lists the consumer
// fault, and staff get one notice from it, not one per message.
func TestSecondDaemonOnOneMailbox(t *testing.T) {
	t.Parallel()
	srv := startMail(t)
	base := testEnv(t, srv, "")
	base["KAOHE_SMTP_PER_RECIPIENT_PER_HOUR"] = "100"
	const n = 16
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", i), at); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	listens := make([]string, 2)
	for i := range listens {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		env["KAOHE_DATA_DIR"] = t.TempDir()
		listens[i] = freePort(t)
		env["KAOHE_HTTP_LISTEN"] = listens[i]
		d := testDaemon(t, envConfig(t, env), zerolog.Nop(), daemonOptions{InProcess: true, Tick: 100 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); d.run(ctx) }()
	}

	answered := func() map[string]int {
		got := map[string]int{}
		re := regexp.MustCompile(`In-Reply-To: <(form-\d+@example.org)>`)
		for _, dl := range srv.Deliveries() {
			if dl.To[0] == "chaoyang@example.org" {
				if m := re.FindSubmatch(dl.Raw); m != nil {
					got[string(m[1])]++
				}
			}
		}
		return got
	}
	healthz := func(listen string) string {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	reported := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (len(answered()) < n || !reported) {
		for _, l := range listens {
			if h := healthz(l); strings.HasPrefix(h, "503 ") && strings.Contains(h, `"component":"consumer"`) {
				reported = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a late duplicate would show now
	cancel()
	wg.Wait()

	got := answered()
	for i := 1; i <= n; i++ {
		if k := fmt.Sprintf("form-%d@example.org", i); got[k] != 1 {
			t.Errorf("%s answered %d times, want once", k, got[k])
		}
	}
	if !reported {
		t.Errorf("no /healthz listed the other consumer")
	}
	notices := 0
	for _, dl := range srv.Deliveries() {
		if dl.To[0] != demo.Staff {
			continue
		}
		if p, _ := mailparse.Parse(dl.Raw, mailparse.Limits{}); p != nil && (strings.Contains(p.Text, "也在处理考核邮箱") || strings.Contains(p.Text, "被别的程序取走")) {
			notices++
		}
	}
	if notices < 1 || notices > 2 {
		t.Errorf("%d staff notices of the other consumer, want one per daemon that met the other (1 or 2)", notices)
	}
	if done := countMailbox(t, srv.IMAPAddr, demo.Office, "Processed"); done != n {
		t.Errorf("Processed holds %d messages, want %d", done, n)
	}
}

// TestConsumerAlertOncePerEpisode: the consumer fault follows the
// watcher's report, and staff hear of each episode once.
func TestConsumerAlertOncePerEpisode(t *testing.T) {
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	cfg, err := config.LoadFor("", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	d := testDaemon(t, cfg, zerolog.Nop(), daemonOptions{InProcess: true, Now: func() time.Time { return now }})
	ctx := context.Background()
	first := now.Add(-time.Minute)
	st := mailbox.Status{OtherConsumer: "0123456789abcdef", OtherSince: first, OtherLast: first, OtherEvidence: "UID 3 in INBOX carries $KaoheClaim-0123456789abcdef"}
	var alerted time.Time
	for range 3 {
		alerted = d.consumerAlert(ctx, st, alerted)
	}
	if r, ok := d.faults.Get(monitor.ComponentConsumer); !ok || !strings.Contains(r.LastError, "0123456789abcdef") {
		t.Errorf("consumer fault %+v, %v", r, ok)
	}
	alerted = d.consumerAlert(ctx, mailbox.Status{}, alerted)
	if _, ok := d.faults.Get(monitor.ComponentConsumer); ok {
		t.Errorf("consumer fault still set after the episode ended")
	}
	now = now.Add(2 * time.Hour)
	st.OtherConsumer, st.OtherSince = mailbox.UnknownConsumer, first.Add(2*time.Hour)
	d.consumerAlert(ctx, st, alerted)
	if err := d.flush(ctx); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, dl := range srv.Deliveries() {
		if p, _ := mailparse.Parse(dl.Raw, mailparse.Limits{}); dl.To[0] == demo.Staff && p != nil {
			texts = append(texts, p.Text)
		}
	}
	if len(texts) != 2 || !strings.Contains(texts[0], "编号 0123456789abcdef") || !strings.Contains(texts[1], "被别的程序取走") {
		t.Errorf("staff notices %q: want one per episode, the first naming the other kaohe", texts)
	}
}

// The daemon's store keeps foreign-claim sightings for the watcher.
var _ mailbox.ClaimLedger = (*store.Store)(nil)
