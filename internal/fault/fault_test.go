package fault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	_ "modernc.org/sqlite"
)

type fakeSQLite int

func (f fakeSQLite) Error() string { return fmt.Sprintf("sqlite error (%d)", int(f)) }
func (f fakeSQLite) Code() int     { return int(f) }

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Cause
	}{
		{"nil", nil, Message},
		{"plain", errors.New("sheet has no form"), Message},
		{"panic text", fmt.Errorf("panic: index out of range"), Message},
		{"marked", Systemic(errors.New("reader unavailable")), System},
		{"marked and wrapped", fmt.Errorf("read x.xlsx: %w", Systemicf("start worker: %w", os.ErrNotExist)), System},
		{"disk full errno", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}, System},
		{"read-only fs", fmt.Errorf("archive: %w", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EROFS}), System},
		{"permission", fmt.Errorf("archive: %w", fs.ErrPermission), System},
		{"sqlite full", fmt.Errorf("save result: %w", fakeSQLite(13)), System},
		{"sqlite ioerr extended", fakeSQLite(10 | 3<<8), System},
		{"sqlite corrupt", fakeSQLite(11), System},
		{"sqlite not a db", fakeSQLite(26), System},
		{"sqlite constraint", fakeSQLite(19), Message},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), System},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.err); got != tt.want {
				t.Errorf("Of(%v) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
}

// TestRealSQLiteErrors classifies what modernc.org/sqlite really returns
// for a file that is not a database.
func TestRealSQLiteErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(path, []byte("this is not a database, only text long enough to have a header page of garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec("CREATE TABLE t (x)")
	if err == nil {
		t.Fatal("a text file accepted a table")
	}
	if !IsSystem(err) || !Corrupt(err) {
		t.Errorf("error %v: IsSystem %v Corrupt %v, want both", err, IsSystem(err), Corrupt(err))
	}
	if DiskFull(err) {
		t.Errorf("error %v taken for a full disk", err)
	}
}

func TestDiskFull(t *testing.T) {
	if !DiskFull(fmt.Errorf("commit: %w", fakeSQLite(13))) || !DiskFull(&fs.PathError{Err: syscall.ENOSPC}) {
		t.Error("full disk not recognised")
	}
	if DiskFull(fakeSQLite(11)) || DiskFull(errors.New("full")) {
		t.Error("something else taken for a full disk")
	}
}
