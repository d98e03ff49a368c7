// Package dovecottest starts a throw-away Dovecot IMAP server for tests
// and benchmarks that run against what a deployment has.
package dovecottest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Bin is where the Dovecot binary is looked for.
const Bin = "/usr/sbin/dovecot"

// Start runs a throw-away Dovecot on a loopback port with one passwd-file
// user and maildirs under t.TempDir, and returns its address; it is stopped
// when the test ends. It skips the test loudly when Dovecot is not
// installed, unless KAOHE_REQUIRE_DOVECOT is set, and in -short mode.
func Start(t testing.TB, name, password string) string {
	t.Helper()
	if _, err := os.Stat(Bin); err != nil {
		// CI installs Dovecot and sets KAOHE_REQUIRE_DOVECOT: there a
		// missing server is a failure, not a skip.
		if os.Getenv("KAOHE_REQUIRE_DOVECOT") != "" {
			t.Fatalf("KAOHE_REQUIRE_DOVECOT is set but %s is missing: %v", Bin, err)
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
	if err := os.WriteFile(passwd, []byte(name+":{PLAIN}"+password+"::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	confPath := writeConf(t, dir, port, users)
	launch(t, dir, addr, confPath)
	return addr
}

// conf is the throw-away Dovecot's configuration: %[1]s its folder,
// %[2]s its port, %[3]d:%[4]d the mail's owner, %[5]s and %[6]s the
// accounts it runs as.
const conf = `
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
`

// writeConf writes the configuration into dir and returns its path.
func writeConf(t testing.TB, dir, port string, users dovecotRunUsers) string {
	t.Helper()
	confPath := filepath.Join(dir, "dovecot.conf")
	text := fmt.Sprintf(conf, dir, port, users.mailUID, users.mailGID, users.internal, users.login)
	if err := os.WriteFile(confPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return confPath
}

// launch runs Dovecot until the test ends and waits until it listens on
// addr; its log is shown when the test fails.
func launch(t testing.TB, dir, addr, confPath string) {
	t.Helper()
	cmd := exec.Command(Bin, "-F", "-c", confPath)
	var out SyncBuffer
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
}

// dovecotRunUsers are the accounts the throw-away Dovecot runs as.
type dovecotRunUsers struct {
	internal, login  string
	mailUID, mailGID int
}

// dovecotUsers picks the accounts: as root, the packaged dovecot/dovenull
// users and "nobody" for mail (Dovecot refuses uid 0 for mail processes),
// with the mail directories handed to it; otherwise the current user for all.
func dovecotUsers(t testing.TB, dir string) dovecotRunUsers {
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

// SyncBuffer is a goroutine-safe bytes.Buffer, for the output of a
// server or a logger that several goroutines write.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
