package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Outbox states.
const (
	StatePending = "pending" // waiting for its next attempt
	StateSent    = "sent"    // accepted by the SMTP server
	StateFailed  = "failed"  // permanently refused (5xx); shown to staff
)

// OutboxItem is one row of the outbox. Times are UTC.
type OutboxItem struct {
	ID             int64
	MessageID      string
	Kind           string
	To             string
	Raw            []byte
	RelatedMessage int64
	Attempts       int
	NextAttempt    time.Time
	State          string
	LastError      string
	CreatedAt      time.Time
	SentAt         time.Time
}

// EnqueueMail adds m to the outbox, pending and due now. It is idempotent
// by m.MessageID: when a row with that Message-ID exists nothing changes and
// added is false. Use it for staff notices, reminders and consolidated
// workbooks; replies to incoming mail go through SaveResult.
func (s *Store) EnqueueMail(ctx context.Context, m OutgoingMail) (added bool, err error) {
	if err := checkOutgoing(m); err != nil {
		return false, fmt.Errorf("enqueue mail: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = enqueue(ctx, tx, m, ms(s.now()))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("enqueue mail: %w", err)
	}
	return added, nil
}

func enqueue(ctx context.Context, tx *sql.Tx, m OutgoingMail, now int64) (bool, error) {
	var related any
	if m.RelatedMessage != 0 {
		related = m.RelatedMessage
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (message_id, kind, to_addr, raw, related, next_attempt, created_at)
		VALUES (?,?,?,?,?,?,?) ON CONFLICT (message_id) DO NOTHING`, m.MessageID, m.Kind, m.To, m.Raw, related, now, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DueOutbox returns up to limit pending items whose next attempt is at or
// before now, the longest-waiting first. Items stay pending until MarkSent,
// MarkRetry or MarkFailed: after a crash mid-send an item is sent again with
// the same Message-ID (at-least-once).
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.queryOutbox(ctx, "WHERE state = ? AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?", StatePending, ms(now), limit)
}

// OutboxByState lists up to limit items in state (e.g. StateFailed for the
// staff), newest first.
func (s *Store) OutboxByState(ctx context.Context, state string, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 1000
	}
	return s.queryOutbox(ctx, "WHERE state = ? ORDER BY id DESC LIMIT ?", state, limit)
}

// MarkSent records that item id was accepted by the server at at. Marking a
// sent item again is a no-op; a missing item is ErrNotFound.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.updateOutbox(ctx, "mark sent", id,
		"UPDATE outbox SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND state != ?",
		StateSent, ms(at), id, StateSent)
}

// MarkRetry records a temporary failure (4xx, network) of item id: it counts
// the attempt, keeps the error text and makes the item due again at next.
// A sent or failed item is left alone.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return s.updateOutbox(ctx, "mark retry", id,
		"UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ? AND state = ?",
		ms(next), errText, id, StatePending)
}

// MarkFailed records a permanent failure (5xx) of item id: it is never
// retried and is listed for the staff. A sent item is left alone.
func (s *Store) MarkFailed(ctx context.Context, id int64, errText string) error {
	return s.updateOutbox(ctx, "mark failed", id,
		"UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND state = ?",
		StateFailed, errText, id, StatePending)
}

func (s *Store) updateOutbox(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE id = ?", id).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return fmt.Errorf("outbox item %d: %w", id, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// SentCountSince counts mail sent to the address to (case-insensitive) at
// or after since, for per-recipient rate caps.
func (s *Store) SentCountSince(ctx context.Context, to string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND state = ? AND sent_at >= ?",
		to, StateSent, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sent count: %w", err)
	}
	return n, nil
}

// OutboxDepth counts outbox items by state; states with no item are absent.
func (s *Store) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT state, COUNT(*) FROM outbox GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

func (s *Store) queryOutbox(ctx context.Context, tail string, args ...any) ([]OutboxItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, message_id, kind, to_addr, raw, COALESCE(related, 0), attempts,
		next_attempt, state, last_error, created_at, sent_at FROM outbox `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var next, created, sent int64
		if err := rows.Scan(&it.ID, &it.MessageID, &it.Kind, &it.To, &it.Raw, &it.RelatedMessage, &it.Attempts,
			&next, &it.State, &it.LastError, &created, &sent); err != nil {
			return nil, fmt.Errorf("query outbox: %w", err)
		}
		it.NextAttempt, it.CreatedAt, it.SentAt = fromMS(next), fromMS(created), fromMS(sent)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	return out, nil
}
