//go:build unix

package store

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask0 runs the test under umask 0, so that a mode kaohe does not set
// explicitly shows as the creator's default (0644, 0755), not the shell's
// umask. Not parallel: the umask is the process's.
func withUmask0(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}

// modes walks dir and returns every entry's permission bits, by path
// relative to dir.
func modes(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	got := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		got[rel] = fi.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkPrivate fails for every entry of dir readable by group or others,
// and when a name in want is missing.
func checkPrivate(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := modes(t, dir)
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing (have %v)", name, got)
		}
	}
	for name, m := range got {
		fi, _ := os.Stat(filepath.Join(dir, name))
		if want := FileMode; fi.IsDir() {
			if m != DirMode {
				t.Errorf("folder %s is %v, want %v", name, m, DirMode)
			}
		} else if m != want {
			t.Errorf("file %s is %v, want %v", name, m, want)
		}
	}
}

func TestDataFolderIsPrivate(t *testing.T) {
	withUmask0(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s := openTest(t, dir, nil)
	hash, err := s.Archive([]byte("From: a@example.org\r\n\r\nhi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	// While open: the database's side files are there.
	checkPrivate(t, dir, ".", DBFile, DBFile+"-wal", DBFile+"-shm", LockFile, ArchiveDir,
		filepath.Join(ArchiveDir, hash[:2]), filepath.Join(ArchiveDir, hash[:2], hash+".eml"))
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != FileMode {
		t.Errorf("backup: %v, %v", fi.Mode(), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, dir, ".", DBFile, LockFile)
}

func TestOpenNarrowsAnOlderDataFolder(t *testing.T) {
	withUmask0(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := openTest(t, dir, nil)
	if _, err := s.Archive([]byte("From: a@example.org\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// As an earlier kaohe (or a hand-made folder) left it.
	for name, m := range modes(t, dir) {
		loose := fs.FileMode(0o644)
		if m.IsDir() || m&0o100 != 0 {
			loose = 0o755
		}
		os.Chmod(filepath.Join(dir, name), loose)
	}
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, ArchiveDir), 0o755)
	s = openTest(t, dir, nil)
	got := modes(t, dir)
	for _, name := range []string{".", ArchiveDir} {
		if got[name] != DirMode {
			t.Errorf("%s stays %v", name, got[name])
		}
	}
	for _, name := range []string{DBFile, DBFile + "-wal", DBFile + "-shm", LockFile} {
		if got[name] != FileMode {
			t.Errorf("%s stays %v", name, got[name])
		}
	}
	s.Close()
}

func TestSecureDir(t *testing.T) {
	withUmask0(t)
	root := t.TempDir()

	fresh := filepath.Join(root, "new", "data")
	st, err := SecureDir(fresh)
	if err != nil || st.Exists {
		t.Fatalf("SecureDir of a new folder: %+v, %v", st, err)
	}
	if got := modes(t, fresh)["."]; got != DirMode {
		t.Errorf("new folder is %v", got)
	}

	open := filepath.Join(root, "open")
	os.Mkdir(open, 0o755)
	st, err = SecureDir(open)
	if err != nil || !st.Open() || !st.Ours || st.Mode != 0o755 {
		t.Fatalf("SecureDir of an open folder: %+v, %v", st, err)
	}
	if got := modes(t, open)["."]; got != DirMode {
		t.Errorf("open folder of ours left %v", got)
	}
	if st, _ := InspectDir(open); st.Open() {
		t.Errorf("still open after SecureDir: %+v", st)
	}

	if _, err := SecureDir(filepath.Join(open, "nested", "file")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := SecureDir(filepath.Join(root, "file")); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("SecureDir of a file: %v", err)
	}

	if os.Geteuid() != 0 {
		t.Log("not root: a folder of another user cannot be made here")
		return
	}
	theirs := filepath.Join(root, "theirs")
	os.Mkdir(theirs, 0o755)
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	st, err = SecureDir(theirs)
	if err != nil || !st.Open() || st.Ours {
		t.Fatalf("SecureDir of another user's folder: %+v, %v", st, err)
	}
	if got := modes(t, theirs)["."]; got != 0o755 {
		t.Errorf("another user's folder changed to %v", got)
	}
}
