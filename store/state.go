package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LastUID returns the highest UID recorded for the mailbox under
// uidValidity, 0 when none (a new mailbox, or a UIDVALIDITY change: then
// every message is fetched again and RecordMessage's dedup recognises the
// ones already seen). It has no context so that the store implements
// mailbox.Cursor directly; the busy timeout bounds it.
func (s *Store) LastUID(mailbox string, uidValidity uint32) (uint32, error) {
	ctx := context.Background()
	var uid uint32
	err := s.r.QueryRowContext(ctx, "SELECT last_uid FROM imap_cursor WHERE mailbox = ? AND uid_validity = ?", mailbox, uidValidity).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.noteDamage(fmt.Errorf("last uid: %w", err))
	}
	return uid, nil
}

// SetLastUID records uid as handled for the mailbox under uidValidity. The
// cursor only moves forward: a lower uid than the stored one is ignored.
// Like LastUID it implements mailbox.Cursor.
func (s *Store) SetLastUID(mailbox string, uidValidity, uid uint32) error {
	ctx := context.Background()
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO imap_cursor (mailbox, uid_validity, last_uid, updated_at) VALUES (?,?,?,?)
			ON CONFLICT (mailbox, uid_validity) DO UPDATE SET last_uid = excluded.last_uid, updated_at = excluded.updated_at
			WHERE excluded.last_uid > imap_cursor.last_uid`, mailbox, uidValidity, uid, ms(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("set last uid: %w", err)
	}
	return nil
}

// GetState returns the value stored under key and whether there is one.
func (s *Store) GetState(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, "SELECT value FROM state WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get state %s: %w", key, err)
	}
	return v, true, nil
}

// SetState stores value under key, replacing any earlier value. For small
// bits of daemon state (last consolidation day, last staff notice time).
func (s *Store) SetState(ctx context.Context, key, value string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES (?,?,?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, ms(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("set state %s: %w", key, err)
	}
	return nil
}

// MarkReminderSent records that the reminder of day (days before the
// cut-off) went to agency at at. It returns true only the first time for
// that agency and day, across restarts.
func (s *Store) MarkReminderSent(ctx context.Context, agency string, day int, at time.Time) (bool, error) {
	var first bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		first, err = markReminder(ctx, tx, agency, day, at)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark reminder: %w", err)
	}
	return first, nil
}

// EnqueueReminder records the reminder of day for agency and queues m, in
// one transaction, only the first time: later calls for the same agency and
// day change nothing and return false.
func (s *Store) EnqueueReminder(ctx context.Context, agency string, day int, m OutgoingMail) (bool, error) {
	if err := checkOutgoing(m); err != nil {
		return false, fmt.Errorf("enqueue reminder: %w", err)
	}
	now := s.now()
	var first bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if first, err = markReminder(ctx, tx, agency, day, now); err != nil || !first {
			return err
		}
		_, err = enqueue(ctx, tx, m, ms(now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("enqueue reminder: %w", err)
	}
	return first, nil
}

func markReminder(ctx context.Context, tx *sql.Tx, agency string, day int, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, "INSERT INTO reminders (agency, day, sent_at) VALUES (?,?,?) ON CONFLICT DO NOTHING", agency, day, ms(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
