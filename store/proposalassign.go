package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaohe/validate"
)

// ProposalAssignment is staff's decision that a 推荐表 held as 名册外来件
// (sent from an address not registered for the agency it names) is a
// roster agency's, as Assignment is for a held 考核表.
type ProposalAssignment struct {
	Proposal int64
	Agency   string // the roster agency it is filed under
	Version  int    // its version under Agency
	// Findings are what the checks against the agency's standing found
	// (over_quota, not_eligible): a held 推荐表 was checked for no agency.
	// They are added to the proposal's findings.
	Findings []ProposalFinding
	Assigner string
	Source   string // the workbook and cell it came from
	At       time.Time
}

// HeldProposals lists the store season's 推荐表 held as 名册外来件 and not
// assigned since, oldest first, with their persons and findings.
func (s *Store) HeldProposals(ctx context.Context) ([]Proposal, error) {
	ps, err := s.queryProposals(ctx, "WHERE p.season = ? AND p.agency = '' ORDER BY p.received_at, p.id", s.season)
	if err != nil {
		return nil, fmt.Errorf("held proposals: %w", err)
	}
	if err := s.fillProposalDetails(ctx, ps); err != nil {
		return nil, fmt.Errorf("held proposals: %w", err)
	}
	return ps, nil
}

// AssignProposals files each held 推荐表 under its agency as that agency's
// next version, in one transaction, as AssignSubmissions does for 考核表:
// its receipt time and on-time flag stay as judged on arrival; a second
// assignment of the same proposal fails with ErrAssigned, an unknown one
// with ErrNotFound, and either stores nothing.
func (s *Store) AssignProposals(ctx context.Context, as []ProposalAssignment) error {
	if len(as) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return assignProposals(ctx, tx, s.season, as, s.now()) })
	if err != nil {
		return fmt.Errorf("assign proposals: %w", err)
	}
	return nil
}

func assignProposals(ctx context.Context, tx *sql.Tx, season int, as []ProposalAssignment, now time.Time) error {
	for _, a := range as {
		if a.Agency == "" {
			return fmt.Errorf("proposal %d: assignment without agency", a.Proposal)
		}
		var from string
		var fromVersion int
		err := tx.QueryRowContext(ctx, "SELECT agency, version FROM proposals WHERE id = ? AND season = ?", a.Proposal, season).
			Scan(&from, &fromVersion)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("proposal %d: %w", a.Proposal, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM proposal_assignments WHERE proposal = ?", a.Proposal).Scan(&n); err != nil {
			return err
		}
		if n > 0 || from != "" {
			return fmt.Errorf("proposal %d: %w", a.Proposal, ErrAssigned)
		}
		var version int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM proposals WHERE season = ? AND agency = ?",
			season, a.Agency).Scan(&version); err != nil {
			return err
		}
		at := a.At
		if at.IsZero() {
			at = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_assignments (proposal, from_version, agency, version, assigner, source, at)
			VALUES (?,?,?,?,?,?,?)`, a.Proposal, fromVersion, a.Agency, version, a.Assigner, a.Source, ms(at)); err != nil {
			return err
		}
		var errs, warns int
		for _, f := range a.Findings {
			switch f.Severity {
			case validate.SeverityError:
				errs++
			case validate.SeverityWarning:
				warns++
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_findings (proposal, code, severity, sheet, cell, field, person, message)
				VALUES (?,?,?,?,?,?,?,?)`, a.Proposal, string(f.Code), string(f.Severity), f.Sheet, f.Cell, f.Field, f.Person, f.Message); err != nil {
				return fmt.Errorf("insert proposal finding %s: %w", f.Code, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE proposals SET agency = ?, version = ?, errors = errors + ?, warnings = warnings + ? WHERE id = ?",
			a.Agency, version, errs, warns, a.Proposal); err != nil {
			return err
		}
	}
	return nil
}

// ProposalAssignments lists the assignments of the store season's held
// 推荐表, oldest first (Findings not filled).
func (s *Store) ProposalAssignments(ctx context.Context) ([]ProposalAssignment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.proposal, a.agency, a.version, a.assigner, a.source, a.at
		FROM proposal_assignments a JOIN proposals p ON p.id = a.proposal WHERE p.season = ? ORDER BY a.at, a.proposal`, s.season)
	if err != nil {
		return nil, fmt.Errorf("proposal assignments: %w", err)
	}
	defer rows.Close()
	var out []ProposalAssignment
	for rows.Next() {
		var a ProposalAssignment
		var at int64
		if err := rows.Scan(&a.Proposal, &a.Agency, &a.Version, &a.Assigner, &a.Source, &at); err != nil {
			return nil, fmt.Errorf("proposal assignments: %w", err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
