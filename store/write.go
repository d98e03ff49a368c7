package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// write runs fn in one immediate transaction on the writer connection and
// commits it, or rolls it back when fn or the commit fails.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	tx, err := s.w.BeginTx(ctx, nil)
	return s.noteDamage(inTx(tx, err, s.faulty(fn)))
}

// inTx runs fn in the transaction tx just begun (or failed to begin, with
// beginErr), committing when fn succeeds and rolling back when it fails.
func inTx(tx *sql.Tx, beginErr error, fn func(tx *sql.Tx) error) error {
	if beginErr != nil {
		return fmt.Errorf("begin: %w", beginErr)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeUnsynced is write without a disk sync at the commit, for a
// transaction whose loss on a power cut is harmless: in WAL mode its frames
// become durable with the next synced commit, and until that one a lost
// record is redone from the mailbox. The connection goes back to the pool
// at the store's own synchronous setting, or not at all.
func (s *Store) writeUnsynced(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if s.readOnly {
		return ErrReadOnly
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		return fmt.Errorf("relax sync: %w", err)
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous="+s.sync); rerr != nil {
			// Never hand a relaxed connection back: drop it instead.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = fmt.Errorf("restore sync: %w", rerr)
			}
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	return s.noteDamage(inTx(tx, err, s.faulty(fn)))
}

// faulty is fn followed by the injected write fault, if any, so that the
// transaction is rolled back as a failed commit would leave it.
func (s *Store) faulty(fn func(tx *sql.Tx) error) func(tx *sql.Tx) error {
	if s.fault == nil {
		return fn
	}
	return func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := s.fault(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
}

// injected is the injected write fault for a write outside the database.
func (s *Store) injected() error {
	if s.fault == nil {
		return nil
	}
	return s.fault()
}
