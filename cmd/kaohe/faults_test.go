package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/faultinject"
	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/store"
	"kaohe/validate"
)

// repliesTo counts the mails the SMTP server accepted for addr, by subject.
func repliesTo(srv *mailserver.Server, addr string) map[string]int {
	out := map[string]int{}
	for _, d := range srv.Deliveries() {
		if len(d.To) == 1 && d.To[0] == addr {
			subj := ""
			if p, err := mailparse.Parse(d.Raw, mailparse.Limits{}); err == nil {
				subj = p.Subject
			}
			out[subj]++
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// panicky reads workbooks in this process but panics on a file named
// panic.xlsx: a fault of the message's own, as a crafted file would be.
func panicky(ctx context.Context, data []byte, o validate.Options) (*validate.Submission, []validate.Finding, error) {
	if o.Filename == "panic.xlsx" {
		panic("crafted workbook")
	}
	return assess.InProcess(ctx, data, o)
}

func loadServeConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A mailbox of good mail and mail that fails: `serve --once` answers every
// good message, sends what is due, and only then reports the failures.
// Once the failing messages reach the attempt limit they are quarantined,
// their senders get a receipt saying staff will look at them, and staff
// are told where the raw mail is.
func TestServeOnceSendsWhatIsDueDespiteFailures(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	env := testEnv(t, srv, dataDir)
	env["KAOHE_IMAP_MAX_ATTEMPTS"] = "2"
	setEnv(t, env)
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 5; i++ {
		raw := testMail(t, "chaoyang@example.org", "朝阳区代办处", i)
		if i%2 == 0 {
			raw = bytes.Replace(testMail(t, "haidian@example.org", "海淀区代办处", i), []byte(`filename="form.xlsx"`), []byte(`filename="panic.xlsx"`), 1)
		}
		if err := srv.Deliver(demo.Office, raw, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	once := func() error {
		d, err := newDaemon(loadServeConfig(t), zerolog.Nop(), daemonOptions{InProcess: true, Reader: panicky})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		return d.once(context.Background())
	}
	if err := once(); err == nil {
		t.Fatal("serve --once reported success with two messages left failing")
	}
	if got := repliesTo(srv, "chaoyang@example.org"); total(got) != 3 {
		t.Errorf("good mail answered %v, want 3 receipts", got)
	}
	if got := repliesTo(srv, "haidian@example.org"); total(got) != 0 {
		t.Errorf("failing mail answered after one attempt: %v", got)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 2 {
		t.Errorf("INBOX holds %d, want the 2 failing messages", n)
	}

	// The second run reaches the limit: quarantined, answered, moved.
	if err := once(); err != nil {
		t.Fatalf("second run: %v", err)
	}
	held := repliesTo(srv, "haidian@example.org")
	if total(held) != 2 {
		t.Fatalf("quarantine receipts %v, want 2", held)
	}
	for subj := range held {
		if !strings.Contains(subj, "人工核对") {
			t.Errorf("quarantine receipt subject %q", subj)
		}
	}
	if got := repliesTo(srv, "chaoyang@example.org"); total(got) != 3 {
		t.Errorf("good mail answered again: %v", got)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d after the quarantine", n)
	}
	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q, _ := st.Messages(context.Background(), store.MessageFilter{Outcome: store.OutcomeQuarantined})
	if len(q) != 2 {
		t.Fatalf("%d quarantined, want 2", len(q))
	}
	var notice string
	for _, d := range srv.Deliveries() {
		if d.To[0] == demo.Staff {
			if p, err := mailparse.Parse(d.Raw, mailparse.Limits{}); err == nil {
				notice += p.Text
			}
		}
	}
	for _, m := range q {
		if !strings.Contains(notice, store.ArchivedPath(m.Hash)) {
			t.Errorf("no staff notice names the raw mail %s", store.ArchivedPath(m.Hash))
		}
		if _, err := os.Stat(dataDir + "/" + store.ArchivedPath(m.Hash)); err != nil {
			t.Errorf("the named raw mail is missing: %v", err)
		}
	}
}

// healthz returns /healthz's status and the components of its reasons.
func healthz(t *testing.T, addr string) (int, []string) {
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var h struct {
		Reasons []struct{ Component string } `json:"reasons"`
	}
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &h)
	var comps []string
	for _, r := range h.Reasons {
		comps = append(comps, r.Component)
	}
	return resp.StatusCode, comps
}

func metricValue(t *testing.T, addr, name string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Under `kaohe serve`, a valid message that meets a full disk again and
// again is never quarantined nor moved: intake pauses, /healthz and the
// metrics say so, and when the disk has room again the message is
// processed and answered once.
func TestServePausesOnSystemFaultsAndResumes(t *testing.T) {
	t.Parallel()
	srv := startMail(t)
	env := testEnv(t, srv, t.TempDir())
	listen := freePort(t)
	env["KAOHE_HTTP_LISTEN"] = listen
	env["KAOHE_IMAP_MAX_ATTEMPTS"] = "2"
	var sw faultinject.Switch
	d := testDaemon(t, envConfig(t, env), zerolog.Nop(), daemonOptions{InProcess: true, FastRetry: true,
		WriteFault: sw.Hook, ProbeEvery: 50 * time.Millisecond, Tick: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	waitUntil(t, 10*time.Second, "first mailbox poll", func() bool { return !d.metrics.LastPoll().IsZero() })
	// The campaign's first tick (the summary after the cut-off) is sent and
	// recorded before the disk fills, so that the writes let through below
	// are the probe's.
	waitUntil(t, 10*time.Second, "the startup summary sent", func() bool {
		depth, err := d.store.OutboxDepth(context.Background())
		return err == nil && depth[store.StateSent] > 0 && depth[store.StatePending] == 0
	})

	full := faultinject.DiskFull()
	sw.Fail(full)
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), time.Now()); err != nil {
		t.Fatal(err)
	}
	failures := func() string { return metricValue(t, listen, `kaohe_handler_failures_total{cause="system"}`) }
	waitUntil(t, 10*time.Second, "intake paused", func() bool { return metricValue(t, listen, "kaohe_intake_paused") == "1" })
	code, reasons := healthz(t, listen)
	if code != http.StatusServiceUnavailable || !strings.Contains(strings.Join(reasons, ","), "intake") || !strings.Contains(strings.Join(reasons, ","), "store") {
		t.Errorf("healthz while paused: %d %v, want 503 naming intake and store", code, reasons)
	}
	// The fault comes back after every probe: each retry meets it again,
	// well past the attempt limit.
	for i := 2; i <= 5; i++ {
		want := string(rune('0' + i))
		sw.FailAfter(2, full) // the probe's file and transaction pass; the retry fails
		waitUntil(t, 10*time.Second, "system failure "+want, func() bool { return failures() == want })
		waitUntil(t, 10*time.Second, "paused again", func() bool { return metricValue(t, listen, "kaohe_intake_paused") == "1" })
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 1 {
		t.Errorf("INBOX holds %d while paused, want the message", n)
	}
	if got := metricValue(t, listen, `kaohe_handler_failures_total{cause="message"}`); got != "0" {
		t.Errorf("message failures %s, want 0", got)
	}
	if got := total(repliesTo(srv, "chaoyang@example.org")); got != 0 {
		t.Errorf("%d replies while the disk was full", got)
	}

	sw.Heal()
	waitUntil(t, 10*time.Second, "the reply after the disk has room", func() bool { return total(repliesTo(srv, "chaoyang@example.org")) >= 1 })
	waitUntil(t, 10*time.Second, "healthy again", func() bool { code, _ := healthz(t, listen); return code == http.StatusOK })
	time.Sleep(300 * time.Millisecond) // time for a duplicate to show
	if got := repliesTo(srv, "chaoyang@example.org"); total(got) != 1 {
		t.Errorf("replies %v, want exactly one", got)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d after the fault cleared", n)
	}
	q, _ := d.store.Messages(context.Background(), store.MessageFilter{Outcome: store.OutcomeQuarantined})
	all, _ := d.store.Messages(context.Background(), store.MessageFilter{})
	if len(q) != 0 || len(all) != 1 || all[0].Attempts != 0 || all[0].Outcome != store.OutcomeProcessed {
		t.Errorf("quarantined %d; messages %+v", len(q), all)
	}
	if got := metricValue(t, listen, "kaohe_quarantined_total"); got != "0" {
		t.Errorf("kaohe_quarantined_total %s", got)
	}
}
