// Package faultinject makes the data folder fail on cue in tests: a Switch
// plugs into store.Options.WriteFault, and DiskFull gives the very error
// SQLite returns when the disk is full, so that the code under test
// classifies a real error, not a look-alike.
package faultinject

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"

	_ "modernc.org/sqlite" // the driver whose error is provoked
)

// Switch fails every write while it is on. The zero value is off; it is
// safe for concurrent use.
type Switch struct {
	mu     sync.Mutex
	err    error
	spare  int // writes still let through before err applies
	failed int
}

// Fail turns the switch on: every write fails with err until Heal.
func (s *Switch) Fail(err error) { s.FailAfter(0, err) }

// FailAfter lets the next n writes through, then fails every write with
// err until Heal.
func (s *Switch) FailAfter(n int, err error) {
	s.mu.Lock()
	s.err, s.spare = err, n
	s.mu.Unlock()
}

// Heal turns the switch off.
func (s *Switch) Heal() { s.Fail(nil) }

// Failed counts the writes failed so far.
func (s *Switch) Failed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// Hook is the function to give store.Options.WriteFault.
func (s *Switch) Hook() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		return nil
	}
	if s.spare > 0 {
		s.spare--
		return nil
	}
	s.failed++
	return s.err
}

// DiskFull returns the error modernc.org/sqlite gives when a write finds
// the disk full ("database or disk is full (13)"), provoked in a scratch
// in-memory database capped at a few pages.
func DiskFull() error {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return fmt.Errorf("disk full: open scratch database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"CREATE TABLE t (b BLOB)", "PRAGMA max_page_count = 3"} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("disk full: %s: %w", q, err)
		}
	}
	_, err = db.Exec("INSERT INTO t VALUES (zeroblob(1048576))")
	if err == nil {
		return errors.New("disk full: the scratch database took a write it should have refused")
	}
	return err
}
