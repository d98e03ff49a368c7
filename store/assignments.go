package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Assignment is staff's decision that a submission held outside the roster
// (名册外来件: an unknown sender's, a form from an address not registered for
// the agency it names, or one of an agency since removed from the roster)
// is a roster agency's.
type Assignment struct {
	Submission  int64
	Agency      string // the agency it is filed under now
	Version     int    // its version under Agency
	FromAgency  string // the agency it was stored under, "" when none
	FromVersion int
	Assigner    string // who made the decision, e.g. the login name that ran the import
	Source      string // where the decision came from, e.g. the workbook and cell
	At          time.Time
}

// ErrAssigned means the submission was assigned to an agency before.
var ErrAssigned = errors.New("submission already assigned")

// AssignSubmissions re-files each held submission under its agency as that
// agency's next version, in one transaction, recording where it came from
// in assignments. Its receipt time and on-time flag stay as they were
// judged when the mail was received; the message keeps its outcome, so the
// history shows it arrived as a 名册外来件. Only Submission, Agency,
// Assigner, Source and At (zero: the store's clock) of each assignment are
// read. Assigning a submission a second time fails with ErrAssigned, an
// unknown one with ErrNotFound; either stores nothing.
func (s *Store) AssignSubmissions(ctx context.Context, as []Assignment) error {
	if len(as) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return assign(ctx, tx, as, s.now()) })
	if err != nil {
		return fmt.Errorf("assign submissions: %w", err)
	}
	return nil
}

func assign(ctx context.Context, tx *sql.Tx, as []Assignment, now time.Time) error {
	for _, a := range as {
		if a.Agency == "" {
			return fmt.Errorf("submission %d: assignment without agency", a.Submission)
		}
		var from string
		var fromVersion int
		err := tx.QueryRowContext(ctx, "SELECT agency, version FROM submissions WHERE id = ?", a.Submission).Scan(&from, &fromVersion)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("submission %d: %w", a.Submission, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM assignments WHERE submission = ?", a.Submission).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("submission %d: %w", a.Submission, ErrAssigned)
		}
		var version int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE agency = ?", a.Agency).Scan(&version); err != nil {
			return err
		}
		at := a.At
		if at.IsZero() {
			at = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assignments (submission, from_agency, from_version, agency, version, assigner, source, at)
			VALUES (?,?,?,?,?,?,?,?)`, a.Submission, from, fromVersion, a.Agency, version, a.Assigner, a.Source, ms(at)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE submissions SET agency = ?, version = ?, updated_at = ? WHERE id = ?",
			a.Agency, version, ms(now), a.Submission); err != nil {
			return err
		}
	}
	return nil
}

// Assignments lists every assignment, oldest first.
func (s *Store) Assignments(ctx context.Context) ([]Assignment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT submission, agency, version, from_agency, from_version, assigner, source, at
		FROM assignments ORDER BY at, submission`)
	if err != nil {
		return nil, fmt.Errorf("assignments: %w", err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var at int64
		if err := rows.Scan(&a.Submission, &a.Agency, &a.Version, &a.FromAgency, &a.FromVersion, &a.Assigner, &a.Source, &at); err != nil {
			return nil, fmt.Errorf("assignments: %w", err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
