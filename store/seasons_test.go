package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"kaohe/roster"
)

// TestMigrateToSeasons: a database of schema 3 (one season, no season
// column) keeps every row, in the season of its forms' year, although the
// store that migrates it is opened for the next season.
func TestMigrateToSeasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, DBFile), false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, migrations[:3], time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO messages (id, message_id, hash, sender, received_at, outcome, agency, on_time, created_at, done_at)
			VALUES (1, '<a@x>', 'h1', 'cy@x.test', 1000, 'accepted', '朝阳区代办处', 1, 1, 2),
			       (2, '<b@x>', 'h2', 'who@x.test', 2000, 'unknown_sender', '', 1, 1, 2)`,
		`INSERT INTO attachments (id, message, idx, filename, kind, size, hash) VALUES (1, 1, 0, 'a.xlsx', 'xlsx', 10, 'ha'),
			(2, 1, 1, 'b.xlsx', 'xlsx', 10, 'hb'), (3, 2, 0, 'c.xlsx', 'xlsx', 10, 'hc')`,
		`INSERT INTO submissions (id, message, attachment, agency, version, form, status, on_time, received_at, report, updated_at)
			VALUES (1, 1, 1, '朝阳区代办处', 1, '2021', 'accepted', 1, 1000, '{}', 2),
			       (2, 1, 2, '朝阳区代办处', 2, '2021', 'needs_fix', 1, 1000, '{}', 2),
			       (3, 2, 3, '海淀区代办处', 1, '2020', 'unreadable', 1, 2000, '{}', 2)`,
		`INSERT INTO scores (submission, indicator, section, self, verified, cap) VALUES (1, '1.1', '一', 2, 2, 2)`,
		`INSERT INTO findings (submission, code, severity, sheet, cell, indicator, field, message) VALUES (2, 'c', 'error', 's', 'A1', '1.1', 'f', 'm')`,
		`INSERT INTO submission_history (submission, status, self_total, verified_total, report, replaced_at) VALUES (1, 'accepted', 1, 1, '{}', 3)`,
		`INSERT INTO assignments (submission, from_agency, from_version, agency, version, at) VALUES (3, '', 1, '海淀区代办处', 1, 4)`,
		`INSERT INTO reviews (agency, indicator, score, comment, at) VALUES ('朝阳区代办处', '1.1', 1.5, '扣分', 5)`,
		`INSERT INTO vetoes (agency, veto, at) VALUES ('朝阳区代办处', 1, 6)`,
		`INSERT INTO reminders (agency, day, sent_at) VALUES ('通州区代办处', 3, 7)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	next, err := Open(dir, Options{Season: 2022})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if subs, err := next.Submissions(ctx, SubmissionFilter{}); err != nil || len(subs) != 0 {
		t.Errorf("season 2022 submissions = %d, %v; want none", len(subs), err)
	}
	if se, err := next.SeasonInfo(ctx, 2021); err != nil || se.FormYear != 2021 {
		t.Errorf("season 2021 = %+v, %v; want it recorded with form year 2021", se, err)
	}
	var bad int
	if err := next.r.QueryRow("SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&bad); err != nil || bad != 0 {
		t.Errorf("foreign key problems = %d, %v", bad, err)
	}
	next.Close()

	old, err := Open(dir, Options{Season: 2021, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	subs, err := old.Submissions(ctx, SubmissionFilter{})
	if err != nil || len(subs) != 3 {
		t.Fatalf("season 2021 submissions = %d, %v; want 3", len(subs), err)
	}
	if subs[0].Agency != "朝阳区代办处" || subs[1].Version != 2 || subs[2].Agency != "海淀区代办处" {
		t.Errorf("submissions after migration: %+v", subs)
	}
	if cur, err := old.CurrentSubmissions(ctx); err != nil || len(cur) != 2 || cur[0].ID != 2 {
		t.Errorf("current = %+v, %v; want version 2 of 朝阳区 and 海淀区's", cur, err)
	}
	if h, err := old.SubmissionHistory(ctx, 1); err != nil || len(h) != 1 {
		t.Errorf("history = %d, %v", len(h), err)
	}
	if msgs, err := old.Messages(ctx, MessageFilter{}); err != nil || len(msgs) != 2 || msgs[0].Season != 2021 {
		t.Errorf("messages = %+v, %v", msgs, err)
	}
	if as, err := old.Assignments(ctx); err != nil || len(as) != 1 || as[0].Agency != "海淀区代办处" {
		t.Errorf("assignments = %+v, %v", as, err)
	}
	if rs, err := old.Reviews(ctx); err != nil || len(rs) != 1 || *rs[0].Score != 1.5 {
		t.Errorf("reviews = %+v, %v", rs, err)
	}
	if v, err := old.Vetoes(ctx); err != nil || !v["朝阳区代办处"] {
		t.Errorf("vetoes = %v, %v", v, err)
	}
	if r, err := old.RemindersSent(ctx); err != nil || !r[ReminderKey("通州区代办处", 3)] {
		t.Errorf("reminders = %v, %v", r, err)
	}
	var scores, findings int
	if err := old.r.QueryRow("SELECT (SELECT COUNT(*) FROM scores), (SELECT COUNT(*) FROM findings)").Scan(&scores, &findings); err != nil || scores != 1 || findings != 1 {
		t.Errorf("scores %d, findings %d, %v", scores, findings, err)
	}
}

// TestSeasonsApart: a new season in the same store starts empty (versions
// restart at 1, no reminder recorded) while the old one reads as it was.
func TestSeasonsApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clk := newClock()
	open := func(season int) *Store {
		s, err := Open(dir, Options{Season: season, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := open(2021)
	agencies := []roster.Agency{{Name: "朝阳区代办处", Emails: []string{"cy@x.test"}}}
	if err := first.OpenSeason(ctx, 2021, time.Date(2022, 1, 6, 0, 0, 0, 0, time.UTC), agencies); err != nil {
		t.Fatal(err)
	}
	m := record(t, first, "<s1@x>", 1, 1, clk.Now())
	saveAccepted(t, first, m, "朝阳区代办处")
	if ok, err := first.MarkReminderSent(ctx, "通州区代办处", 3, clk.Now()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	first.Close()

	clk.Add(365 * 24 * time.Hour)
	second := open(2022)
	defer second.Close()
	if subs, err := second.Submissions(ctx, SubmissionFilter{}); err != nil || len(subs) != 0 {
		t.Errorf("new season's submissions = %d, %v", len(subs), err)
	}
	if ok, err := second.MarkReminderSent(ctx, "通州区代办处", 3, clk.Now()); err != nil || !ok {
		t.Errorf("new season's reminder: first = %v, %v; want true", ok, err)
	}
	m2 := record(t, second, "<s2@x>", 2, 2, clk.Now())
	saveAccepted(t, second, m2, "朝阳区代办处")
	subs, err := second.Submissions(ctx, SubmissionFilter{})
	if err != nil || len(subs) != 1 || subs[0].Version != 1 {
		t.Fatalf("new season's submissions = %+v, %v; want version 1", subs, err)
	}
	// A re-delivery of last season's mail is the same mail.
	if _, dup, err := second.RecordMessage(ctx, Message{MessageID: m.MessageID, Hash: m.Hash}); err != nil || !dup {
		t.Errorf("re-delivered old mail: dup = %v, %v", dup, err)
	}
	se, err := second.SeasonInfo(ctx, 2021)
	if err != nil || se.FormYear != 2021 || len(se.Roster) != 1 || se.Roster[0].Name != "朝阳区代办处" || se.Cutoff.Year() != 2022 {
		t.Errorf("season 2021 = %+v, %v", se, err)
	}
	if ys, err := second.Seasons(ctx); err != nil || len(ys) != 1 {
		t.Errorf("seasons = %v, %v; want only 2021 recorded", ys, err)
	}
}

// saveAccepted saves an accepted form of agency as m's result.
func saveAccepted(t testing.TB, s *Store, m Message, agency string) {
	t.Helper()
	err := s.SaveResult(context.Background(), Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []AttachmentResult{{Filename: "a.xlsx", Kind: "xlsx", Size: 10, Hash: m.Hash, Report: report(agency, "accepted", 90)}}})
	if err != nil {
		t.Fatalf("SaveResult: %v", err)
	}
}
