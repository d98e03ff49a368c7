package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"kaohe/assess"
)

// purgeSeason fills season 2021 of a store: a 考核表 with its scores, a
// 推荐表 with two persons and its receipt sent, decisions on both persons
// and the unit, and a 确定名单反馈 published and sent.
func purgeSeason(t *testing.T) (*Store, *clock, Message) {
	t.Helper()
	clk := newClock()
	dir := t.TempDir()
	s, err := Open(dir, Options{Now: clk.Now, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.OpenSeason(ctx, 2021, time.Date(2022, 1, 6, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	summary := func(id string) {
		if _, err := s.EnqueueMail(ctx, OutgoingMail{MessageID: id, Kind: KindConsolidated, To: "staff@example.org",
			Raw: []byte("Message-ID: " + id + "\r\n\r\n汇总\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	// The staff workbook of the 考核表's days carries nobody's name.
	summary("<summary.before@kaohe.test>")
	form := record(t, s, "<form@x>", 1, 1, time.Date(2021, 12, 30, 2, 0, 0, 0, time.UTC))
	if err := s.SaveResult(ctx, Result{MessageID: form.ID, Outcome: OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true,
		Attachments: []AttachmentResult{{Filename: "考核表.xlsx", Kind: "xlsx", Size: 10, Hash: form.Hash,
			Report: report("朝阳区代办处", assess.StatusAccepted, 120)}},
		Outbox: []OutgoingMail{reply(form, "")}}); err != nil {
		t.Fatal(err)
	}
	rec, err := saveProposalMail(t, s, "朝阳区代办处", "<rec@x>", 2, time.Date(2022, 4, 1, 2, 0, 0, 0, time.UTC),
		proposal("朝阳区代办处", true, "张三|1980-05", "李四|1985-03"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDecisions(ctx, []Decision{
		{Agency: "朝阳区代办处", Kind: KindUnit, Verdict: Confirmed, Note: "事迹突出"},
		{Agency: "朝阳区代办处", Kind: KindPerson, Name: "张三", Birth: "1980-05", Verdict: Confirmed},
		{Agency: "朝阳区代办处", Kind: KindPerson, Name: "李四", Birth: "1985-03", Verdict: NotConfirmed, Note: "李四名额已满"},
	}, nil); err != nil {
		t.Fatal(err)
	}
	final := OutgoingMail{MessageID: "<final.1@kaohe.test>", Kind: KindFinalList, To: "a@example.com", Raw: []byte("Message-ID: <final.1@kaohe.test>\r\n\r\n张三 确定\r\n")}
	if err := s.PublishNotice(ctx, PublishedNotice{Kind: NoticeFinalList, Agency: "朝阳区代办处", Revision: 1, ContentKey: "k1",
		Facts: `[{"label":"优秀个人 张三","value":"确定"}]`, Recipients: []string{"a@example.com"}}, []OutgoingMail{final}); err != nil {
		t.Fatal(err)
	}
	// The staff workbook of the recommendation round lists the persons,
	// as does the one staff mail back with the decisions; the one they
	// mailed back in January does not.
	clk.Add(time.Date(2022, 4, 1, 12, 0, 0, 0, time.UTC).Sub(clk.Now()))
	summary("<summary.after@kaohe.test>")
	for i, at := range []time.Time{time.Date(2022, 1, 20, 2, 0, 0, 0, time.UTC), time.Date(2022, 4, 2, 2, 0, 0, 0, time.UTC)} {
		m := record(t, s, fmt.Sprintf("<staffbook%d@x>", i), 10+i, uint32(10+i), at)
		if err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeStaffImported, OnTime: true,
			Outbox: []OutgoingMail{reply(m, "")}}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := s.DueOutbox(ctx, clk.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := s.MarkSent(ctx, it.ID, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return s, clk, rec
}

// snapshot is what must not change in a dry run, and what of it a purge
// keeps.
type snapshot struct {
	persons, decisions, namedDecisions, scores, submissions, sentBytes, proposals int
	archived                                                                      bool
}

func takeSnapshot(t *testing.T, s *Store, rec Message) snapshot {
	t.Helper()
	_, err := os.Stat(filepath.Join(s.dir, filepath.FromSlash(ArchivedPath(rec.Hash))))
	return snapshot{
		persons:        count(t, s, "proposal_persons"),
		decisions:      count(t, s, "recommend_decisions"),
		namedDecisions: countWhere(t, s, "SELECT COUNT(*) FROM recommend_decisions WHERE name != ''"),
		scores:         count(t, s, "scores"),
		submissions:    count(t, s, "submissions"),
		sentBytes:      countWhere(t, s, "SELECT COUNT(*) FROM outbox_raw WHERE length(data) > 0"),
		proposals:      count(t, s, "proposals"),
		archived:       err == nil,
	}
}

func TestPlanPurgeChangesNothing(t *testing.T) {
	s, _, rec := purgeSeason(t)
	ctx := context.Background()
	before := takeSnapshot(t, s, rec)
	plan, err := s.PlanPurge(ctx, 2021)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Persons != 2 || plan.Decisions != 2 || len(plan.Mails) != 2 || plan.Copies != 4 || plan.Notices != 1 {
		t.Errorf("plan = %+v, want 2 persons, 2 decisions, 2 mails (推荐表, the staff workbook of April), "+
			"4 copies (receipt, 导入 reply, final list, the round's staff workbook), 1 notice", plan)
	}
	if len(plan.Agencies) != 1 || plan.Agencies[0] != (PurgeAgency{Agency: "朝阳区代办处", Proposed: 2, Confirmed: 1, Persons: 2}) {
		t.Errorf("agencies = %+v", plan.Agencies)
	}
	if want := time.Date(2022, 4, 2, 2, 0, 0, 0, time.UTC); !plan.End.Equal(want) {
		t.Errorf("end = %v, want %v, the staff's mail with the decisions (the season's last event)", plan.End, want)
	}
	if want := time.Date(2022, 4, 1, 2, 0, 0, 0, time.UTC); !plan.RoundStart.Equal(want) {
		t.Errorf("round start = %v, want %v, the 推荐表's arrival", plan.RoundStart, want)
	}
	if after := takeSnapshot(t, s, rec); after != before {
		t.Errorf("plan changed the store: %+v → %+v", before, after)
	}
	if _, err := s.PlanPurge(ctx, 2019); !errors.Is(err, ErrNotFound) {
		t.Errorf("plan of an unknown season: %v", err)
	}
}

func TestPurgeRemovesPersonsKeepsScores(t *testing.T) {
	s, _, rec := purgeSeason(t)
	ctx := context.Background()
	before := takeSnapshot(t, s, rec)
	plan, err := s.Purge(ctx, 2021, "wangming")
	if err != nil {
		t.Fatal(err)
	}
	after := takeSnapshot(t, s, rec)
	want := snapshot{persons: 0, decisions: before.decisions, namedDecisions: 0, scores: before.scores, submissions: before.submissions,
		sentBytes: before.sentBytes - plan.Copies, proposals: before.proposals, archived: false}
	if after != want {
		t.Errorf("after purge %+v, want %+v", after, want)
	}
	if after.scores == 0 || after.sentBytes != 3 {
		t.Errorf("scores %d, mails with bytes %d: the 考核表's scores, its receipt, the staff workbook of its days and January's 导入 reply must stay",
			after.scores, after.sentBytes)
	}
	for _, q := range []string{
		"SELECT COUNT(*) FROM recommend_decisions WHERE note LIKE '%李四%'",
		"SELECT COUNT(*) FROM published_notices WHERE facts LIKE '%张三%'",
		"SELECT COUNT(*) FROM proposals WHERE unit_deeds != ''",
		"SELECT COUNT(*) FROM messages WHERE subject != '' AND id = " + strconv.FormatInt(rec.ID, 10),
	} {
		if n := countWhere(t, s, q); n != 0 {
			t.Errorf("%s: %d", q, n)
		}
	}
	if n := countWhere(t, s, "SELECT COUNT(*) FROM recommend_decisions WHERE kind = 'person' AND verdict = 'confirmed'"); n != 1 {
		t.Errorf("confirmed persons counted %d after purge, want 1", n)
	}
	if _, err := s.ReadArchived(rec.Hash); !errors.Is(err, ErrNotFound) {
		t.Errorf("archived 推荐表 mail still readable: %v", err)
	}
	if at, err := s.Purged(ctx, 2021); err != nil || at.IsZero() {
		t.Errorf("purge not recorded: %v %v", at, err)
	}
	if err := s.SaveDecisions(ctx, []Decision{{Agency: "朝阳区代办处", Kind: KindUnit, Verdict: NotConfirmed}}, nil); !errors.Is(err, ErrPurged) {
		t.Errorf("decision after purge: %v", err)
	}
	again, err := s.PlanPurge(ctx, 2021)
	if err != nil || !again.Empty() {
		t.Errorf("second plan %+v, %v: nothing should be left", again, err)
	}
}
