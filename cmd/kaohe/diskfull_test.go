package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/demo"
	"kaohe/store"
)

// mountTmpfs mounts a tmpfs of size on dir, or skips the test where that
// is not possible (not root, no mount, a container without the right).
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a real disk-full test needs root to mount a tmpfs")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// A data folder on a 3 MiB disk fills up during a drain under `kaohe
// serve`; then the disk is enlarged. Intake must pause rather than charge
// the full disk to the agencies, and resume by itself: no message is
// quarantined, every one is answered, and none is lost.
func TestDiskFullOnTmpfs(t *testing.T) {
	if testing.Short() {
		t.Skip("drains 50 messages")
	}
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	mountTmpfs(t, dataDir, "3m")
	srv := startMail(t)
	env := testEnv(t, srv, dataDir)
	env["KAOHE_SMTP_PER_RECIPIENT_PER_HOUR"] = "1000"
	env["KAOHE_SMTP_PER_DAY"] = "1000"
	env["KAOHE_HTTP_LISTEN"] = ""
	const n = 50 // about 15 fill the disk
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", i), at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	d := testDaemon(t, envConfig(t, env), zerolog.Nop(), daemonOptions{InProcess: true, ProbeEvery: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	waitUntil(t, 60*time.Second, "the disk to fill and intake to pause", d.pipe.Paused)
	time.Sleep(time.Second) // a full disk for a while: five probes fail, nothing may be charged
	waiting := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX")
	if waiting == 0 {
		t.Fatal("intake paused with nothing left in the mailbox")
	}
	if !d.pipe.Paused() {
		t.Error("intake resumed while the disk was still full")
	}
	if r := d.faults.Active(); len(r) == 0 {
		t.Error("no fault in force while the disk is full")
	}
	t.Logf("disk full with %d of %d messages waiting in INBOX", waiting, n)

	if out, err := exec.Command("mount", "-o", "remount,size=64m", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("enlarge the tmpfs: %v %s", err, out)
	}
	enlarged := time.Now()
	waitUntil(t, 2*time.Minute, "every message answered after the disk was enlarged", func() bool {
		return countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX") == 0 && len(repliesTo(srv, "chaoyang@example.org")) == n
	})
	t.Logf("all answered %v after the disk was enlarged", time.Since(enlarged).Round(100*time.Millisecond))

	msgs, err := d.store.Messages(context.Background(), store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	quarantined, counted := 0, 0
	for _, m := range msgs {
		if m.Outcome == store.OutcomeQuarantined {
			quarantined++
		}
		if m.Attempts > 0 {
			counted++
		}
	}
	if len(msgs) != n || quarantined != 0 || counted != 0 {
		t.Errorf("%d messages recorded (want %d), %d quarantined, %d with attempts charged (want 0 and 0)", len(msgs), n, quarantined, counted)
	}
	if got := countMailbox(t, srv.IMAPAddr, demo.Office, "Processed"); got != n {
		t.Errorf("Processed holds %d, want %d", got, n)
	}
	// Receipts: each subject is one message. A receipt the server took
	// whose record then failed may go once more, never in a loop: the
	// outbox stops sending while it cannot record its state.
	maxCopies, dup := 0, 0
	for subj, c := range repliesTo(srv, "chaoyang@example.org") {
		maxCopies = max(maxCopies, c)
		if c > 1 {
			dup++
			t.Logf("receipt %q sent %d times", subj, c)
		}
	}
	if maxCopies > 2 {
		t.Errorf("a receipt went %d times (%d receipts more than once); at most twice", maxCopies, dup)
	}
}
