package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/store"
)

// TestOutboxOnFullTmpfs runs the outbox on a real 8 MiB tmpfs that fills
// up right after the server accepted a receipt (root only: it mounts the
// tmpfs). Sending pauses with the store named in /healthz, and once space
// is freed every receipt goes out, each once.
func TestOutboxOnFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	srv := startMail(t)
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	d, log := outboxDaemon(t, srv, filepath.Join(dir, "data"), clk, map[string]string{"KAOHE_SMTP_PER_RECIPIENT_PER_HOUR": "1000"})
	ctx := context.Background()
	const receipts = 20
	body := strings.Repeat(strings.Repeat("A", 76)+"\r\n", 520) // a 40 KB mail, as base64 lines
	for i := range receipts {
		raw := fmt.Sprintf("From: <office@example.org>\r\nTo: <chaoyang@example.org>\r\nMessage-ID: <r%d@kaohe.test>\r\n\r\n%s\r\n", i, body)
		if _, err := d.store.EnqueueMail(ctx, store.OutgoingMail{MessageID: fmt.Sprintf("<r%d@kaohe.test>", i), Kind: store.KindReply,
			To: "chaoyang@example.org", Raw: []byte(raw)}); err != nil {
			t.Fatal(err)
		}
	}
	// The disk fills up right after the server accepted the third receipt,
	// before the outbox records it.
	filler := filepath.Join(dir, "filler")
	accepted := 0
	d.sender.SendFunc = func(ctx context.Context, cfg reply.SMTPConfig, from string, to []string, raw []byte) error {
		err := reply.Send(ctx, cfg, from, to, raw)
		if accepted++; err == nil && accepted == 3 {
			fill(t, filler)
		}
		return err
	}

	paused := false
	for range 60 {
		_, err := d.sender.Flush(ctx)
		if errors.Is(err, syscall.ENOSPC) || strings.Contains(fmt.Sprint(err), "full") {
			paused = true
			code, h, _ := healthOf(t, d)
			if code != 503 || !strings.Contains(components(h), monitor.ComponentStore) {
				t.Fatalf("healthz while the store fails: %d %+v", code, h)
			}
		}
		clk.Add(10 * time.Second)
	}
	if during := len(srv.Deliveries()); during != 3 || !paused {
		t.Fatalf("disk full after the third receipt: %d delivered, paused %v; want 3 and paused", during, paused)
	}

	os.Remove(filler)
	for range 30 {
		if err := d.flush(ctx); err != nil {
			t.Fatalf("flush after space came back: %v", err)
		}
		clk.Add(time.Minute)
	}
	copies := map[string]int{}
	for _, dl := range srv.Deliveries() {
		id := between(string(dl.Raw), "Message-ID: ", "\r\n")
		copies[id]++
	}
	if len(copies) != receipts {
		t.Errorf("%d distinct receipts delivered, want %d", len(copies), receipts)
	}
	for id, n := range copies {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if _, down := d.faults.Get(monitor.ComponentStore); down {
		t.Error("store fault still set after space came back")
	}
	if n := strings.Count(log.String(), "sending paused until a probe write succeeds"); n != 1 {
		t.Errorf("pause logged %d times, want once", n)
	}
	// The third receipt's record is what the full disk refused.
	if !strings.Contains(log.String(), "mail accepted by the server but not recorded as sent") {
		t.Errorf("the full disk did not refuse the record of an accepted receipt:\n%s", log.String())
	}
}

// fill writes path until the disk is full.
func fill(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
