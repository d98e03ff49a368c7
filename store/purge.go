package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// PurgePlan is what purging a finished season's personal data removes, and
// what it keeps: counts only, never a person's name.
type PurgePlan struct {
	Season int
	// End is when the season ended: the latest of its last mail received,
	// its last recommendation, decision or notice, its results' approval,
	// its cut-off and its opening.
	End time.Time
	// RoundStart is when the season's first 推荐表 came: from then on the
	// staff workbook and the staff notices carried persons. Zero when
	// none came.
	RoundStart time.Time
	// PurgedAt is when an earlier purge ran; zero when none did.
	PurgedAt time.Time
	// Agencies are the counts per agency, by agency.
	Agencies []PurgeAgency
	// Persons, Decisions and Findings count the person rows of proposals,
	// the decisions on persons and the findings about persons removed.
	Persons, Decisions, Findings int
	// Mails are the archived raw mails that carried persons and are still
	// on disk, as paths relative to the data folder: those with a 推荐表,
	// and the staff workbooks mailed back during the round.
	Mails []string
	// Copies are the outbox mails whose bytes are removed: the replies to
	// Mails (the receipts with the annotated copy of a 推荐表, the 导入
	// replies), the 确定名单反馈 sent, and the staff workbooks and notices
	// mailed to staff from RoundStart to End.
	Copies int
	// Notices are the recorded 确定名单反馈 issues whose content is removed.
	Notices int
}

// PurgeAgency is what a purge removes of one agency, and the counts kept.
type PurgeAgency struct {
	Agency    string `json:"agency"`
	Proposed  int    `json:"proposed"`  // persons proposed in its current 推荐表
	Confirmed int    `json:"confirmed"` // persons confirmed by the 主任办公会
	Persons   int    `json:"persons"`   // person rows removed, all versions of its 推荐表
}

// Empty says whether the plan removes nothing.
func (p PurgePlan) Empty() bool {
	return p.Persons == 0 && p.Decisions == 0 && p.Findings == 0 && len(p.Mails) == 0 && p.Copies == 0 && p.Notices == 0
}

// PlanPurge says what Purge(season) would remove now, changing nothing.
// A season never recorded gives an error wrapping ErrNotFound.
func (s *Store) PlanPurge(ctx context.Context, season int) (PurgePlan, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return PurgePlan{}, fmt.Errorf("plan purge: %w", err)
	}
	defer tx.Rollback()
	p, err := s.planPurge(ctx, tx, season)
	if err != nil {
		return PurgePlan{}, fmt.Errorf("plan purge of season %d: %w", season, err)
	}
	return p, nil
}

// Purge removes season's personal data, as PlanPurge describes it, and
// records the purge with the counts kept: in one transaction, the person
// rows of its proposals and the findings about them, the persons' names,
// birth dates and notes in the decisions, the wording of its 确定名单反馈
// issues and the bytes of the outbox mails that carried persons' data;
// then the archived mails with a 推荐表. Scores, grades, results and the
// other records stay. The season's decisions and lists can no longer be
// changed or sent (ErrPurged). Whether the season may be purged (finished,
// past its retention) is the caller's to decide. Running it again removes
// whatever is left, such as an archived file a crash kept.
func (s *Store) Purge(ctx context.Context, season int, operator string) (PurgePlan, error) {
	var plan PurgePlan
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if plan, err = s.planPurge(ctx, tx, season); err != nil {
			return err
		}
		return purgeRows(ctx, tx, season, plan, operator, s.now())
	})
	if err != nil {
		return plan, fmt.Errorf("purge season %d: %w", season, err)
	}
	for _, rel := range plan.Mails {
		if err := s.injected(); err != nil {
			return plan, fmt.Errorf("purge season %d: %w", season, err)
		}
		if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return plan, fmt.Errorf("purge season %d: remove %s: %w", season, rel, err)
		}
	}
	return plan, nil
}

// NoticeFinalList is the kind under which the 确定名单反馈 is recorded in
// published_notices (notice.KindFinalList); its mail's outbox kind is
// KindFinalList.
const NoticeFinalList = "final-list"

// seasonProposals selects the proposals of a season.
const seasonProposals = "SELECT id FROM proposals WHERE season = ?"

// personMessages selects the season's messages that carried persons: those
// with a 推荐表, and the staff workbooks mailed to kaohe during the
// recommendation round (their 推荐名单; a forged one is kept as evidence
// only until the season is purged). personArgs gives its arguments.
const personMessages = `SELECT message FROM proposals WHERE season = ?
	UNION SELECT id FROM messages WHERE season = ? AND outcome IN (?, ?, ?) AND received_at BETWEEN ? AND ?`

// personArgs are personMessages' arguments for plan p.
func personArgs(p PurgePlan) []any {
	lo, hi := ms(p.RoundStart), ms(p.End.Add(24*time.Hour))
	if p.RoundStart.IsZero() {
		lo, hi = 1, 0 // no round: no staff workbook carried anybody
	}
	return []any{p.Season, p.Season, string(OutcomeStaffImported), string(OutcomeStaffRefused), string(OutcomeStaffUntrusted), lo, hi}
}

// finalListWindow bounds the outbox rows of the season's 确定名单反馈: they
// were queued when their issues were published (the store's clock and the
// publisher's may differ by a little; seasons are a year apart).
const finalListWindow = `SELECT MIN(published_at) - 86400000, MAX(published_at) + 86400000
	FROM published_notices WHERE season = ? AND kind = ?`

func (s *Store) planPurge(ctx context.Context, tx *sql.Tx, season int) (PurgePlan, error) {
	p := PurgePlan{Season: season}
	var err error
	if p.End, err = seasonEnd(ctx, tx, season); err != nil {
		return p, err
	}
	var at sql.NullInt64
	var summary sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT at, summary FROM purges WHERE season = ?", season).Scan(&at, &summary); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	p.PurgedAt = fromMS(at.Int64)
	if p.Agencies, err = purgeAgencies(ctx, tx, season); err != nil {
		return p, err
	}
	var start int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MIN(received_at), 0) FROM proposals WHERE season = ?", season).Scan(&start); err != nil {
		return p, err
	}
	p.RoundStart = fromMS(start)
	if !p.PurgedAt.IsZero() {
		// The persons are gone: the counts are those the first purge kept.
		if err := json.Unmarshal([]byte(summary.String), &p.Agencies); err != nil {
			return p, fmt.Errorf("counts kept by the purge: %w", err)
		}
	}
	counts := []struct {
		n    *int
		q    string
		args []any
	}{
		{&p.Persons, "SELECT COUNT(*) FROM proposal_persons WHERE proposal IN (" + seasonProposals + ")", []any{season}},
		{&p.Findings, "SELECT COUNT(*) FROM proposal_findings WHERE person >= 0 AND proposal IN (" + seasonProposals + ")", []any{season}},
		{&p.Decisions, "SELECT COUNT(*) FROM recommend_decisions WHERE season = ? AND kind = ? AND purged = 0", []any{season, string(KindPerson)}},
	}
	for _, c := range counts {
		if err := tx.QueryRowContext(ctx, c.q, c.args...).Scan(c.n); err != nil {
			return p, err
		}
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM published_notices WHERE season = ? AND kind = ? AND facts != '[]'",
		season, NoticeFinalList).Scan(&p.Notices); err != nil {
		return p, err
	}
	if p.Copies, err = purgeCopies(ctx, tx, p, true); err != nil {
		return p, err
	}
	if p.Mails, err = s.purgeMails(ctx, tx, p); err != nil {
		return p, err
	}
	return p, nil
}

// seasonEnd is the last thing that happened in the season.
func seasonEnd(ctx context.Context, tx *sql.Tx, season int) (time.Time, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM seasons WHERE year = ?", season).Scan(&n); err != nil {
		return time.Time{}, err
	}
	if n == 0 {
		return time.Time{}, fmt.Errorf("season %d: %w", season, ErrNotFound)
	}
	var end int64
	err := tx.QueryRowContext(ctx, `SELECT MAX(
		(SELECT COALESCE(MAX(MAX(cutoff, opened_at)), 0) FROM seasons WHERE year = ?1),
		(SELECT COALESCE(MAX(received_at), 0) FROM messages WHERE season = ?1),
		(SELECT COALESCE(MAX(received_at), 0) FROM proposals WHERE season = ?1),
		(SELECT COALESCE(MAX(at), 0) FROM recommend_decisions WHERE season = ?1),
		(SELECT COALESCE(MAX(published_at), 0) FROM published_notices WHERE season = ?1),
		(SELECT COALESCE(MAX(at), 0) FROM result_runs WHERE season = ?1))`, season).Scan(&end)
	return fromMS(end), err
}

// purgeAgencies counts, per agency, the persons its current 推荐表 proposed,
// those confirmed, and the person rows of all its versions.
func purgeAgencies(ctx context.Context, tx *sql.Tx, season int) ([]PurgeAgency, error) {
	byAgency := map[string]*PurgeAgency{}
	get := func(a string) *PurgeAgency {
		if byAgency[a] == nil {
			byAgency[a] = &PurgeAgency{Agency: a}
		}
		return byAgency[a]
	}
	cur, err := currentProposals(ctx, tx, season)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.agency, COUNT(pp.id) FROM proposals p
		JOIN proposal_persons pp ON pp.proposal = p.id WHERE p.season = ? GROUP BY p.id`, season)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var agency string
		var n int
		if err := rows.Scan(&id, &agency, &n); err != nil {
			rows.Close()
			return nil, err
		}
		a := get(agency)
		a.Persons += n
		if cur[id] {
			a.Proposed = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT agency, COUNT(*) FROM recommend_decisions
		WHERE season = ? AND kind = ? AND verdict = ? AND purged = 0 GROUP BY agency`, season, string(KindPerson), string(Confirmed))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var agency string
		var n int
		if err := rows.Scan(&agency, &n); err != nil {
			return nil, err
		}
		get(agency).Confirmed = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]PurgeAgency, 0, len(byAgency))
	for _, a := range byAgency {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agency < out[j].Agency })
	return out, nil
}

// purgeCopies counts (count) or empties the outbox mails of the season
// that carry persons' data: those about a message with a 推荐表 (the
// receipt with its annotated copy), the 确定名单反馈, and the staff
// workbooks and notices mailed to staff during the recommendation round
// (a notice of that time about anything else goes with them). Mail still
// waiting to go out is left alone: a season is purged years after its
// last mail.
func purgeCopies(ctx context.Context, tx *sql.Tx, p PurgePlan, count bool) (int, error) {
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, finalListWindow, p.Season, NoticeFinalList).Scan(&lo, &hi); err != nil {
		return 0, err
	}
	where := `state != 'pending' AND (related IN (` + personMessages + `)
		OR (kind = ? AND created_at BETWEEN ? AND ?)
		OR (kind IN (?, ?) AND created_at BETWEEN ? AND ?))`
	round := personArgs(p)
	from, to := round[len(round)-2], round[len(round)-1]
	args := append(round, KindFinalList, lo.Int64, hi.Int64, KindConsolidated, KindStaffNotice, from, to)
	sel := `SELECT outbox FROM outbox_raw WHERE length(data) > 0 AND outbox IN (SELECT id FROM outbox WHERE ` + where + `)`
	if count {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+sel+")", args...).Scan(&n)
		return n, err
	}
	res, err := tx.ExecContext(ctx, "UPDATE outbox_raw SET data = x'' WHERE outbox IN ("+sel+")", args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// purgeMails lists the archived mails of personMessages still on disk.
func (s *Store) purgeMails(ctx context.Context, tx *sql.Tx, p PurgePlan) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT hash FROM messages WHERE id IN (`+personMessages+`) ORDER BY hash`, personArgs(p)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var hash string
		if err := rows.Scan(&hash); err != nil {
			return nil, err
		}
		if !validHash(hash) {
			continue
		}
		if _, err := os.Stat(s.archivePath(hash)); err == nil {
			out = append(out, ArchivedPath(hash))
		}
	}
	return out, rows.Err()
}

// purgeRows makes the database changes of a purge and records it.
func purgeRows(ctx context.Context, tx *sql.Tx, season int, plan PurgePlan, operator string, now time.Time) error {
	stmts := []struct {
		q    string
		args []any
	}{
		{"DELETE FROM proposal_findings WHERE person >= 0 AND proposal IN (" + seasonProposals + ")", []any{season}},
		{"DELETE FROM proposal_persons WHERE proposal IN (" + seasonProposals + ")", []any{season}},
		// The unit's 事迹 and the 公示 result may name people as well.
		{"UPDATE proposals SET unit_deeds = '', publicity_result = '' WHERE season = ?", []any{season}},
		// The rows stay, so that the counts of confirmed persons do.
		{`UPDATE recommend_decisions SET name = '', birth = '', note = CASE kind WHEN ? THEN '' ELSE note END, purged = 1
			WHERE season = ? AND purged = 0`, []any{string(KindPerson), season}},
		{"UPDATE published_notices SET facts = '[]' WHERE season = ? AND kind = ?", []any{season, NoticeFinalList}},
		// A mail's subject and attachment names may carry a person's name.
		{"UPDATE messages SET subject = '' WHERE id IN (" + personMessages + ")", personArgs(plan)},
		{"UPDATE attachments SET filename = '' WHERE message IN (" + personMessages + ")", personArgs(plan)},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	if _, err := purgeCopies(ctx, tx, plan, false); err != nil {
		return err
	}
	summary, err := json.Marshal(plan.Agencies)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO purges (season, at, operator, summary) VALUES (?,?,?,?)
		ON CONFLICT (season) DO UPDATE SET at = excluded.at, operator = excluded.operator,
		summary = CASE WHEN purges.summary IN ('', '[]', 'null') THEN excluded.summary ELSE purges.summary END`,
		season, ms(now), operator, string(summary))
	return err
}

// Purged says when the season's personal data was purged; zero when never.
func (s *Store) Purged(ctx context.Context, season int) (time.Time, error) {
	var at int64
	err := s.r.QueryRowContext(ctx, "SELECT at FROM purges WHERE season = ?", season).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("purged: %w", err)
	}
	return fromMS(at), nil
}
