package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kaohe/assess"
)

// Kinds of outgoing mail.
const (
	KindReply        = "reply"        // receipt + discrepancy report to the sender
	KindStaffNotice  = "staff_notice" // to the office's staff
	KindReminder     = "reminder"     // deadline reminder to an agency
	KindConsolidated = "consolidated" // the consolidated workbook to staff
	// KindUnknownReply is the short note to a sender not on the roster. It
	// has the lowest priority and only a small share of the daily cap, so
	// that strangers can never spend what agencies and staff need.
	KindUnknownReply = "unknown_reply"
	// KindForeignNotice tells an agency's registered address that a form
	// naming the agency arrived from another address and was not filed.
	KindForeignNotice = "foreign_notice"
	// KindStaffWorkbookNotice tells staff that a staff workbook mailed in
	// was not imported (not from staff, no valid token, failed
	// authentication).
	KindStaffWorkbookNotice = "staff_workbook_notice"
)

// Result is everything decided about one incoming message, saved at once by
// SaveResult.
type Result struct {
	MessageID   int64   // the message's row id (Message.ID), not its header
	Outcome     Outcome // not OutcomeReceived
	Agency      string  // roster name, "" when the sender is unknown
	OnTime      bool    // received before the cut-off
	Attachments []AttachmentResult
	Outbox      []OutgoingMail
	// ReplyCap, when Max > 0, bounds the mail an address may have queued
	// since Since, for the mail of this result that answers it (CappedKind).
	// SaveResult checks it in its transaction, so that messages handled at
	// once cannot together pass it.
	ReplyCap ReplyCap
	// Effects are applied in the same transaction, in order, for the
	// message's season (a staff workbook imported by mail).
	Effects []Effect
}

// ReplyCap is at most Max mails to one address queued since Since.
type ReplyCap struct {
	Max   int
	Since time.Time
}

// ErrReplyCapped is returned by SaveResult, which then stores nothing, when
// a reply of the result would exceed its ReplyCap.
var ErrReplyCapped = errors.New("the recipient has had its replies for now")

// AttachmentResult is one attachment of the message. An attachment with a
// Report (a workbook that held a form, or one that could not be read)
// becomes a submission; others are only listed.
type AttachmentResult struct {
	Filename string
	Kind     string // e.g. "xlsx", "xls", "pdf", "other"
	Size     int64
	Hash     string // sha256 of the attachment's bytes
	Report   *assess.Report
	Note     string
	// Agency overrides Result.Agency for this attachment's submission when
	// set (e.g. identified by its 考核单位 rather than by the sender).
	Agency string
	// Foreign marks a form naming a roster agency that came from an address
	// not registered for it (名册外来件): its submission is stored under no
	// agency, whatever Agency and Result.Agency say, so it never becomes or
	// versions that agency's submission.
	Foreign bool
}

// OutgoingMail is one mail to send, stored in the outbox.
type OutgoingMail struct {
	MessageID      string // our Message-ID, deterministic (derived from the incoming mail); unique
	Kind           string // KindReply, KindStaffNotice, KindReminder, KindConsolidated
	To             string // one address
	Raw            []byte // the full RFC 5322 message
	RelatedMessage int64  // the incoming message's row id, 0 for none
}

// SaveResult stores, in one transaction: the attachments, one submission per
// attachment with a Report, in the season of the message, (with its report as JSON, its scores and
// findings, and the next version number of its agency), the outgoing mail
// (pending, due now; RelatedMessage 0 means this message) and the message's
// outcome, agency and on-time flag. Any failure, e.g. an outbox Message-ID
// already used, stores nothing. Calling it
// again for a message whose result is saved changes nothing and returns
// ErrAlreadyDone; callers treat that as success. The message must exist
// (ErrNotFound otherwise).
func (s *Store) SaveResult(ctx context.Context, r Result) error {
	if r.Outcome == "" || r.Outcome == OutcomeReceived {
		return fmt.Errorf("save result: invalid outcome %q", r.Outcome)
	}
	for _, m := range r.Outbox {
		if err := checkOutgoing(m); err != nil {
			return fmt.Errorf("save result: %w", err)
		}
	}
	// Encode outside the transaction to keep the write lock short.
	reports := make([][]byte, len(r.Attachments))
	for i, a := range r.Attachments {
		if a.Report == nil {
			continue
		}
		b, err := json.Marshal(a.Report)
		if err != nil {
			return fmt.Errorf("save result: encode report of %q: %w", a.Filename, err)
		}
		reports[i] = b
	}
	now := ms(s.now())
	err := s.write(ctx, func(tx *sql.Tx) error {
		var done, received int64
		var season int
		err := tx.QueryRowContext(ctx, qResultMessage, r.MessageID).Scan(&done, &received, &season)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", r.MessageID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if done != 0 {
			return ErrAlreadyDone
		}
		if err := checkReplyCap(ctx, tx, r); err != nil {
			return err
		}
		ins := s.ins.in(ctx, tx)
		for i, a := range r.Attachments {
			var attID int64
			if err := ins.attachment.QueryRowContext(ctx, r.MessageID, i, a.Filename, a.Kind, a.Size, a.Hash, a.Note).Scan(&attID); err != nil {
				return fmt.Errorf("attachment %q: %w", a.Filename, err)
			}
			if a.Report == nil {
				continue
			}
			agency := r.Agency
			if a.Agency != "" {
				agency = a.Agency
			}
			if a.Foreign {
				agency = ""
			}
			var version int
			if err := ins.nextVersion.QueryRowContext(ctx, season, agency).Scan(&version); err != nil {
				return fmt.Errorf("next version: %w", err)
			}
			rep := a.Report
			nerr, nwarn := rep.Counts()
			var subID int64
			if err := ins.submission.QueryRowContext(ctx, season, r.MessageID, attID, agency, version, rep.Unit, string(rep.AgencyType),
				rep.Form, string(rep.Status), rep.SelfTotal, rep.VerifiedTotal, nerr, nwarn, boolInt(r.OnTime), received,
				string(reports[i]), now).Scan(&subID); err != nil {
				return fmt.Errorf("submission of %q: %w", a.Filename, err)
			}
			if err := ins.details(ctx, subID, rep); err != nil {
				return err
			}
		}
		for _, e := range r.Effects {
			if err := e.Apply(ctx, tx, season, s.now()); err != nil {
				return fmt.Errorf("apply: %w", err)
			}
		}
		for _, m := range r.Outbox {
			related := m.RelatedMessage
			if related == 0 {
				related = r.MessageID
			}
			if _, err := ins.outbox.ExecContext(ctx, m.MessageID, m.Kind, m.To, m.Raw, related, now, now); err != nil {
				return fmt.Errorf("outbox %s: %w", m.MessageID, err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE messages SET outcome = ?, agency = ?, on_time = ?, done_at = ? WHERE id = ?",
			r.Outcome, r.Agency, boolInt(r.OnTime), now, r.MessageID)
		return err
	})
	if errors.Is(err, ErrAlreadyDone) || errors.Is(err, ErrReplyCapped) {
		return err
	}
	if err != nil {
		return fmt.Errorf("save result: %w", err)
	}
	return nil
}

// CappedKind reports whether mail of the kind, queued because a message
// came in, counts against its recipient's ReplyCap: receipts, notes to
// unknown senders and notices of forms sent in an agency's name.
func CappedKind(kind string) bool {
	return kind == KindReply || kind == KindUnknownReply || kind == KindForeignNotice || kind == KindStaffWorkbookNotice
}

// checkReplyCap returns ErrReplyCapped when a reply of r would exceed its
// cap, counting what the outbox holds and the result's own replies.
func checkReplyCap(ctx context.Context, tx *sql.Tx, r Result) error {
	if r.ReplyCap.Max <= 0 {
		return nil
	}
	mine := map[string]int{}
	for _, m := range r.Outbox {
		if !CappedKind(m.Kind) {
			continue
		}
		mine[m.To]++
		if mine[m.To] > 1 {
			continue // counted with the first
		}
		// Every mail queued to the address counts, as in QueuedCountSince:
		// the cap protects the recipient's mailbox.
		queued, err := queuedCountSince(ctx, tx, m.To, r.ReplyCap.Since)
		if err != nil {
			return err
		}
		mine[m.To] += queued
	}
	for _, n := range mine {
		if n > r.ReplyCap.Max {
			return ErrReplyCapped
		}
	}
	return nil
}

// inserts are the statements of SaveResult and ReplaceReports. They are
// prepared once on the writer's connection (prepareInserts) and bound to
// each transaction with Tx.StmtContext, which reuses the prepared statement
// because the writer pool has a single connection.
type inserts struct {
	attachment, nextVersion, submission, score, finding, outbox *sql.Stmt
}

var insertSQL = []string{
	"INSERT INTO attachments (message, idx, filename, kind, size, hash, note) VALUES (?,?,?,?,?,?,?) RETURNING id",
	qNextVersion,
	`INSERT INTO submissions (season, message, attachment, agency, version, unit, agency_type, form, status,
		self_total, verified_total, errors, warnings, on_time, received_at, report, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
	"INSERT OR REPLACE INTO scores (submission, indicator, section, self, verified, cap) VALUES (?,?,?,?,?,?)",
	"INSERT INTO findings (submission, code, severity, sheet, cell, indicator, field, message) VALUES (?,?,?,?,?,?,?,?)",
	"INSERT INTO outbox (message_id, kind, to_addr, raw, related, next_attempt, created_at) VALUES (?,?,?,?,?,?,?)",
}

func (ins *inserts) list() []**sql.Stmt {
	return []**sql.Stmt{&ins.attachment, &ins.nextVersion, &ins.submission, &ins.score, &ins.finding, &ins.outbox}
}

// prepareInserts prepares the statements on db.
func prepareInserts(ctx context.Context, db *sql.DB) (*inserts, error) {
	ins := new(inserts)
	for i, dst := range ins.list() {
		st, err := db.PrepareContext(ctx, insertSQL[i])
		if err != nil {
			ins.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*dst = st
	}
	return ins, nil
}

// in binds the statements to tx; they are closed when tx ends.
func (ins *inserts) in(ctx context.Context, tx *sql.Tx) *inserts {
	out := new(inserts)
	src := ins.list()
	for i, dst := range out.list() {
		*dst = tx.StmtContext(ctx, *src[i])
	}
	return out
}

func (ins *inserts) close() {
	for _, st := range ins.list() {
		if *st != nil {
			(*st).Close()
		}
	}
}

// details inserts a report's indicator scores and findings.
func (ins *inserts) details(ctx context.Context, subID int64, rep *assess.Report) error {
	for _, ir := range rep.Indicators {
		var self any
		if ir.Self != nil {
			self = *ir.Self
		}
		if _, err := ins.score.ExecContext(ctx, subID, ir.ID, ir.Section, self, ir.Verified, ir.Cap); err != nil {
			return fmt.Errorf("score %s: %w", ir.ID, err)
		}
	}
	for _, f := range rep.Findings {
		if _, err := ins.finding.ExecContext(ctx, subID, string(f.Code), string(f.Severity), f.Sheet, f.Cell, f.Indicator, f.Field, f.Message); err != nil {
			return fmt.Errorf("finding %s: %w", f.Code, err)
		}
	}
	return nil
}

func checkOutgoing(m OutgoingMail) error {
	switch {
	case m.MessageID == "":
		return errors.New("outgoing mail without Message-ID")
	case m.To == "":
		return fmt.Errorf("outgoing mail %s without recipient", m.MessageID)
	case len(m.Raw) == 0:
		return fmt.Errorf("outgoing mail %s is empty", m.MessageID)
	case m.Kind == "":
		return fmt.Errorf("outgoing mail %s without kind", m.MessageID)
	}
	return nil
}
