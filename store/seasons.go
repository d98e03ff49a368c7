package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kaohe/roster"
)

// Season is one year's campaign as it was opened: the form agencies fill
// in, its cut-off and the roster as it stood. Old seasons are rebuilt from
// it (`kaohe consolidate --season 2021`) after the settings moved on.
type Season struct {
	Year     int
	FormYear int
	Cutoff   time.Time       // zero when not known (a season migrated from before seasons)
	Roster   []roster.Agency // nil when not known
	OpenedAt time.Time
}

// Season is the season this store reads and writes (Options.Season).
func (s *Store) Season() int { return s.season }

// OpenSeason records the store's season as the daemon runs it: its form
// year, cut-off and roster. A season recorded before is updated (the
// cut-off moved, the roster changed) and keeps its OpenedAt.
func (s *Store) OpenSeason(ctx context.Context, formYear int, cutoff time.Time, agencies []roster.Agency) error {
	js, err := json.Marshal(agencies)
	if err != nil {
		return fmt.Errorf("open season: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO seasons (year, form_year, cutoff, roster, opened_at) VALUES (?,?,?,?,?)
			ON CONFLICT (year) DO UPDATE SET form_year = excluded.form_year, cutoff = excluded.cutoff, roster = excluded.roster`,
			s.season, formYear, ms(cutoff), string(js), ms(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("open season %d: %w", s.season, err)
	}
	return nil
}

// defaultSeason sets the season of a store opened without one: the newest
// recorded, so that a tool opening the data folder sees the season the
// daemon last ran.
func (s *Store) defaultSeason(ctx context.Context, db *sql.DB) error {
	if s.season != 0 {
		return nil
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(year), 0) FROM seasons").Scan(&s.season); err != nil {
		return fmt.Errorf("read seasons: %w", err)
	}
	return nil
}

// SeasonInfo returns the recorded season of this year, or an error
// wrapping ErrNotFound.
func (s *Store) SeasonInfo(ctx context.Context, year int) (Season, error) {
	var se Season
	var cutoff, opened int64
	var js string
	err := s.r.QueryRowContext(ctx, "SELECT year, form_year, cutoff, roster, opened_at FROM seasons WHERE year = ?", year).
		Scan(&se.Year, &se.FormYear, &cutoff, &js, &opened)
	if errors.Is(err, sql.ErrNoRows) {
		return se, fmt.Errorf("season %d: %w", year, ErrNotFound)
	}
	if err != nil {
		return se, fmt.Errorf("season %d: %w", year, err)
	}
	se.Cutoff, se.OpenedAt = fromMS(cutoff), fromMS(opened)
	if js != "" {
		if err := json.Unmarshal([]byte(js), &se.Roster); err != nil {
			return se, fmt.Errorf("season %d: roster: %w", year, err)
		}
	}
	return se, nil
}

// Seasons lists the years of the recorded seasons, oldest first.
func (s *Store) Seasons(ctx context.Context) ([]int, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT year FROM seasons ORDER BY year")
	if err != nil {
		return nil, fmt.Errorf("seasons: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, fmt.Errorf("seasons: %w", err)
		}
		out = append(out, y)
	}
	return out, rows.Err()
}
