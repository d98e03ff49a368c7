package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Message is one incoming mail as recorded. Times are UTC.
type Message struct {
	ID          int64
	MessageID   string // Message-ID header, "" when the mail has none
	Hash        string // sha256 of the raw mail (the archive key)
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Sender      string
	SenderName  string
	Subject     string
	ReceivedAt  time.Time // IMAP INTERNALDATE
	Size        int64
	Outcome     Outcome
	Attempts    int
	LastError   string
	Agency      string // roster name, set by SaveResult
	OnTime      bool   // set by SaveResult
	CreatedAt   time.Time
	DoneAt      time.Time // zero until SaveResult
	Season      int       // the season open when it was recorded (Options.Season)
}

// RecordMessage inserts m (archive the raw mail first) with outcome
// "received" and returns the stored row. The dedup key is MessageID + Hash:
// when a message with the same key exists (re-delivery, a UIDVALIDITY
// change, another UID) nothing is written and the existing row is returned
// with dup = true, whatever its season. m.ID, Outcome, Attempts and DoneAt
// are ignored; its season is the store's.
//
// The record is committed without a disk sync of its own: the message stays
// in the mailbox until its result is committed with one (SaveResult), which
// makes the record durable too, so a record lost to a power cut is only
// made again.
func (s *Store) RecordMessage(ctx context.Context, m Message) (Message, bool, error) {
	if m.Hash == "" {
		return Message{}, false, errors.New("record message: empty hash")
	}
	// The receipt time goes next to the archive first, so that a
	// rebuild from the archive knows it even if this record is lost.
	if err := s.noteReceived(m.Hash, m.ReceivedAt); err != nil {
		return Message{}, false, fmt.Errorf("record message: %w", err)
	}
	var id int64
	var dup bool
	var got Message
	err := s.writeUnsynced(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, qDedup, m.MessageID, m.Hash).Scan(&id)
		switch {
		case err == nil:
			dup = true
		case !errors.Is(err, sql.ErrNoRows):
			return err
		default:
			if id, err = insertMessage(ctx, tx, m, s.season, s.now()); err != nil {
				return err
			}
		}
		rows, err := queryMessages(ctx, tx, "WHERE id = ?", id)
		if err != nil {
			return err
		}
		got = rows[0]
		return nil
	})
	if err != nil {
		return Message{}, false, fmt.Errorf("record message: %w", err)
	}
	return got, dup, nil
}

func insertMessage(ctx context.Context, tx *sql.Tx, m Message, season int, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO messages (message_id, hash, mailbox, uid_validity, uid, sender, sender_name,
			subject, received_at, size, outcome, agency, on_time, created_at, season) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		m.MessageID, m.Hash, m.Mailbox, m.UIDValidity, m.UID, m.Sender, m.SenderName, m.Subject,
		ms(m.ReceivedAt), m.Size, OutcomeReceived, m.Agency, boolInt(m.OnTime), ms(now), season)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Message returns the message with this row id, or an error wrapping ErrNotFound.
func (s *Store) Message(ctx context.Context, id int64) (Message, error) {
	found, err := queryMessages(ctx, s.r, "WHERE id = ?", id)
	if err != nil {
		return Message{}, err
	}
	if len(found) == 0 {
		return Message{}, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	return found[0], nil
}

// NoteAttempt records a failed processing attempt of message id: it counts
// it and keeps err's text. It returns the number of failures so far; the
// caller quarantines after its limit. A nil err counts as a failure too.
func (s *Store) NoteAttempt(ctx context.Context, id int64, cause error) (int, error) {
	text := "unknown error"
	if cause != nil {
		text = cause.Error()
	}
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE id = ? RETURNING attempts", text, id).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("note attempt: %w", err)
	}
	return n, nil
}

// Quarantine sets a message's outcome to "quarantined" with the reason and,
// in the same transaction, queues the mail given (the receipt telling the
// sender that staff will look at it; related to the message, idempotent by
// Message-ID). A message whose result is already saved is left alone
// (ErrAlreadyDone). A quarantined message may still get a result later
// (reprocess).
func (s *Store) Quarantine(ctx context.Context, id int64, reason string, mail ...OutgoingMail) error {
	for _, m := range mail {
		if err := checkOutgoing(m); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var done int64
		if err := tx.QueryRowContext(ctx, "SELECT done_at FROM messages WHERE id = ?", id).Scan(&done); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("message %d: %w", id, ErrNotFound)
			}
			return err
		}
		if done != 0 {
			return ErrAlreadyDone
		}
		if _, err := tx.ExecContext(ctx, "UPDATE messages SET outcome = ?, last_error = ? WHERE id = ?", OutcomeQuarantined, reason, id); err != nil {
			return err
		}
		now := ms(s.now())
		for _, m := range mail {
			m.RelatedMessage = id
			if _, err := enqueue(ctx, tx, m, now); err != nil {
				return fmt.Errorf("outbox %s: %w", m.MessageID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// MessageFilter selects messages; zero fields do not filter.
type MessageFilter struct {
	Outcome Outcome   // e.g. OutcomeReceived for work left after a crash
	Agency  string    // roster name
	Sender  string    // address, case-insensitive
	Since   time.Time // ReceivedAt >= Since
	Until   time.Time // ReceivedAt < Until
	Limit   int       // 0: no limit
	AfterID int64     // only rows with a higher id
}

// Messages lists the store season's messages matching f, oldest received first.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]Message, error) {
	tail, args := s.messagesWhere(f)
	return queryMessages(ctx, s.r, tail, args...)
}

// messagesWhere is the WHERE, ORDER and LIMIT of Messages.
func (s *Store) messagesWhere(f MessageFilter) (string, []any) {
	where := []string{"season = ?"}
	args := []any{s.season}
	if f.AfterID != 0 {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
	}
	if f.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, f.Outcome)
	}
	if f.Agency != "" {
		where, args = append(where, "agency = ?"), append(args, f.Agency)
	}
	if f.Sender != "" {
		where, args = append(where, "lower(sender) = lower(?)"), append(args, f.Sender)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "received_at >= ?"), append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "received_at < ?"), append(args, ms(f.Until))
	}
	q := "WHERE " + strings.Join(where, " AND ") + " ORDER BY received_at, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, args
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const qMessages = `SELECT id, message_id, hash, mailbox, uid_validity, uid, sender, sender_name, subject,
		received_at, size, outcome, attempts, last_error, agency, on_time, created_at, done_at, season FROM messages `

func queryMessages(ctx context.Context, q querier, tail string, args ...any) ([]Message, error) {
	rows, err := q.QueryContext(ctx, qMessages+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var recv, created, done int64
		var onTime int
		if err := rows.Scan(&m.ID, &m.MessageID, &m.Hash, &m.Mailbox, &m.UIDValidity, &m.UID, &m.Sender, &m.SenderName,
			&m.Subject, &recv, &m.Size, &m.Outcome, &m.Attempts, &m.LastError, &m.Agency, &onTime, &created, &done, &m.Season); err != nil {
			return nil, fmt.Errorf("query messages: %w", err)
		}
		m.ReceivedAt, m.CreatedAt, m.DoneAt, m.OnTime = fromMS(recv), fromMS(created), fromMS(done), onTime != 0
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query messages: %w", err)
	}
	return out, nil
}
