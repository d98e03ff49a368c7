package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/fault"
	"kaohe/store"
)

// spoil damages a database file in one of the ways disks and people do.
var spoil = []struct {
	name string
	do   func(t *testing.T, path string)
}{
	{"text file", func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte("考核单位,类型,邮箱\n朝阳区代办处,区,a@example.org\n"), 0o640); err != nil {
			t.Fatal(err)
		}
	}},
	{"truncated", func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()*2/3); err != nil {
			t.Fatal(err)
		}
	}},
	{"pages overwritten", func(t *testing.T, path string) { garble(t, path, 4096) }},
}

// garble overwrites everything from off to the end of the file.
func garble(t *testing.T, path string, off int64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, fi.Size()-off)
	for i := range junk {
		junk[i] = byte(i*31 + 7)
	}
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

// A damaged database stops serve --once and every command that opens the
// store with exit 2 and a message that names the file, says the mailbox
// was not touched and gives the way back; the new mail stays in INBOX and
// nothing is sent.
func TestDamagedDatabaseStopsWithTheWayBack(t *testing.T) {
	for _, d := range spoil {
		t.Run(d.name, func(t *testing.T) {
			srv := startMail(t)
			dataDir := t.TempDir()
			setEnv(t, testEnv(t, srv, dataDir))
			at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
			for i := 1; i <= 2; i++ {
				srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", i), at)
			}
			var stderr bytes.Buffer
			if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
				t.Fatalf("first run: exit %d\n%s", code, stderr.String())
			}
			sent := len(srv.Deliveries())
			dbPath := filepath.Join(dataDir, store.DBFile)
			d.do(t, dbPath)
			srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 3), at)

			for _, args := range [][]string{{"serve", "--once"}, {"serve"}, {"consolidate", "-o", filepath.Join(t.TempDir(), "x.xlsx")},
				{"reprocess"}, {"rebuild"}} {
				stderr.Reset()
				code := run(context.Background(), args, io.Discard, &stderr)
				if code != exitBad {
					t.Errorf("%s: exit %d, want 2\n%s", args[0], code, stderr.String())
				}
				for _, want := range []string{dbPath, "邮箱没有因此受影响", "kaohe rebuild", "不会重发回执"} {
					if !strings.Contains(stderr.String(), want) {
						t.Errorf("%s: message lacks %q:\n%s", strings.Join(args, " "), want, stderr.String())
					}
				}
			}
			if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 1 {
				t.Errorf("INBOX holds %d messages, want the new one", n)
			}
			if n := len(srv.Deliveries()); n != sent {
				t.Errorf("%d mails sent with a damaged database", n-sent)
			}

			// The way back without a backup: the file moved aside, the
			// records re-created from the archive, nothing sent again;
			// then the daemon answers the new mail.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Rename(dbPath+suffix, dbPath+suffix+".damaged")
			}
			var stdout bytes.Buffer
			stderr.Reset()
			if code := run(context.Background(), []string{"rebuild"}, &stdout, &stderr); code != exitOK ||
				!strings.Contains(stdout.String(), "已从存档补回 2 封邮件的记录；0 封原已在数据库中；0 封仍在收件箱等待") {
				t.Fatalf("rebuild: exit %d\n%s%s", code, stdout.String(), stderr.String())
			}
			if n := len(srv.Deliveries()); n != sent {
				t.Errorf("rebuild sent %d mails", n-sent)
			}
			if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
				t.Fatalf("serve after the rebuild: exit %d\n%s", code, stderr.String())
			}
			if n := agencyReplies(srv); n != 3 {
				t.Errorf("%d receipts in all, want 3: one per mail", n)
			}
		})
	}
}

// Damage met while the daemon works (after the open-time check passed)
// stops it too, and says so.
func TestDamageFoundWhileWorkingStopsTheDaemon(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", i), at)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr.String())
	}
	sent := len(srv.Deliveries())
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 4), at)
	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	d := testDaemon(t, cfg, zerolog.Nop(), daemonOptions{InProcess: true})
	// Everything past the first page: the schema is already read.
	garble(t, filepath.Join(dataDir, store.DBFile), 4096)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	select {
	case err := <-done:
		if !fault.Corrupt(err) {
			t.Errorf("run stopped with %v, want the damage", err)
		}
	case <-ctx.Done():
		t.Fatal("the daemon kept running on a damaged database")
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 1 {
		t.Errorf("INBOX holds %d messages, want the new one", n)
	}
	if n := len(srv.Deliveries()); n != sent {
		t.Errorf("%d mails sent with a damaged database", n-sent)
	}
}
