package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaohe/internal/cst"
)

// PaperForm is staff's record that the paper copy of an agency's form
// reached the office (纸质版收到): the notice asks for it by the same day
// as the mail.
type PaperForm struct {
	Agency string
	// Day is the day it arrived, midnight Beijing time; zero when staff
	// recorded only that it arrived (是).
	Day    time.Time
	Source string    // where it was recorded, e.g. "汇总!T5"
	At     time.Time // when it was imported
}

// dayLayout is how a PaperForm's day is stored: a calendar date, not an
// instant, so no time zone can move it.
const dayLayout = "2006-01-02"

func savePaper(ctx context.Context, tx *sql.Tx, season int, set []PaperForm, cleared []string, source string, now time.Time) error {
	for _, p := range set {
		if p.Agency == "" {
			return fmt.Errorf("paper form without agency")
		}
		day := ""
		if !p.Day.IsZero() {
			day = p.Day.In(cst.Location()).Format(dayLayout)
		}
		src, at := p.Source, p.At
		if src == "" {
			src = source
		}
		if at.IsZero() {
			at = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO paper_forms (season, agency, day, source, at) VALUES (?,?,?,?,?)
			ON CONFLICT (season, agency) DO UPDATE SET day = excluded.day, source = excluded.source, at = excluded.at`,
			season, p.Agency, day, src, ms(at)); err != nil {
			return fmt.Errorf("paper form of %s: %w", p.Agency, err)
		}
	}
	for _, agency := range cleared {
		if _, err := tx.ExecContext(ctx, "DELETE FROM paper_forms WHERE season = ? AND agency = ?", season, agency); err != nil {
			return fmt.Errorf("clear paper form of %s: %w", agency, err)
		}
	}
	return nil
}

// PaperForms returns the paper forms recorded for the store's season, by
// agency.
func (s *Store) PaperForms(ctx context.Context) ([]PaperForm, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT agency, day, source, at FROM paper_forms WHERE season = ? ORDER BY agency", s.season)
	if err != nil {
		return nil, fmt.Errorf("paper forms: %w", err)
	}
	defer rows.Close()
	var out []PaperForm
	for rows.Next() {
		var p PaperForm
		var day string
		var at int64
		if err := rows.Scan(&p.Agency, &day, &p.Source, &at); err != nil {
			return nil, fmt.Errorf("paper forms: %w", err)
		}
		if day != "" {
			if p.Day, err = time.ParseInLocation(dayLayout, day, cst.Location()); err != nil {
				return nil, fmt.Errorf("paper form of %s: day %q: %w", p.Agency, day, err)
			}
		}
		p.At = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
