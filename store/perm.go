package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Modes of everything kaohe keeps: the mail, the forms and the outbox are
// the agencies' and the office's, readable by the user kaohe runs as and
// no one else. Files are written with these modes explicitly, whatever the
// umask: the database is created before SQLite opens it, because SQLite
// creates a database 0644 and gives its -wal and -shm files the database's
// mode.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// DirState is a data folder's permissions as found.
type DirState struct {
	Exists bool
	Mode   fs.FileMode // permission bits; 0 when the folder did not exist
	// Ours: owned by this process's user, so that SecureDir may narrow it.
	Ours bool
}

// Open reports whether the folder lets its group or others in.
func (s DirState) Open() bool { return s.Exists && s.Mode&0o077 != 0 }

// InspectDir reports dir's permissions without changing anything.
func InspectDir(dir string) (DirState, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return DirState{}, nil
	}
	if err != nil {
		return DirState{}, err
	}
	if !fi.IsDir() {
		return DirState{}, fmt.Errorf("%s is not a folder", dir)
	}
	return DirState{Exists: true, Mode: fi.Mode().Perm(), Ours: ownedBySelf(fi)}, nil
}

// SecureDir creates dir (and missing parents) 0700, or narrows an existing
// dir that lets group or others in to 0700 when this process's user owns
// it. It returns the state as found: a folder that was Open and not Ours
// is still open, and the caller should say so.
func SecureDir(dir string) (DirState, error) {
	st, err := InspectDir(dir)
	if err != nil {
		return st, err
	}
	switch {
	case !st.Exists:
		if err := os.MkdirAll(dir, DirMode); err != nil {
			return st, err
		}
		// MkdirAll's mode passes through the umask, which may only narrow it.
	case st.Open() && st.Ours:
		if err := os.Chmod(dir, DirMode); err != nil {
			return st, err
		}
	}
	return st, nil
}

// prepareDir readies the data folder for a read-write Open: the folder and
// archive/ 0700, kaohe.db created 0600 when new (its -wal and -shm follow
// it), and the files and folders of an older kaohe, made before these
// modes, narrowed.
func prepareDir(dir string) error {
	if _, err := SecureDir(dir); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, ArchiveDir), DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	db := filepath.Join(dir, DBFile)
	f, err := os.OpenFile(db, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create database file: %w", err)
	}
	for _, name := range []string{DBFile, DBFile + "-wal", DBFile + "-shm", LockFile} {
		if err := narrow(filepath.Join(dir, name), FileMode); err != nil {
			return err
		}
	}
	for _, name := range []string{ArchiveDir, "workbooks"} {
		if err := narrow(filepath.Join(dir, name), DirMode); err != nil {
			return err
		}
	}
	return nil
}

// narrow sets mode on path when path is ours and lets in more than mode
// does; a missing path, or one of another user, is left alone.
func narrow(path string, mode fs.FileMode) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type()&fs.ModeSymlink != 0 || fi.Mode().Perm()&^mode == 0 || !ownedBySelf(fi) {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("narrow the mode of %s: %w", path, err)
	}
	return nil
}
