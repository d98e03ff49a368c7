package mailbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

const dovecotBin = "/usr/sbin/dovecot"

// startDovecot runs a throw-away Dovecot on a loopback port with a
// passwd-file user and maildirs under t.TempDir, and returns its address.
// It skips the test loudly when Dovecot is not installed.
func startDovecot(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(dovecotBin); err != nil {
		// CI installs Dovecot and sets KAOHE_REQUIRE_DOVECOT: there a
		// missing server is a failure, not a skip.
		if os.Getenv("KAOHE_REQUIRE_DOVECOT") != "" {
			t.Fatalf("KAOHE_REQUIRE_DOVECOT is set but %s is missing: %v", dovecotBin, err)
		}
		t.Skip("DOVECOT NOT INSTALLED: integration test skipped; apt-get install dovecot-imapd (or run .ci/install-dovecot.sh)")
	}
	if testing.Short() {
		t.Skip("dovecot integration test skipped in -short mode")
	}
	dir := t.TempDir()
	// Dovecot's unprivileged processes must reach base_dir and the mail.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	users := dovecotUsers(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()

	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte(testUser+":{PLAIN}"+testPassword+"::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
instance_name = kaohe-test-%[2]s
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = %[5]s
default_login_user = %[6]s
mail_location = maildir:%[1]s/mail/%%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/home/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]s
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`, dir, port, users.mailUID, users.mailGID, users.internal, users.login)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dovecotBin, "-F", "-c", confPath)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			logData, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not listen on %s: %v\noutput: %s\nlog: %s", addr, err, out.String(), logData)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logData, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Logf("dovecot log:\n%s", logData)
		}
	})
	return addr
}

// dovecotRunUsers are the accounts the throw-away Dovecot runs as.
type dovecotRunUsers struct {
	internal, login  string
	mailUID, mailGID int
}

// dovecotUsers picks the accounts: as root, the packaged dovecot/dovenull
// users and "nobody" for mail (Dovecot refuses uid 0 for mail processes),
// with the mail directories handed to it; otherwise the current user for all.
func dovecotUsers(t *testing.T, dir string) dovecotRunUsers {
	t.Helper()
	if os.Getuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		return dovecotRunUsers{internal: u.Username, login: u.Username, mailUID: os.Getuid(), mailGID: os.Getgid()}
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run Dovecot mail processes: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	for _, d := range []string{"mail", "home"} {
		p := filepath.Join(dir, d)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dovecotRunUsers{internal: "dovecot", login: "dovenull", mailUID: uid, mailGID: gid}
}

// TestDovecotOnceMoves runs a Once pass against a real Dovecot: every
// message is handed once in order, moved to Processed, and \Seen is not set
// by the fetch (Dovecot, unlike the memory server, sets \Seen on BODY[]).
func TestDovecotOnceMoves(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	appendMessages(t, addr, "INBOX", 1, 3, 2000)
	rec := newRecorder()
	cur := newMemCursor()
	cfg := testConfig(addr, testLogger(t))
	rep, err := Inspect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if rep.MarkMode != "move" || !rep.Idle || !rep.IDSent || rep.Messages != 3 || rep.DoneExists {
		t.Errorf("Inspect report %+v: want move, idle, ID, 3 messages, no Processed yet", rep)
	}
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	got := rec.handled()
	if len(got) != 3 {
		t.Fatalf("handled %d, want 3", len(got))
	}
	for i, m := range got {
		if subjectNum(t, m.Raw) != i+1 || int64(len(m.Raw)) != m.Size {
			t.Errorf("message %d: subject %d, %d bytes of %d", i+1, subjectNum(t, m.Raw), len(m.Raw), m.Size)
		}
	}
	if in := readMailbox(t, addr, "INBOX"); len(in.nums) != 0 {
		t.Errorf("INBOX holds %v", in.nums)
	}
	done := readMailbox(t, addr, "Processed")
	if !slices.Equal(done.nums, []int{1, 2, 3}) {
		t.Errorf("Processed holds %v, want [1 2 3]", done.nums)
	}
	for i, fl := range done.flags {
		if hasFlag(fl, imap.FlagSeen) {
			t.Errorf("message %d is \\Seen: BODY.PEEK[] not used", i+1)
		}
	}
}

// TestDovecotCopyExpungeAndFlagModes hides MOVE (and then UIDPLUS) from
// the client with the proxy: with UIDPLUS the message is copied and
// UID-expunged; with neither it stays in INBOX with the done keyword.
func TestDovecotCopyExpungeAndFlagModes(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	appendMessages(t, addr, "INBOX", 1, 2, 0)

	px := startProxy(t, addr, nil, "MOVE")
	rec := newRecorder()
	rec.fail = func(m Fetched, _ int) error {
		if subjectNum(t, m.Raw) == 1 {
			return fmt.Errorf("keep message 1")
		}
		return nil
	}
	cfg := testConfig(px.addr, testLogger(t))
	if err := NewWatcher(cfg, newMemCursor(), rec.handle).Once(context.Background()); err == nil {
		t.Fatal("Once: want ErrIncomplete for the kept message")
	}
	if in := readMailbox(t, addr, "INBOX"); !slices.Equal(in.nums, []int{1}) {
		t.Errorf("INBOX holds %v, want [1]", in.nums)
	}
	if done := readMailbox(t, addr, "Processed"); !slices.Equal(done.nums, []int{2}) {
		t.Errorf("Processed holds %v, want [2]", done.nums)
	}

	px2 := startProxy(t, addr, nil, "MOVE", "UIDPLUS", "IMAP4rev2")
	cur := newMemCursor()
	rec2 := newRecorder()
	cfg2 := testConfig(px2.addr, testLogger(t))
	if err := NewWatcher(cfg2, cur, rec2.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once without MOVE/UIDPLUS: %v", err)
	}
	in := readMailbox(t, addr, "INBOX")
	if !slices.Equal(in.nums, []int{1}) || !hasFlag(in.flags[0], imap.Flag(DefaultDoneKeyword)) {
		t.Errorf("INBOX holds %v with flags %v, want [1] with %s", in.nums, in.flags, DefaultDoneKeyword)
	}
	rec3 := newRecorder()
	if err := NewWatcher(cfg2, cur, rec3.handle).Once(context.Background()); err != nil || len(rec3.handled()) != 0 {
		t.Errorf("second pass: err %v, handled %d, want nil and 0", err, len(rec3.handled()))
	}
}

// TestDovecotIdle: Dovecot reports new mail during IDLE and Run handles it
// within a couple of seconds.
func TestDovecotIdle(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	rec := newRecorder()
	cfg := testConfig(addr, testLogger(t))
	cfg.IdleMax, cfg.PollInterval = 10*time.Minute, 10*time.Minute
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	stop := runWatcher(t, w)
	waitConnected(t, w)
	time.Sleep(200 * time.Millisecond)
	appendMessages(t, addr, "INBOX", 1, 1, 0)
	rec.waitFor(t, 1, 3*time.Second)
	if took, _ := stop(); took > 2*time.Second {
		t.Errorf("Run took %v to stop", took)
	}
}
