package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"kaohe/scoring"
)

// Grade is an agency's result for the season (考核结果).
type Grade string

// The grades of the notice, best first.
const (
	GradeExcellent Grade = "优秀"
	GradeGood      Grade = "良好"
	GradePass      Grade = "合格"
	GradeFail      Grade = "不合格"
)

// Grades lists the grades, best first.
func Grades() []Grade { return []Grade{GradeExcellent, GradeGood, GradePass, GradeFail} }

// Valid reports whether g is one of Grades.
func (g Grade) Valid() bool {
	switch g {
	case GradeExcellent, GradeGood, GradePass, GradeFail:
		return true
	}
	return false
}

// SectionScore is one section of the form for one agency: the sum of the
// self-scores, of the verified scores, and of the scores that count
// (审核分 where staff gave one, else the verified score).
type SectionScore struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Self     float64 `json:"self"`
	Verified float64 `json:"verified"`
	Reviewed float64 `json:"reviewed"`
}

// ReviewNote is a reviewer's comment (审核意见) on one indicator; Indicator
// "" is the 备注 on the agency as a whole.
type ReviewNote struct {
	Indicator string `json:"indicator"`
	Comment   string `json:"comment"`
}

// FinalResult is one roster agency's final result for the season.
type FinalResult struct {
	Agency string
	Type   scoring.AgencyType
	// State is the 汇总 state the result was computed from (合格待审,
	// 需修改, 无法读取, 逾期, 未提交, 一票否决).
	State string
	// Rank is the place within Type, 1 the best; 0 for an agency that
	// failed without a score (late, absent, vetoed, unreadable).
	Rank  int
	Grade Grade
	// Final is the final score (最终得分): the sum over indicators of the
	// staff's 审核分 where given, else the verified score. Meaningless when
	// !Scored.
	Final         float64
	Scored        bool
	SelfTotal     float64
	VerifiedTotal float64
	Sections      []SectionScore
	// Quota is the agency's share of the 优秀个人 recommendations;
	// QuotaExact the unrounded share it was rounded from.
	Quota      int
	QuotaExact float64
	Notes      []ReviewNote
	// SubmittedAt is the receipt time of the first submission, zero when
	// none came.
	SubmittedAt time.Time
	// Approved is set on the version the 主任办公会 approved (审定), with
	// when and by whom (the operator or staff address of the import).
	Approved   bool
	ApprovedAt time.Time
	ApprovedBy string
}

// ResultsRun says when a version of the results was saved, by whom and
// from where (a file name or mail).
type ResultsRun struct {
	At     time.Time
	By     string
	Source string
}

// resultKind is which version of the results a row belongs to.
type resultKind string

const (
	kindComputed resultKind = "computed"
	kindApproved resultKind = "approved"
)

// resultDetail is what a results row keeps as JSON.
type resultDetail struct {
	Sections []SectionScore `json:"sections,omitempty"`
	Notes    []ReviewNote   `json:"notes,omitempty"`
}

// SaveComputedResults replaces the season's computed results with rs. The
// approved version, if any, is kept: it changes only by ApproveResults.
func (s *Store) SaveComputedResults(ctx context.Context, rs []FinalResult, run ResultsRun) error {
	return s.saveResults(ctx, kindComputed, rs, run)
}

// ApproveResults replaces the season's approved (审定) results with rs, in
// one transaction: an approval is taken whole or not at all.
func (s *Store) ApproveResults(ctx context.Context, rs []FinalResult, run ResultsRun) error {
	return s.saveResults(ctx, kindApproved, rs, run)
}

func (s *Store) saveResults(ctx context.Context, kind resultKind, rs []FinalResult, run ResultsRun) error {
	if run.At.IsZero() {
		run.At = s.now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		return saveResultsTx(ctx, tx, s.season, kind, rs, run)
	})
	if err != nil {
		return fmt.Errorf("save %s results: %w", kind, err)
	}
	return nil
}

// saveResultsTx replaces the season's results of kind with rs in tx.
func saveResultsTx(ctx context.Context, tx *sql.Tx, season int, kind resultKind, rs []FinalResult, run ResultsRun) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM results WHERE season = ? AND kind = ?", season, kind); err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO results (season, kind, agency, agency_type, state, rank, grade, final,
		scored, self_total, verified_total, quota, quota_exact, submitted_at, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rs {
		if r.Agency == "" || !r.Grade.Valid() {
			return fmt.Errorf("result %q: grade %q", r.Agency, r.Grade)
		}
		detail, err := json.Marshal(resultDetail{Sections: r.Sections, Notes: r.Notes})
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, season, kind, r.Agency, string(r.Type), r.State, r.Rank, string(r.Grade), r.Final,
			boolInt(r.Scored), r.SelfTotal, r.VerifiedTotal, r.Quota, r.QuotaExact, ms(r.SubmittedAt), string(detail)); err != nil {
			return fmt.Errorf("result %s: %w", r.Agency, err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO result_runs (season, kind, at, by, source) VALUES (?,?,?,?,?)
		ON CONFLICT (season, kind) DO UPDATE SET at = excluded.at, by = excluded.by, source = excluded.source`,
		season, kind, ms(run.At), run.By, run.Source)
	return err
}

// FinalResults returns the season's results as they stand: the approved
// version (Approved set) once the results were approved, else the computed
// one; nil when neither was saved. Rows come by type (district first),
// then rank, unranked agencies last by name.
func (s *Store) FinalResults(ctx context.Context) ([]FinalResult, error) {
	run, ok, err := s.resultsRun(ctx, kindApproved)
	if err != nil {
		return nil, err
	}
	if ok {
		return s.results(ctx, kindApproved, &run)
	}
	return s.results(ctx, kindComputed, nil)
}

// ComputedResults returns the season's computed results (never the
// approved ones) and when they were computed.
func (s *Store) ComputedResults(ctx context.Context) ([]FinalResult, ResultsRun, error) {
	run, _, err := s.resultsRun(ctx, kindComputed)
	if err != nil {
		return nil, run, err
	}
	rs, err := s.results(ctx, kindComputed, nil)
	return rs, run, err
}

// ResultsApproval reports whether the season's results were approved
// (审定), and when, by whom and from what.
func (s *Store) ResultsApproval(ctx context.Context) (ResultsRun, bool, error) {
	return s.resultsRun(ctx, kindApproved)
}

func (s *Store) resultsRun(ctx context.Context, kind resultKind) (ResultsRun, bool, error) {
	var run ResultsRun
	var at int64
	err := s.r.QueryRowContext(ctx, "SELECT at, by, source FROM result_runs WHERE season = ? AND kind = ?", s.season, kind).
		Scan(&at, &run.By, &run.Source)
	if err == sql.ErrNoRows {
		return run, false, nil
	}
	if err != nil {
		return run, false, fmt.Errorf("results run: %w", err)
	}
	run.At = fromMS(at)
	return run, true, nil
}

const qResults = `SELECT agency, agency_type, state, rank, grade, final, scored, self_total, verified_total, quota,
	quota_exact, submitted_at, detail FROM results WHERE season = ? AND kind = ?
	ORDER BY agency_type != 'district', rank = 0, rank, agency`

func (s *Store) results(ctx context.Context, kind resultKind, approved *ResultsRun) ([]FinalResult, error) {
	rows, err := s.r.QueryContext(ctx, qResults, s.season, kind)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer rows.Close()
	var out []FinalResult
	for rows.Next() {
		var r FinalResult
		var typ, grade, detail string
		var scored int
		var submitted int64
		if err := rows.Scan(&r.Agency, &typ, &r.State, &r.Rank, &grade, &r.Final, &scored, &r.SelfTotal, &r.VerifiedTotal,
			&r.Quota, &r.QuotaExact, &submitted, &detail); err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		r.Type, r.Grade, r.Scored, r.SubmittedAt = scoring.AgencyType(typ), Grade(grade), scored != 0, fromMS(submitted)
		var d resultDetail
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return nil, fmt.Errorf("results of %s: %w", r.Agency, err)
		}
		r.Sections, r.Notes = d.Sections, d.Notes
		if approved != nil {
			r.Approved, r.ApprovedAt, r.ApprovedBy = true, approved.At, approved.By
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
