package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// QueuedCountSince counts the mail queued for the address to
// (case-insensitive) at or after since, whatever its state: the reply rate
// cap counts what we decided to send, not only what went out.
func (s *Store) QueuedCountSince(ctx context.Context, to string, since time.Time) (int, error) {
	return queuedCountSince(ctx, s.r, to, since)
}

// rowQuerier is a database or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queuedCountSince(ctx context.Context, q rowQuerier, to string, since time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, qQueuedTo, to, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("queued count: %w", err)
	}
	return n, nil
}

// ReminderKey names one agency's reminder of one day in RemindersSent.
func ReminderKey(agency string, day int) string { return agency + "\x00" + strconv.Itoa(day) }

const qReminders = "SELECT agency, day FROM reminders WHERE season = ?"

// RemindersSent returns the season's reminders already recorded, by ReminderKey.
func (s *Store) RemindersSent(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, qReminders, s.season)
	if err != nil {
		return nil, fmt.Errorf("reminders sent: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var agency string
		var day int
		if err := rows.Scan(&agency, &day); err != nil {
			return nil, fmt.Errorf("reminders sent: %w", err)
		}
		out[ReminderKey(agency, day)] = true
	}
	return out, rows.Err()
}

// SentAllSince counts the mail sent to anyone at or after since, for the
// daily cap of the provider's account. The outbox_sent_at index answers it
// without reading any row: its cost follows the mail of the last day, not
// the history.
func (s *Store) SentAllSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, qSentAll, StateSent, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sent count: %w", err)
	}
	return n, nil
}
