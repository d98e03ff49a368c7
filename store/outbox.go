package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/outbox"
)

// Outbox states.
const (
	StatePending = "pending" // waiting for its next attempt
	StateSent    = "sent"    // accepted by the SMTP server
	StateFailed  = "failed"  // permanently refused (5xx); shown to staff
)

// Store keeps the outbox the sender in reply delivers.
var _ outbox.Store = (*Store)(nil)

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
// before now: receipts to agencies and staff mail first, then reminders,
// then replies to senders not on the roster; within each, the
// longest-waiting first. Items stay pending until MarkSent or MarkFailed:
// after a crash mid-send an item is sent again with the same Message-ID
// (at-least-once), once its claim's next attempt comes.
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) ([]outbox.Item, error) {
	items, err := s.dueOutbox(ctx, now, limit)
	return items, s.noteDamage(err)
}

func (s *Store) dueOutbox(ctx context.Context, now time.Time, limit int) ([]outbox.Item, error) {
	if limit <= 0 {
		limit = 100
	}
	// The order is decided on ids alone: sorting whole rows would carry
	// every due mail's raw bytes through the sorter.
	rows, err := s.r.QueryContext(ctx, qDueIDs, StatePending, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	var ids []any
	pos := map[int64]int{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("due outbox: %w", err)
		}
		pos[id] = len(ids)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	items, err := s.queryOutbox(ctx, "WHERE id IN (?"+strings.Repeat(",?", len(ids)-1)+")", ids...)
	if err != nil {
		return nil, err
	}
	out := make([]outbox.Item, len(ids))
	n := 0
	for _, it := range items {
		if i, ok := pos[it.ID]; ok {
			out[i] = it
			n++
		}
	}
	if n != len(ids) {
		// Sent or removed between the two reads: keep the order, drop the gaps.
		out = slices.DeleteFunc(out, func(it outbox.Item) bool { return it.ID == 0 })
	}
	return out, nil
}

// The outbox's hot queries, one per send or per message. Each is answered
// from an index without reading the rows' raw mail (TestHotOutboxQueryPlans).
const (
	// qDueIDs ranks due items by kind, lowest first. A kind not named here
	// ranks with receipts: a new kind is never starved by accident.
	qDueIDs = "SELECT id FROM outbox WHERE state = ? AND next_attempt <= ? ORDER BY CASE kind WHEN '" + KindUnknownReply +
		"' THEN 2 WHEN '" + KindReminder + "' THEN 1 ELSE 0 END, next_attempt, id LIMIT ?"
	qSentAll      = "SELECT COUNT(*) FROM outbox WHERE state = ? AND sent_at >= ?"
	qSentTo       = "SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND state = ? AND sent_at >= ?"
	qSentKind     = "SELECT COUNT(*) FROM outbox WHERE state = ? AND sent_at >= ? AND kind = ?"
	qQueuedTo     = "SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND created_at >= ?"
	qOldestQueued = "SELECT COALESCE(MIN(created_at), 0) FROM outbox WHERE state = ? AND kind != ?"
)

// The hot queries of the pipeline path: one or more per message. Each is
// answered from an index without reading a report or a mail
// (TestHotQueryPlans).
const (
	qDedup       = "SELECT id FROM messages WHERE message_id = ? AND hash = ?"
	qNextVersion = "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE season = ? AND agency = ?"
	// qResultMessage is what SaveResult reads of the message it saves for.
	qResultMessage = "SELECT done_at, received_at, season FROM messages WHERE id = ?"
	// qCurrentCandidates is what CurrentSubmissions ranks.
	qCurrentCandidates = "SELECT id, agency, status, on_time, received_at, version FROM submissions WHERE season = ? AND agency != ''"
)

// ClaimOutbox records an attempt of pending item id before it is handed to
// the SMTP server: the attempt is counted and the item is not due again
// before next. A crash, or a commit that fails after the server accepted
// the mail, then delays its resend to next instead of making it due at
// once. claimed is false when the item is no longer pending.
func (s *Store) ClaimOutbox(ctx context.Context, id int64, next time.Time) (claimed bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE outbox SET attempts = attempts + 1, next_attempt = ? WHERE id = ? AND state = ?",
			ms(next), id, StatePending)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim outbox item %d: %w", id, err)
	}
	return claimed, nil
}

// OutboxByState lists up to limit items in state (e.g. StateFailed for the
// staff), newest first.
func (s *Store) OutboxByState(ctx context.Context, state string, limit int) ([]outbox.Item, error) {
	if limit <= 0 {
		limit = 1000
	}
	return s.queryOutbox(ctx, "WHERE state = ? ORDER BY id DESC LIMIT ?", state, limit)
}

// MarkSent records that item id was accepted by the server at at (the
// attempt was counted by ClaimOutbox). Marking a sent item again is a
// no-op; a missing item is ErrNotFound.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.updateOutbox(ctx, "mark sent", id,
		"UPDATE outbox SET state = ?, sent_at = ?, last_error = '' WHERE id = ? AND state != ?",
		StateSent, ms(at), id, StateSent)
}

// MarkRetry records a temporary failure (4xx, network) of claimed item id:
// it keeps the error text and makes the item due again at next. A sent or
// failed item is left alone.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return s.updateOutbox(ctx, "mark retry", id,
		"UPDATE outbox SET next_attempt = ?, last_error = ? WHERE id = ? AND state = ?",
		ms(next), errText, id, StatePending)
}

// MarkRetryUncounted is MarkRetry that also takes back the attempt
// ClaimOutbox counted: for a refusal before the mail was handed over, during
// an outage of the whole server, which is not the mail's failure.
func (s *Store) MarkRetryUncounted(ctx context.Context, id int64, next time.Time, errText string) error {
	return s.updateOutbox(ctx, "mark retry", id,
		"UPDATE outbox SET next_attempt = ?, last_error = ?, attempts = max(attempts - 1, 0) WHERE id = ? AND state = ?",
		ms(next), errText, id, StatePending)
}

// MarkFailed records a permanent failure (5xx) of item id: it is never
// retried and is listed for the staff. A sent item is left alone.
func (s *Store) MarkFailed(ctx context.Context, id int64, errText string) error {
	return s.updateOutbox(ctx, "mark failed", id,
		"UPDATE outbox SET state = ?, last_error = ? WHERE id = ? AND state = ?",
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
// or after since, for per-recipient rate caps. The outbox_to_sent index
// answers it without reading any row.
func (s *Store) SentCountSince(ctx context.Context, to string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, qSentTo, to, StateSent, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sent count: %w", err)
	}
	return n, nil
}

// SentKindSince counts mail of kind sent to anyone at or after since, for
// the share of the daily cap a kind may use. The outbox_sent_at index
// answers it without reading any row.
func (s *Store) SentKindSince(ctx context.Context, kind string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, qSentKind, StateSent, ms(since), kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sent count of %s: %w", kind, err)
	}
	return n, nil
}

// OldestPending is when the longest-waiting pending item was queued; the
// zero time when nothing is pending. Replies to senders not on the roster
// are left out: they wait by design while their share of the daily cap is
// used up, and must not make the outbox look stuck.
func (s *Store) OldestPending(ctx context.Context) (time.Time, error) {
	var at int64
	err := s.r.QueryRowContext(ctx, qOldestQueued, StatePending, KindUnknownReply).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest pending: %w", err)
	}
	return fromMS(at), nil
}

// outboxProbeSize is what ProbeWrite writes: about one mail of the outbox, so
// that a disk with room for the probe has room for the next claim too.
const outboxProbeSize = 64 << 10

// ProbeWrite commits a small transaction of about one outbox mail's size,
// to learn whether the database can be written again after a failure
// (disk full, read-only, I/O error). It first moves the WAL into the
// database and truncates it: on a small disk the WAL can hold most of the
// free space (it is checkpointed only at 4 MB), and a failing commit never
// checkpoints it.
func (s *Store) ProbeWrite(ctx context.Context) error {
	if s.readOnly {
		return ErrReadOnly
	}
	// Its failure (readers still on old snapshots) is no answer: the write
	// below is.
	_, _ = s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES ('probe.write', zeroblob(?), ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, outboxProbeSize, ms(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("probe write: %w", err)
	}
	return nil
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

func (s *Store) queryOutbox(ctx context.Context, tail string, args ...any) ([]outbox.Item, error) {
	// The mail's bytes are in outbox_raw (schema 2); a row's own raw is
	// empty then.
	rows, err := s.r.QueryContext(ctx, `SELECT id, message_id, kind, to_addr, COALESCE(data, raw), COALESCE(related, 0), attempts,
		next_attempt, state, last_error, created_at, sent_at FROM outbox LEFT JOIN outbox_raw ON outbox_raw.outbox = outbox.id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	defer rows.Close()
	var out []outbox.Item
	for rows.Next() {
		var it outbox.Item
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
