package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Review is the office's verdict on one indicator of one agency, imported
// from the staff's review workbook. Indicator "" is a comment on the agency
// as a whole.
type Review struct {
	Agency    string
	Indicator string
	Score     *float64 // nil: no score given, comment only
	Comment   string
	Reviewer  string
	Source    string    // where it came from, e.g. the imported file's name
	At        time.Time // when it was imported (UTC)
}

// SaveReviews imports reviews and vetoes in one transaction. Each review
// replaces the stored one of the same agency and indicator; reviews not in
// rs are kept. vetoes maps agency → one-vote veto (一票否决); false clears a
// veto recorded earlier. source labels every row written; a review's own
// Source and At win when set, else source and the store's clock are used.
func (s *Store) SaveReviews(ctx context.Context, rs []Review, vetoes map[string]bool, source string) error {
	return s.SaveReviewImport(ctx, ReviewImport{Reviews: rs, Vetoes: vetoes, Source: source})
}

// ReviewImport is everything an edited staff workbook says, saved at once
// by SaveReviewImport.
type ReviewImport struct {
	Reviews     []Review
	Vetoes      map[string]bool
	Assignments []Assignment
	// Proposals are the held 推荐表 staff assigned, as AssignProposals makes them.
	Proposals []ProposalAssignment
	// Paper are the paper forms recorded (each replaces the agency's
	// earlier record); PaperCleared the agencies whose record staff
	// removed.
	Paper        []PaperForm
	PaperCleared []string
	Source       string
	// Decisions are the 推荐名单's, saved with the reviews.
	Decisions DecisionImport
}

// SaveReviewImport saves the reviews and vetoes as SaveReviews does, makes
// the assignments as AssignSubmissions does and records the paper forms,
// all in one transaction: an import is taken whole or not at all.
func (s *Store) SaveReviewImport(ctx context.Context, imp ReviewImport) error {
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		return imp.Apply(ctx, tx, s.season, now)
	})
	if err != nil {
		return fmt.Errorf("save reviews: %w", err)
	}
	return nil
}

func saveReviews(ctx context.Context, tx *sql.Tx, season int, rs []Review, vetoes map[string]bool, source string, now time.Time) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO reviews (season, agency, indicator, score, comment, reviewer, source, at)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (season, agency, indicator) DO UPDATE SET score = excluded.score,
		comment = excluded.comment, reviewer = excluded.reviewer, source = excluded.source, at = excluded.at`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rs {
		if r.Agency == "" {
			return fmt.Errorf("review of indicator %q without agency", r.Indicator)
		}
		var score any
		if r.Score != nil {
			score = *r.Score
		}
		src, at := r.Source, r.At
		if src == "" {
			src = source
		}
		if at.IsZero() {
			at = now
		}
		if _, err := st.ExecContext(ctx, season, r.Agency, r.Indicator, score, r.Comment, r.Reviewer, src, ms(at)); err != nil {
			return fmt.Errorf("review %s %s: %w", r.Agency, r.Indicator, err)
		}
	}
	for agency, veto := range vetoes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vetoes (season, agency, veto, source, at) VALUES (?,?,?,?,?)
			ON CONFLICT (season, agency) DO UPDATE SET veto = excluded.veto, source = excluded.source, at = excluded.at`,
			season, agency, boolInt(veto), source, ms(now)); err != nil {
			return fmt.Errorf("veto %s: %w", agency, err)
		}
	}
	return nil
}

const (
	qReviews = "SELECT agency, indicator, score, comment, reviewer, source, at FROM reviews WHERE season = ? ORDER BY agency, indicator"
	qVetoes  = "SELECT agency FROM vetoes WHERE season = ? AND veto = 1"
)

// Reviews returns every stored review of the store's season, by agency then indicator.
func (s *Store) Reviews(ctx context.Context) ([]Review, error) {
	rows, err := s.r.QueryContext(ctx, qReviews, s.season)
	if err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var score sql.NullFloat64
		var at int64
		if err := rows.Scan(&r.Agency, &r.Indicator, &score, &r.Comment, &r.Reviewer, &r.Source, &at); err != nil {
			return nil, fmt.Errorf("reviews: %w", err)
		}
		if score.Valid {
			v := score.Float64
			r.Score = &v
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Vetoes returns the agencies with a one-vote veto in force (true values
// only).
func (s *Store) Vetoes(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, qVetoes, s.season)
	if err != nil {
		return nil, fmt.Errorf("vetoes: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("vetoes: %w", err)
		}
		out[a] = true
	}
	return out, rows.Err()
}
