package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ProposalKind is what a row of the 推荐名单 proposes: the agency itself as
// 优秀单位, or one of its people as 优秀个人.
type ProposalKind string

const (
	KindUnit   ProposalKind = "unit"
	KindPerson ProposalKind = "person"
)

// Verdict is the 主任办公会's decision on one proposal.
type Verdict string

const (
	Confirmed    Verdict = "confirmed"     // 确定 (or 特批确定 with Override)
	NotConfirmed Verdict = "not_confirmed" // 不确定
)

// Decision is the 主任办公会's decision on one proposed unit or person of
// the store's season. A person is named by Name and Birth (姓名 and 出生年月,
// the identity the duplicate check uses too); a unit has both empty.
type Decision struct {
	Agency    string
	Kind      ProposalKind
	Name      string
	Birth     string
	Verdict   Verdict
	Override  bool   // confirmed beyond the quota or eligibility, as the office's explicit override
	Note      string // the office's note (the reason of an override)
	DecidedBy string // who imported it
	Source    string // the workbook and cell it came from
	At        time.Time
}

// DecisionKey identifies the proposal a decision is about.
type DecisionKey struct {
	Agency string
	Kind   ProposalKind
	Name   string
	Birth  string
}

// Key is the proposal d is about.
func (d Decision) Key() DecisionKey {
	return DecisionKey{Agency: d.Agency, Kind: d.Kind, Name: d.Name, Birth: d.Birth}
}

// ErrPurged means the season's personal data was purged: its decisions can
// no longer be changed or sent.
var ErrPurged = errors.New("season purged")

// DecisionImport is an imported 推荐名单: every decision it states and the
// decisions it blanked. It is saved with the reviews of the staff
// workbook it came in (ReviewImport.Decisions).
type DecisionImport struct {
	Decisions []Decision
	Cleared   []DecisionKey
}

// SaveDecisions records an imported 推荐名单 in one transaction: every
// decision of ds replaces the stored one of the same proposal, and every
// key of cleared (a decision blanked in the workbook) removes the stored
// one. A purged season refuses with ErrPurged.
func (s *Store) SaveDecisions(ctx context.Context, ds []Decision, cleared []DecisionKey) error {
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		return DecisionImport{Decisions: ds, Cleared: cleared}.Apply(ctx, tx, s.season, now)
	})
	if err != nil {
		return fmt.Errorf("save decisions: %w", err)
	}
	return nil
}

// Apply saves the import in tx, as SaveDecisions does.
func (imp DecisionImport) Apply(ctx context.Context, tx *sql.Tx, season int, now time.Time) error {
	var purged int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM purges WHERE season = ?", season).Scan(&purged); err != nil {
		return err
	}
	if purged > 0 {
		return ErrPurged
	}
	for _, k := range imp.Cleared {
		if _, err := tx.ExecContext(ctx, `DELETE FROM recommend_decisions WHERE season = ? AND agency = ? AND kind = ?
			AND name = ? AND birth = ? AND purged = 0`, season, k.Agency, string(k.Kind), k.Name, k.Birth); err != nil {
			return err
		}
	}
	for _, d := range imp.Decisions {
		if err := saveDecision(ctx, tx, season, d, now); err != nil {
			return err
		}
	}
	return nil
}

func saveDecision(ctx context.Context, tx *sql.Tx, season int, d Decision, now time.Time) error {
	if d.Agency == "" || (d.Kind != KindUnit && d.Kind != KindPerson) {
		return fmt.Errorf("decision without agency or kind (%q, %q)", d.Agency, d.Kind)
	}
	if d.Verdict != Confirmed && d.Verdict != NotConfirmed {
		return fmt.Errorf("decision of %s: unknown verdict %q", d.Agency, d.Verdict)
	}
	at := d.At
	if at.IsZero() {
		at = now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO recommend_decisions (season, agency, kind, name, birth, verdict, override, note, decided_by, source, at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (season, agency, kind, name, birth) WHERE purged = 0 DO UPDATE SET verdict = excluded.verdict,
		override = excluded.override, note = excluded.note, decided_by = excluded.decided_by, source = excluded.source, at = excluded.at`,
		season, d.Agency, string(d.Kind), d.Name, d.Birth, string(d.Verdict), boolInt(d.Override), d.Note, d.DecidedBy, d.Source, ms(at))
	return err
}

// Decisions returns the season's decisions that name their proposal (the
// purged ones do not), by agency, kind and name.
func (s *Store) Decisions(ctx context.Context) ([]Decision, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT agency, kind, name, birth, verdict, override, note, decided_by, source, at
		FROM recommend_decisions WHERE season = ? AND purged = 0 ORDER BY agency, kind DESC, name, birth`, s.season)
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		var kind, verdict string
		var override int
		var at int64
		if err := rows.Scan(&d.Agency, &kind, &d.Name, &d.Birth, &verdict, &override, &d.Note, &d.DecidedBy, &d.Source, &at); err != nil {
			return nil, fmt.Errorf("decisions: %w", err)
		}
		d.Kind, d.Verdict, d.Override, d.At = ProposalKind(kind), Verdict(verdict), override != 0, fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
