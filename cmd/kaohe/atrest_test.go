//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/store"
)

// umask0 makes a mode kaohe does not set itself show as the creator's
// default (0644, 0755). Not parallel: the umask is the process's.
func umask0(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}

// checkPrivate fails for every file under dir that is not 0600 and every
// folder that is not 0700, and for every name of want that is missing.
func checkPrivate(t *testing.T, dir string, want ...string) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		if m := fi.Mode().Perm(); fi.IsDir() && m != store.DirMode || !fi.IsDir() && m != store.FileMode {
			t.Errorf("%s is %v", rel, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("%s missing under %s", name, dir)
		}
	}
}

func TestDrainLeavesEveryFilePrivate(t *testing.T) {
	umask0(t)
	srv := startMail(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil { // made by hand beforehand
		t.Fatal(err)
	}
	setEnv(t, testEnv(t, srv, dataDir))
	if err := srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), time.Now()); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	run(context.Background(), []string{"config", "check"}, &out, io.Discard)
	if !strings.Contains(out.String(), "注意：数据目录 "+dataDir+" 的权限是 0755") {
		t.Errorf("config check does not warn of the open data folder:\n%s", out.String())
	}

	cfg, err := config.LoadFor("", os.LookupEnv, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	d := testDaemon(t, cfg, newLogger(config.Log{Level: "info", Format: "json"}, &logs), daemonOptions{})
	if err := d.once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "data folder narrowed to 0700") {
		t.Errorf("narrowing not logged:\n%s", logs.String())
	}
	// The database's side files exist while the daemon runs.
	checkPrivate(t, dataDir, ".", store.DBFile, store.DBFile+"-wal", store.DBFile+"-shm", store.LockFile,
		store.ArchiveDir, filepath.Join("workbooks", "汇总.xlsx"))
	d.Close()
	checkPrivate(t, dataDir, ".", store.DBFile)

	outDir := t.TempDir()
	os.Chmod(outDir, store.DirMode)
	wb, form := filepath.Join(outDir, "汇总.xlsx"), filepath.Join(outDir, "考核表.xlsx")
	if code := run(context.Background(), []string{"consolidate", "-o", wb}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("consolidate: exit %d", code)
	}
	if code := run(context.Background(), []string{"template", "-o", form}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("template: exit %d", code)
	}
	checkPrivate(t, outDir, "汇总.xlsx", "考核表.xlsx")

	out.Reset()
	run(context.Background(), []string{"config", "check"}, &out, io.Discard)
	if !strings.Contains(out.String(), "数据目录 "+dataDir+"：权限 0700") {
		t.Errorf("config check after the fix:\n%s", out.String())
	}
}

func TestDemoOutputIsPrivateAndItsOwn(t *testing.T) {
	umask0(t)
	out := filepath.Join(t.TempDir(), "demo-out")
	for run := 1; run <= 2; run++ { // the second run replaces the first's folder
		if _, err := playDemo(context.Background(), demoOptions{Out: out, Agencies: demo.MinAgencies, Log: io.Discard}, io.Discard, io.Discard); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	checkPrivate(t, out, ".", demoMarker, "名册.csv", "汇总.xlsx", "回执", "批注表", "data", filepath.Join("data", store.DBFile))

	// A folder with someone's file in it is refused and left as it was.
	theirs := t.TempDir()
	if err := os.WriteFile(filepath.Join(theirs, "论文.docx"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := playDemo(context.Background(), demoOptions{Out: theirs, Agencies: demo.MinAgencies, Log: io.Discard}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "不是 kaohe demo 建的") {
		t.Fatalf("demo into a folder of someone's: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(theirs, "论文.docx")); err != nil || string(b) != "mine" {
		t.Errorf("their file: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(theirs); len(entries) != 1 {
		t.Errorf("the refused folder now holds %d entries", len(entries))
	}
}

func TestPrepareDemoOut(t *testing.T) {
	umask0(t)
	cases := []struct {
		name  string
		setup func(dir string) // dir does not exist yet
		ok    bool
	}{
		{"new folder", func(string) {}, true},
		{"empty folder", func(dir string) { os.Mkdir(dir, 0o755) }, true},
		{"an earlier demo's folder", func(dir string) {
			os.Mkdir(dir, 0o700)
			os.WriteFile(filepath.Join(dir, demoMarker), nil, 0o600)
			os.WriteFile(filepath.Join(dir, "old.eml"), nil, 0o600)
		}, true},
		{"someone's folder", func(dir string) {
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
		}, false},
		{"a hidden file only", func(dir string) {
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, ".profile"), []byte("x"), 0o644)
		}, false},
		{"marker that is a folder", func(dir string) {
			os.MkdirAll(filepath.Join(dir, demoMarker), 0o755)
		}, false},
		{"marker that is a link", func(dir string) {
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
			os.Symlink("notes.txt", filepath.Join(dir, demoMarker))
		}, false},
		{"a file", func(dir string) { os.WriteFile(dir, []byte("x"), 0o644) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			c.setup(dir)
			err := prepareDemoOut(dir)
			if c.ok != (err == nil) {
				t.Fatalf("prepareDemoOut: %v", err)
			}
			if !c.ok {
				return
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != demoMarker {
				t.Errorf("after prepareDemoOut: %v", entries)
			}
			checkPrivate(t, dir, ".", demoMarker)
		})
	}
}

// keepWatcher is the demo's stdout: when the --keep banner is out it
// hands the text to check, then stops the demo.
type keepWatcher struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	once   sync.Once
	check  func(text string)
	cancel context.CancelFunc
}

func (w *keepWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	text := w.buf.String()
	w.mu.Unlock()
	if strings.Contains(text, "几秒后即可") {
		w.once.Do(func() { w.check(text); w.cancel() })
	}
	return len(p), nil
}

func TestDemoKeepPrintsARandomPasswordOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var imapAddr string
	w := &keepWatcher{cancel: cancel}
	login := func(pw string) error {
		c, err := imapclient.DialInsecure(imapAddr, nil)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Login(demo.Office, pw).Wait()
	}
	var printed string
	var loginErrs []error
	w.check = func(text string) {
		for _, line := range strings.Split(text, "\n") {
			if rest, ok := strings.CutPrefix(line, "  IMAP "); ok {
				imapAddr, _, _ = strings.Cut(rest, "（")
			}
			if _, rest, ok := strings.Cut(line, "密码均为 "); ok {
				printed, _, _ = strings.Cut(rest, "（")
			}
		}
		loginErrs = []error{login("demo"), login(printed)}
	}
	res, err := playDemo(ctx, demoOptions{Out: filepath.Join(t.TempDir(), "out"), Agencies: demo.MinAgencies, Keep: true, Log: io.Discard}, w, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	text := w.buf.String()
	if res.Password == "" || res.Password == "demo" || len(res.Password) < 16 {
		t.Fatalf("password %q", res.Password)
	}
	if n := strings.Count(text, res.Password); n != 1 {
		t.Errorf("the password is printed %d times:\n%s", n, text)
	}
	if imapAddr == "" || loginErrs == nil {
		t.Fatalf("no IMAP address in the banner:\n%s", text)
	}
	if printed != res.Password || loginErrs[1] != nil {
		t.Errorf("printed password %q (drawn %q) opens the mailbox: %v", printed, res.Password, loginErrs[1])
	}
	if loginErrs[0] == nil {
		t.Error(`the demo's mailbox opens with the password "demo"`)
	}
	// Each run draws its own.
	if other, err := playDemo(context.Background(), demoOptions{Out: filepath.Join(t.TempDir(), "out"), Agencies: demo.MinAgencies, Log: io.Discard}, io.Discard, io.Discard); err != nil || other.Password == res.Password {
		t.Errorf("second run: password %q (first %q), %v", other.Password, res.Password, err)
	}
}

func TestDataFolderOfAnotherUserIsWarnedAbout(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can make a folder of another user here")
	}
	umask0(t)
	dir := filepath.Join(t.TempDir(), "data")
	os.Mkdir(dir, 0o755)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if line := dataDirLine(dir); !strings.Contains(line, "不属于当前用户") || !strings.Contains(line, "chmod 700 "+dir) {
		t.Errorf("config check line: %s", line)
	}
	var logs bytes.Buffer
	if err := secureDataDir(dir, newLogger(config.Log{Level: "info", Format: "json"}, &logs)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "chmod 700") {
		t.Errorf("log: %s", logs.String())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o755 {
		t.Errorf("another user's folder changed to %v", fi.Mode())
	}
}
