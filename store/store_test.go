package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMigrationsApplyOnceAndAreNoOpsOnReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clk := newClock()
	s := openTest(t, dir, clk)
	var n, maxV int
	var applied int64
	if err := s.r.QueryRow("SELECT COUNT(*), MAX(version), MAX(applied_at) FROM schema_version").Scan(&n, &maxV, &applied); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || maxV != SchemaVersion() {
		t.Fatalf("schema_version: %d rows, max %d; want %d", n, maxV, SchemaVersion())
	}
	for _, table := range []string{"messages", "attachments", "submissions", "scores", "findings", "outbox", "reviews", "vetoes", "reminders", "imap_cursor", "state", "submission_history"} {
		count(t, s, table) // fails the test when the table is missing
	}
	var mode string
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var sync, fk int
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
	if err := s.r.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(24 * 3600e9)
	s2 := openTest(t, dir, clk)
	var n2 int
	var applied2 int64
	if err := s2.r.QueryRow("SELECT COUNT(*), MAX(applied_at) FROM schema_version").Scan(&n2, &applied2); err != nil {
		t.Fatal(err)
	}
	if n2 != n || applied2 != applied {
		t.Fatalf("reopen changed schema_version: %d rows at %d, was %d at %d", n2, applied2, n, applied)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	if _, err := s.w.Exec("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "newer kaohe") {
		t.Fatalf("Open on a newer schema: %v; want an error asking for a newer kaohe", err)
	}
}

func TestLockFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v; want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, LockFile)) || !strings.Contains(err.Error(), "pid ") {
		t.Errorf("lock error does not name the file and the owner: %v", err)
	}
	// A read-only store takes no lock and works while the daemon runs.
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open while locked: %v", err)
	}
	if err := s.SetState(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := ro.GetState(context.Background(), "k"); err != nil || !ok || v != "v" {
		t.Fatalf("read-only GetState = %q, %v, %v", v, ok, err)
	}
	if err := ro.SetState(context.Background(), "k", "w"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only SetState: %v; want ErrReadOnly", err)
	}
	if _, err := ro.Archive([]byte("x")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only Archive: %v; want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Read-only also works with no daemon running (WAL checkpointed away).
	ro, err = Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := ro.GetState(context.Background(), "k"); err != nil || !ok || v != "v" {
		t.Fatalf("read-only after the daemon stopped: %q, %v, %v", v, ok, err)
	}
	ro.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := s2.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestReadOnlyNeedsExistingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Open(dir, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of an empty directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only Open created the database: %v", err)
	}
}

func TestBackup(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	ctx := context.Background()
	if err := s.SetState(ctx, "last_consolidate", "2021-12-20"); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "backup")
	if err := os.MkdirAll(dst, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, filepath.Join(dst, DBFile)); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v, ok, err := b.GetState(ctx, "last_consolidate"); err != nil || !ok || v != "2021-12-20" {
		t.Fatalf("backup state = %q, %v, %v", v, ok, err)
	}
}

func TestMigrateAppliesOnlyMissingAndRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	v1 := []string{"CREATE TABLE a (x INTEGER)"}
	v2 := append(v1, "INSERT INTO a VALUES (1)")
	v3 := append(v2, "INSERT INTO a VALUES (2)", "CREATE TABLE a (y)") // the 4th fails
	for _, step := range []struct {
		name    string
		migs    []string
		wantErr bool
		wantV   int
		wantRow int
	}{
		{"new database", v1, false, 1, 0},
		{"reopen: no-op", v1, false, 1, 0},
		{"one more", v2, false, 2, 1},
		{"again: not re-applied", v2, false, 2, 1},
		{"failing batch rolls back", v3, true, 2, 1},
	} {
		err := migrate(ctx, db, step.migs, time.Unix(0, 0), 0)
		if (err != nil) != step.wantErr {
			t.Fatalf("%s: err = %v", step.name, err)
		}
		v, err := schemaVersion(ctx, db)
		if err != nil || v != step.wantV {
			t.Fatalf("%s: version %d, %v; want %d", step.name, v, err, step.wantV)
		}
		var rows int
		if err := db.QueryRow("SELECT COUNT(*) FROM a").Scan(&rows); err != nil || rows != step.wantRow {
			t.Fatalf("%s: %d rows, %v; want %d", step.name, rows, err, step.wantRow)
		}
	}
}
