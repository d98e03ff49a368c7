package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// File names inside the data directory.
const (
	DBFile      = "kaohe.db"
	LockFile    = "kaohe.lock"
	ArchiveDir  = "archive"
	busyTimeout = 10 * time.Second
)

// Errors callers branch on.
var (
	// ErrLocked means another process holds the data directory's lock file.
	ErrLocked = errors.New("data directory is in use by another kaohe process")
	// ErrReadOnly is returned by every write of a store opened with ReadOnly.
	ErrReadOnly = errors.New("store is open read-only")
	// ErrAlreadyDone means the message's result was saved before; nothing changed.
	ErrAlreadyDone = errors.New("result already saved for this message")
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt means an archived file does not match its hash.
	ErrCorrupt = errors.New("archived mail does not match its hash")
)

// Options tune Open. The zero value opens the store read-write with the
// system clock.
type Options struct {
	// ReadOnly opens the database without taking the lock file, without
	// migrating and with query_only set: for `kaohe consolidate` while the
	// daemon runs. The database must exist and be fully migrated.
	ReadOnly bool
	// Shared opens the database read-write without taking the lock file,
	// beside a running daemon: for `kaohe review import`, which staff run
	// while the daemon serves. SQLite's own locking orders its writes with
	// the daemon's (immediate transactions that wait up to busyTimeout for
	// the other's). It does not migrate: the database must exist and be
	// fully migrated. Ignored with ReadOnly.
	Shared bool
	// Season is the campaign year whose rows this store reads and writes:
	// messages recorded are stamped with it; submissions, reviews, vetoes,
	// reminders and assignments are those of this season only. Zero means
	// the newest season recorded (OpenSeason), or season 0 when none is.
	Season int
	// Now is the clock used for bookkeeping timestamps (created, imported,
	// updated). Nil means time.Now.
	Now func() time.Time

	// WriteFault, when set, is asked before every write to the data folder
	// (each database commit, each new archive file, each probe); an error it
	// returns fails that write as the disk would. Fault-injection tests use
	// it to make writes fail on cue; it is nil in production.
	WriteFault func() error

	// synchronous overrides synchronous=FULL; only benchmarks set it, to
	// measure what durability costs.
	synchronous string
}

// Store is the data directory: the SQLite database and the mail archive.
// It is safe for concurrent use by several goroutines.
type Store struct {
	dir      string
	readOnly bool
	season   int
	shared   bool // read-write beside the daemon: no lock file, no migration
	sync     string
	now      func() time.Time
	w        *sql.DB // writer pool: one connection, immediate transactions
	r        *sql.DB // reader pool: query_only connections
	ins      *inserts
	lock     *os.File
	fault    func() error          // Options.WriteFault
	damage   atomic.Pointer[error] // the first write error that said the file is damaged
}

// Open opens (creating if needed) the data directory dir: kaohe.db, archive/
// and kaohe.lock. Unless opts.ReadOnly, it takes an exclusive non-blocking
// lock on kaohe.lock (a second daemon on the same directory gets an error
// wrapping ErrLocked) and applies missing schema migrations in one
// transaction. Either way it runs PRAGMA quick_check: a damaged or foreign
// file gives an error that fault.Corrupt recognises.
func Open(dir string, opts Options) (*Store, error) {
	s := &Store{dir: dir, readOnly: opts.ReadOnly, season: opts.Season, shared: opts.Shared && !opts.ReadOnly, now: opts.Now, sync: opts.synchronous, fault: opts.WriteFault}
	if s.sync == "" {
		s.sync = "FULL"
	}
	if s.now == nil {
		s.now = time.Now
	}
	dbPath := filepath.Join(dir, DBFile)
	if opts.ReadOnly || s.shared {
		if _, err := os.Stat(dbPath); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	} else {
		if err := prepareDir(dir); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		lock, err := lockDir(filepath.Join(dir, LockFile))
		if err != nil {
			return nil, err
		}
		s.lock = lock
	}
	if err := s.openDB(dbPath); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openDB(path string) error {
	ctx := context.Background()
	if s.readOnly {
		r, err := sql.Open("sqlite", dsn(path, true, s.sync))
		if err != nil {
			return fmt.Errorf("open database: %w", err)
		}
		s.r = r
		if err := requireSchema(ctx, r); err != nil {
			return err
		}
		if err := quickCheck(ctx, r); err != nil {
			return err
		}
		return s.defaultSeason(ctx, r)
	}
	w, err := sql.Open("sqlite", dsn(path, false, s.sync))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s.w = w
	if s.shared {
		if err := requireSchema(ctx, w); err != nil {
			return err
		}
	} else if err := migrate(ctx, w, migrations, s.now(), s.season); err != nil {
		return err
	}
	if err := quickCheck(ctx, w); err != nil {
		return err
	}
	if err := s.defaultSeason(ctx, w); err != nil {
		return err
	}
	if s.ins, err = prepareInserts(ctx, w); err != nil {
		return err
	}
	r, err := sql.Open("sqlite", dsn(path, true, s.sync))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(4)
	s.r = r
	return nil
}

// requireSchema fails unless db is at the schema version of this program:
// a store opened beside the daemon leaves migrating to the daemon.
func requireSchema(ctx context.Context, db *sql.DB) error {
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v != len(migrations) {
		return fmt.Errorf("database schema is version %d, this program needs %d: start the daemon (kaohe serve) once to upgrade it", v, len(migrations))
	}
	return nil
}

// dsn builds the modernc.org/sqlite data source name. busy_timeout is in the
// DSN so that every pooled connection gets it.
func dsn(path string, readOnly bool, synchronous string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the database and releases the lock file. Call it once every
// other use of the store has returned; it is safe on a partly opened store
// and a no-op the second time.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
		s.r = nil
	}
	if s.ins != nil {
		s.ins.close()
		s.ins = nil
	}
	if s.w != nil {
		// The last connection to close checkpoints the WAL into the database.
		errs = append(errs, s.w.Close())
		s.w = nil
	}
	if s.lock != nil {
		errs = append(errs, unlockDir(s.lock))
		s.lock = nil
	}
	return errors.Join(errs...)
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// Backup writes a consistent copy of the database to path (VACUUM INTO); the
// file must not exist. The archive is not copied. It needs a read-write
// store (query_only forbids VACUUM INTO) and holds the writer while it runs.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.readOnly {
		return ErrReadOnly
	}
	// VACUUM INTO fills an empty file as it finds it: made here, the copy
	// gets the database's mode instead of SQLite's 0644.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return fmt.Errorf("backup database: %w", err)
	}
	f.Close()
	if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup database: %w", err)
	}
	return nil
}

// ms converts a time to the stored form: Unix milliseconds, UTC. The zero
// time is stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms: 0 gives the zero time, anything else a UTC time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
