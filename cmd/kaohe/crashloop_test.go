package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/sample"
	"kaohe/mailparse"
	"kaohe/store"
	"kaohe/templates"
)

// crashMailbox fills the office INBOX with n mixed messages: good forms,
// forms with errors, questions without attachment, auto-replies and .xls
// files. It returns the Message-IDs that deserve a reply.
func crashMailbox(t *testing.T, srv *mailserver.Server, n int) map[string]bool {
	t.Helper()
	form := templates.MustLoad(2021)
	good, err := sample.Workbook(form, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	if err != nil {
		t.Fatal(err)
	}
	answered := map[string]bool{}
	at := time.Date(2021, 12, 14, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("crash-%d@example.org", i)
		var raw []byte
		switch i % 5 {
		case 0:
			raw = mailWith(id, "", good, "form.xlsx")
		case 1:
			raw = mailWith(id, "", bad, "form.xlsx")
		case 2:
			raw = mailWith(id, "", nil, "")
		case 3:
			raw = mailWith(id, "Auto-Submitted: auto-replied\r\n", nil, "")
		case 4:
			raw = mailWith(id, "", demoLegacyXLS(t), "form.xls")
		}
		if i%5 != 3 {
			answered[id] = true
		}
		if err := srv.Deliver(demo.Office, raw, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return answered
}

func mailWith(id, extra string, att []byte, name string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: <chaoyang@example.org>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%sMIME-Version: 1.0\r\n", demo.Office, id, id, extra)
	if att == nil {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n请问考核表何时截止？\r\n")
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件\r\n")
	fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", name)
	b.WriteString(demo.Base64Lines(att))
	b.WriteString("\r\n--b--\r\n")
	return []byte(b.String())
}

func demoLegacyXLS(t *testing.T) []byte {
	data, err := os.ReadFile("../../demo/legacy.xls")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// outboxBackoffPasses makes every pending outbox item due, as the passing
// of its backoff would: a kill between an item's claim and its record
// leaves it waiting up to a minute, and the final runs should not.
func outboxBackoffPasses(t *testing.T, dataDir string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, store.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE outbox SET next_attempt = 0 WHERE state = ?", store.StatePending); err != nil {
		t.Fatalf("make the outbox due: %v", err)
	}
}

// TestCrashLoop runs the daemon as a child process over a mailbox of mixed
// messages and kills it with SIGKILL at random moments, restarting it each
// time. Afterwards every message is recorded exactly once, every one that
// deserves a reply got one (a second copy only as the identical resend
// after a kill between the SMTP server's OK and our commit), none is lost on
// the server, and the database passes its integrity check.
//
// By default it is a short loop (60 messages, 8 kills) with a fixed seed,
// the same every run; KAOHE_CRASH_LONG=1 (CI) makes it 300 messages and 24
// kills with a new seed each time. KAOHE_CRASH_SEED repeats a seed.
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop skipped in -short mode")
	}
	t.Parallel()
	messages, kills, seed := 60, 8, uint64(1)
	if os.Getenv("KAOHE_CRASH_LONG") != "" {
		messages, kills, seed = 300, 24, uint64(time.Now().UnixNano())
	}
	if s := os.Getenv("KAOHE_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("crash loop of %d messages and %d kills, seed %d (set KAOHE_CRASH_SEED to repeat)", messages, kills, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	srv := startMail(t)
	dataDir := t.TempDir()
	env := testEnv(t, srv, dataDir)
	env["KAOHE_HTTP_LISTEN"] = ""
	env["KAOHE_SMTP_PER_RECIPIENT_PER_HOUR"] = "100000"
	env["KAOHE_SMTP_PER_DAY"] = "100000"
	answered := crashMailbox(t, srv, messages)

	var childLog strings.Builder
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := func(args ...string) *exec.Cmd {
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), "KAOHE_TEST_MAIN=1")
		cmd.Stderr = &childLog
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	began := time.Now()
	for k := 0; k < kills; k++ {
		cmd := start("serve")
		time.Sleep(time.Duration(30+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	// Then let it finish: twice, so the second run proves a restart after a
	// clean stop changes nothing.
	for i := 0; i < 2; i++ {
		outboxBackoffPasses(t, dataDir)
		cmd := start("serve", "--once")
		if err := cmd.Wait(); err != nil {
			t.Fatalf("final serve --once: %v\n%s", err, tail(childLog.String(), 3000))
		}
	}
	t.Logf("%d kills and 2 clean runs took %v", kills, time.Since(began))

	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Check(ctx); err != nil {
		t.Fatalf("integrity: %v", err)
	}
	msgs, err := st.Messages(ctx, store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
		if m.Outcome == store.OutcomeReceived || m.Outcome == store.OutcomeQuarantined {
			t.Errorf("message %s left as %s: %s", m.MessageID, m.Outcome, m.LastError)
		}
	}
	if len(seen) != messages || len(msgs) != messages {
		t.Errorf("%d rows for %d distinct messages, want %d of each", len(msgs), len(seen), messages)
	}

	// Replies: exactly one per answered message, or the identical resend.
	byReplyTo := map[string][][]byte{}
	for _, d := range srv.Deliveries() {
		if d.To[0] == demo.Staff {
			continue
		}
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		byReplyTo[p.InReplyTo] = append(byReplyTo[p.InReplyTo], d.Raw)
	}
	resends := 0
	for id := range answered {
		copies := byReplyTo[id]
		switch {
		case len(copies) == 0:
			t.Errorf("no reply to %s", id)
		case len(copies) > 1:
			for _, c := range copies[1:] {
				if string(c) != string(copies[0]) {
					t.Errorf("two different replies to %s", id)
				}
			}
			resends += len(copies) - 1
		}
	}
	for id := range byReplyTo {
		if !answered[id] {
			t.Errorf("reply to %s, which should get none", id)
		}
	}
	if resends > kills {
		t.Errorf("%d resends after %d kills", resends, kills)
	}
	t.Logf("%d identical resends after %d kills", resends, kills)

	// Nothing lost on the server: all moved to Processed.
	c, err := imapclient.DialInsecure(srv.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(demo.Office, "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	inbox, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.Select("Processed", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if inbox.NumMessages != 0 || int(done.NumMessages) != messages {
		t.Errorf("INBOX %d, Processed %d; want 0 and %d", inbox.NumMessages, done.NumMessages, messages)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
