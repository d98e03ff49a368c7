package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/scoring"
)

// Submission is one attachment that held a form (or could not be read), as
// stored. Times are UTC.
type Submission struct {
	ID              int64
	MessageID       int64  // the message's row id
	MessageHash     string // archive key of the message, for reprocessing
	AttachmentID    int64
	AttachmentIndex int // position among the message's attachments
	Filename        string
	Sender          string
	Agency          string // roster name, "" when unknown
	Version         int    // 1, 2, ... in the order the agency's files were saved
	Unit            string
	AgencyType      scoring.AgencyType
	Status          assess.Status
	SelfTotal       float64
	VerifiedTotal   float64
	Errors          int
	Warnings        int
	OnTime          bool
	ReceivedAt      time.Time
	UpdatedAt       time.Time
	Current         bool // the one that counts for its agency; see CurrentSubmissions
	Report          *assess.Report
}

// SubmissionFilter selects submissions; zero fields do not filter.
type SubmissionFilter struct {
	Agency    string
	MessageID int64 // message row id; its forms are of its own season, whichever the store's
	Status    assess.Status
	Current   bool // only the current submission of each agency
}

// Submissions lists the store season's submissions matching f, by agency then version, each
// with its decoded report and the Current flag set.
func (s *Store) Submissions(ctx context.Context, f SubmissionFilter) ([]Submission, error) {
	current, err := s.currentIDs(ctx)
	if err != nil {
		return nil, err
	}
	tail, args := s.submissionsWhere(f)
	subs, err := s.querySubmissions(ctx, tail, args...)
	if err != nil {
		return nil, err
	}
	out := subs[:0]
	for _, sub := range subs {
		sub.Current = current[sub.ID]
		if f.Current && !sub.Current {
			continue
		}
		out = append(out, sub)
	}
	return out, nil
}

// submissionsWhere is the WHERE and ORDER of Submissions.
func (s *Store) submissionsWhere(f SubmissionFilter) (string, []any) {
	where := []string{"s.season = ?"}
	args := []any{s.season}
	if f.MessageID != 0 {
		// A message's forms are of its season: asked by the message alone,
		// the planner takes the message's index, not the season's.
		where, args = nil, nil
	}
	if f.Agency != "" {
		where, args = append(where, "s.agency = ?"), append(args, f.Agency)
	}
	if f.MessageID != 0 {
		where, args = append(where, "s.message = ?"), append(args, f.MessageID)
	}
	if f.Status != "" {
		where, args = append(where, "s.status = ?"), append(args, string(f.Status))
	}
	return "WHERE " + strings.Join(where, " AND ") + " ORDER BY s.agency, s.version", args
}

// CurrentSubmissions returns, for every known agency (Agency != ""), the one
// submission that counts, ordered by agency. The rule, first match wins:
//
//  1. the newest on-time submission whose form could be read (accepted or
//     needs_fix: a newer needs_fix version replaces an older accepted one);
//  2. else the newest late readable one (OnTime false: staff see 逾期);
//  3. else the newest unreadable one, on-time before late, so staff see that
//     the agency did send something.
//
// "Newest" is by ReceivedAt (INTERNALDATE), ties broken by Version.
func (s *Store) CurrentSubmissions(ctx context.Context) ([]Submission, error) {
	return s.Submissions(ctx, SubmissionFilter{Current: true})
}

type candidate struct {
	id       int64
	agency   string
	readable bool
	onTime   bool
	received int64
	version  int
}

// class ranks a candidate for CurrentSubmissions: lower is better.
func (c candidate) class() int {
	switch {
	case c.readable && c.onTime:
		return 0
	case c.readable:
		return 1
	case c.onTime:
		return 2
	}
	return 3
}

func better(a, b candidate) bool {
	if a.class() != b.class() {
		return a.class() < b.class()
	}
	if a.received != b.received {
		return a.received > b.received
	}
	return a.version > b.version
}

// currentIDs applies the rule of CurrentSubmissions to all submissions.
func (s *Store) currentIDs(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.r.QueryContext(ctx, qCurrentCandidates, s.season)
	if err != nil {
		return nil, fmt.Errorf("current submissions: %w", err)
	}
	defer rows.Close()
	best := map[string]candidate{}
	for rows.Next() {
		var c candidate
		var status string
		var onTime int
		if err := rows.Scan(&c.id, &c.agency, &status, &onTime, &c.received, &c.version); err != nil {
			return nil, fmt.Errorf("current submissions: %w", err)
		}
		c.readable = assess.Status(status) != assess.StatusUnreadable
		c.onTime = onTime != 0
		if b, ok := best[c.agency]; !ok || better(c, b) {
			best[c.agency] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("current submissions: %w", err)
	}
	ids := make(map[int64]bool, len(best))
	for _, c := range best {
		ids[c.id] = true
	}
	return ids, nil
}

const qSubmissions = `SELECT s.id, s.message, m.hash, s.attachment, a.idx, a.filename, m.sender,
		s.agency, s.version, s.unit, s.agency_type, s.status, s.self_total, s.verified_total, s.errors, s.warnings,
		s.on_time, s.received_at, s.updated_at, s.report
		FROM submissions s JOIN messages m ON m.id = s.message JOIN attachments a ON a.id = s.attachment `

func (s *Store) querySubmissions(ctx context.Context, tail string, args ...any) ([]Submission, error) {
	rows, err := s.r.QueryContext(ctx, qSubmissions+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query submissions: %w", err)
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		var sub Submission
		var agencyType, status string
		var onTime int
		var received, updated int64
		var report []byte
		if err := rows.Scan(&sub.ID, &sub.MessageID, &sub.MessageHash, &sub.AttachmentID, &sub.AttachmentIndex, &sub.Filename,
			&sub.Sender, &sub.Agency, &sub.Version, &sub.Unit, &agencyType, &status, &sub.SelfTotal, &sub.VerifiedTotal,
			&sub.Errors, &sub.Warnings, &onTime, &received, &updated, &report); err != nil {
			return nil, fmt.Errorf("query submissions: %w", err)
		}
		sub.AgencyType, sub.Status, sub.OnTime = scoring.AgencyType(agencyType), assess.Status(status), onTime != 0
		sub.ReceivedAt, sub.UpdatedAt = fromMS(received), fromMS(updated)
		sub.Report = new(assess.Report)
		if err := json.Unmarshal(report, sub.Report); err != nil {
			return nil, fmt.Errorf("submission %d: decode report: %w", sub.ID, err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query submissions: %w", err)
	}
	return out, nil
}

// ReplaceReports replaces a submission's report (after `kaohe reprocess`
// re-ran validation over the archived mail): its status, totals, counts,
// scores and findings. The previous status, totals and report are kept in
// the submission's history. Agency, version and on-time flag do not change.
// A report identical to the stored one changes nothing and returns false.
func (s *Store) ReplaceReports(ctx context.Context, submissionID int64, rep *assess.Report) (changed bool, err error) {
	if rep == nil {
		return false, errors.New("replace report: nil report")
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return false, fmt.Errorf("replace report: encode: %w", err)
	}
	now := ms(s.now())
	err = s.write(ctx, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, "SELECT report FROM submissions WHERE id = ?", submissionID).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("submission %d: %w", submissionID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if bytes.Equal(old, b) {
			return nil
		}
		changed = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO submission_history (submission, status, self_total, verified_total, report, replaced_at)
			SELECT id, status, self_total, verified_total, report, ? FROM submissions WHERE id = ?`, now, submissionID); err != nil {
			return err
		}
		nerr, nwarn := rep.Counts()
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET unit = ?, agency_type = ?, form = ?, status = ?, self_total = ?,
			verified_total = ?, errors = ?, warnings = ?, report = ?, updated_at = ? WHERE id = ?`,
			rep.Unit, string(rep.AgencyType), rep.Form, string(rep.Status), rep.SelfTotal, rep.VerifiedTotal, nerr, nwarn,
			string(b), now, submissionID); err != nil {
			return err
		}
		for _, table := range []string{"scores", "findings"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE submission = ?", submissionID); err != nil {
				return err
			}
		}
		return s.ins.in(ctx, tx).details(ctx, submissionID, rep)
	})
	if err != nil {
		return false, fmt.Errorf("replace report: %w", err)
	}
	return changed, nil
}

// HistoryEntry is a report a submission had before ReplaceReports.
type HistoryEntry struct {
	Status        assess.Status
	SelfTotal     float64
	VerifiedTotal float64
	Report        *assess.Report
	ReplacedAt    time.Time
}

// SubmissionHistory returns a submission's earlier reports, oldest first.
func (s *Store) SubmissionHistory(ctx context.Context, submissionID int64) ([]HistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, self_total, verified_total, report, replaced_at
		FROM submission_history WHERE submission = ? ORDER BY id`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("submission history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var status string
		var report []byte
		var at int64
		if err := rows.Scan(&status, &h.SelfTotal, &h.VerifiedTotal, &report, &at); err != nil {
			return nil, fmt.Errorf("submission history: %w", err)
		}
		h.Status, h.ReplacedAt = assess.Status(status), fromMS(at)
		h.Report = new(assess.Report)
		if err := json.Unmarshal(report, h.Report); err != nil {
			return nil, fmt.Errorf("submission history: decode report: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
