package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/validate"
)

var campaign = time.Date(2021, 12, 28, 3, 0, 0, 0, time.UTC)

func TestSaveResultStoresEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	m := record(t, s, "<r@agency>", 1, 1, campaign)
	rep := report("朝阳区代办处", assess.StatusNeedsFix, 100)
	err := s.SaveResult(ctx, Result{
		MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", OnTime: true,
		Attachments: []AttachmentResult{
			{Filename: "考核表.xlsx", Kind: "xlsx", Size: 9000, Hash: hashOf([]byte("x")), Report: rep},
			{Filename: "说明.pdf", Kind: "pdf", Size: 100, Hash: hashOf([]byte("p")), Note: "不是考核表"},
		},
		Outbox: []OutgoingMail{reply(m, "")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int{"attachments": 2, "submissions": 1, "scores": 30, "findings": 2, "outbox": 1} {
		if n := count(t, s, table); n != want {
			t.Errorf("%s rows = %d; want %d", table, n, want)
		}
	}
	subs, err := s.Submissions(ctx, SubmissionFilter{MessageID: m.ID})
	if err != nil || len(subs) != 1 {
		t.Fatalf("Submissions = %v, %v", subs, err)
	}
	sub := subs[0]
	if sub.Agency != "朝阳区" || sub.Version != 1 || !sub.OnTime || !sub.Current || sub.Status != assess.StatusNeedsFix ||
		sub.Errors != 1 || sub.Warnings != 1 || sub.Filename != "考核表.xlsx" || sub.Sender != "a@example.com" ||
		sub.MessageHash != m.Hash || sub.VerifiedTotal != 98 || !sub.ReceivedAt.Equal(campaign) {
		t.Fatalf("submission = %+v", sub)
	}
	if sub.Report == nil || len(sub.Report.Indicators) != 30 || sub.Report.Findings[0].Code != validate.CodeScoreAboveCap ||
		sub.Report.Fields["unit"] != "朝阳区代办处" || *sub.Report.Indicators[3].Self != 3 {
		t.Fatalf("report did not round-trip: %+v", sub.Report)
	}
	due, err := s.DueOutbox(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].RelatedMessage != m.ID || due[0].To != "a@example.com" {
		t.Fatalf("DueOutbox = %+v, %v", due, err)
	}
}

func TestSaveResultIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	m := record(t, s, "<atomic@agency>", 1, 1, campaign)
	out := reply(m, "")
	// An outbox row with the same Message-ID already exists: the result's
	// own insert violates UNIQUE after attachments, submissions, scores and
	// findings were written in the same transaction.
	if _, err := s.EnqueueMail(ctx, out); err != nil {
		t.Fatal(err)
	}
	tables := []string{"attachments", "submissions", "scores", "findings", "outbox"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(t, s, tb)
	}
	r := Result{
		MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", OnTime: true,
		Attachments: []AttachmentResult{{Filename: "a.xlsx", Kind: "xlsx", Hash: m.Hash, Report: report("朝阳区", assess.StatusAccepted, 110)}},
		Outbox:      []OutgoingMail{reply(m, ".staff"), out},
	}
	if err := s.SaveResult(ctx, r); err == nil {
		t.Fatal("SaveResult with a duplicate outbox Message-ID succeeded")
	}
	for _, tb := range tables {
		if n := count(t, s, tb); n != before[tb] {
			t.Errorf("%s rows = %d after a failed SaveResult; want %d", tb, n, before[tb])
		}
	}
	got, _ := s.Message(ctx, m.ID)
	if got.Outcome != OutcomeReceived || !got.DoneAt.IsZero() {
		t.Fatalf("message after failed SaveResult: %+v", got)
	}
	// The same result without the clash succeeds, and the version number
	// was not consumed by the failed attempt.
	r.Outbox = r.Outbox[:1]
	if err := s.SaveResult(ctx, r); err != nil {
		t.Fatal(err)
	}
	subs, _ := s.Submissions(ctx, SubmissionFilter{Agency: "朝阳区"})
	if len(subs) != 1 || subs[0].Version != 1 {
		t.Fatalf("submissions = %+v; want one, version 1", subs)
	}
}

func TestSaveResultIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	m := record(t, s, "<idem@agency>", 1, 1, campaign)
	r := Result{
		MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "海淀区", OnTime: true,
		Attachments: []AttachmentResult{{Filename: "a.xlsx", Kind: "xlsx", Report: report("海淀区", assess.StatusAccepted, 110)}},
		Outbox:      []OutgoingMail{reply(m, "")},
	}
	if err := s.SaveResult(ctx, r); err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.Outcome = OutcomeNoForm
	r2.Outbox = []OutgoingMail{reply(m, ".other")}
	if err := s.SaveResult(ctx, r2); !errors.Is(err, ErrAlreadyDone) {
		t.Fatalf("second SaveResult: %v; want ErrAlreadyDone", err)
	}
	for table, want := range map[string]int{"submissions": 1, "outbox": 1, "attachments": 1} {
		if n := count(t, s, table); n != want {
			t.Errorf("%s rows = %d; want %d", table, n, want)
		}
	}
	if got, _ := s.Message(ctx, m.ID); got.Outcome != OutcomeProcessed {
		t.Errorf("outcome = %q; want the first one", got.Outcome)
	}
	for _, tc := range []struct {
		name string
		r    Result
		want error
	}{
		{"missing message", Result{MessageID: 999, Outcome: OutcomeProcessed}, ErrNotFound},
		{"no outcome", Result{MessageID: m.ID}, nil},
		{"outbox without recipient", Result{MessageID: m.ID, Outcome: OutcomeProcessed, Outbox: []OutgoingMail{{MessageID: "<x>", Kind: KindReply, Raw: []byte("x")}}}, nil},
	} {
		err := s.SaveResult(ctx, tc.r)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err = %v; want an error (%v)", tc.name, err, tc.want)
		}
	}
}

// TestCurrentSubmissions checks version numbers per agency and the rule of
// CurrentSubmissions.
func TestCurrentSubmissions(t *testing.T) {
	t.Parallel()
	type file struct {
		agency string
		status assess.Status
		onTime bool
		hour   int // received at campaign + hour
	}
	for _, tc := range []struct {
		name        string
		files       []file
		wantCurrent map[string]int // agency → index into files
	}{
		{"newest on-time wins", []file{
			{"A", assess.StatusAccepted, true, 0}, {"A", assess.StatusNeedsFix, true, 5}, {"B", assess.StatusAccepted, true, 1},
		}, map[string]int{"A": 1, "B": 2}},
		{"late does not replace on-time", []file{
			{"A", assess.StatusNeedsFix, true, 0}, {"A", assess.StatusAccepted, false, 200},
		}, map[string]int{"A": 0}},
		{"only late: newest late", []file{
			{"A", assess.StatusAccepted, false, 200}, {"A", assess.StatusNeedsFix, false, 300},
		}, map[string]int{"A": 1}},
		{"unreadable newer does not replace readable", []file{
			{"A", assess.StatusAccepted, true, 0}, {"A", assess.StatusUnreadable, true, 5},
		}, map[string]int{"A": 0}},
		{"late readable beats on-time unreadable", []file{
			{"A", assess.StatusUnreadable, true, 0}, {"A", assess.StatusNeedsFix, false, 200},
		}, map[string]int{"A": 1}},
		{"only unreadable: shown", []file{
			{"A", assess.StatusUnreadable, true, 0}, {"A", assess.StatusUnreadable, false, 200},
		}, map[string]int{"A": 0}},
		{"processed out of order: received time decides", []file{
			{"A", assess.StatusAccepted, true, 9}, {"A", assess.StatusNeedsFix, true, 3},
		}, map[string]int{"A": 0}},
		{"unknown agency never current", []file{
			{"", assess.StatusAccepted, true, 0},
		}, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openTest(t, "", nil)
			subIDs := make([]int64, len(tc.files))
			wantVersion := map[string]int{}
			for i, f := range tc.files {
				m := record(t, s, "<f@x>", i, uint32(i+1), campaign.Add(time.Duration(f.hour)*time.Hour))
				err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: f.agency, OnTime: f.onTime,
					Attachments: []AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Report: report(f.agency, f.status, 100)}}})
				if err != nil {
					t.Fatal(err)
				}
				subs, err := s.Submissions(ctx, SubmissionFilter{MessageID: m.ID})
				if err != nil || len(subs) != 1 {
					t.Fatalf("Submissions = %v, %v", subs, err)
				}
				wantVersion[f.agency]++
				if subs[0].Version != wantVersion[f.agency] {
					t.Errorf("file %d: version %d; want %d", i, subs[0].Version, wantVersion[f.agency])
				}
				subIDs[i] = subs[0].ID
			}
			cur, err := s.CurrentSubmissions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(cur) != len(tc.wantCurrent) {
				t.Fatalf("%d current submissions; want %d", len(cur), len(tc.wantCurrent))
			}
			for _, c := range cur {
				i, ok := tc.wantCurrent[c.Agency]
				if !ok || c.ID != subIDs[i] || !c.Current {
					t.Errorf("current of %q = submission %d; want file %d (id %d)", c.Agency, c.ID, i, subIDs[i])
				}
				if c.OnTime != tc.files[i].onTime {
					t.Errorf("current of %q: OnTime = %v", c.Agency, c.OnTime)
				}
			}
		})
	}
}

func TestReplaceReportsKeepsHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	m := record(t, s, "<re@x>", 1, 1, campaign)
	old := report("朝阳区", assess.StatusNeedsFix, 100)
	if err := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", OnTime: true,
		Attachments: []AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Report: old}}}); err != nil {
		t.Fatal(err)
	}
	subs, _ := s.Submissions(ctx, SubmissionFilter{Agency: "朝阳区"})
	id := subs[0].ID
	if changed, err := s.ReplaceReports(ctx, id, old); err != nil || changed {
		t.Fatalf("replace with the same report: changed %v, %v", changed, err)
	}
	clk.Add(time.Hour)
	fixed := report("朝阳区", assess.StatusAccepted, 104)
	fixed.Indicators = fixed.Indicators[:29]
	if changed, err := s.ReplaceReports(ctx, id, fixed); err != nil || !changed {
		t.Fatalf("replace: changed %v, %v", changed, err)
	}
	subs, _ = s.Submissions(ctx, SubmissionFilter{Agency: "朝阳区"})
	got := subs[0]
	if got.Status != assess.StatusAccepted || got.SelfTotal != 104 || got.Errors != 0 || got.Version != 1 || !got.OnTime ||
		!got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("after replace: %+v", got)
	}
	if n := count(t, s, "scores"); n != 29 {
		t.Errorf("scores = %d; want 29", n)
	}
	if n := count(t, s, "findings"); n != 1 {
		t.Errorf("findings = %d; want 1", n)
	}
	h, err := s.SubmissionHistory(ctx, id)
	if err != nil || len(h) != 1 || h[0].Status != assess.StatusNeedsFix || h[0].SelfTotal != 100 || len(h[0].Report.Indicators) != 30 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if _, err := s.ReplaceReports(ctx, 999, fixed); !errors.Is(err, ErrNotFound) {
		t.Fatalf("replace of a missing submission: %v", err)
	}
}

// The reply cap is checked inside the saving transaction: a result whose
// reply would exceed it stores nothing and says so; replies to another
// address, and results without a reply, are not held back.
func TestSaveResultReplyCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	capped := ReplyCap{Max: 2, Since: clk.Now().Add(-time.Hour)}
	save := func(msgID string, to string, withReply bool) (Message, error) {
		m := record(t, s, msgID, 1, 1, campaign)
		r := Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", ReplyCap: capped}
		if withReply {
			out := reply(m, "")
			out.To = to
			r.Outbox = []OutgoingMail{out}
		}
		return m, s.SaveResult(ctx, r)
	}
	for i := range 2 {
		if _, err := save(fmt.Sprintf("<cap%d@agency>", i), "a@agency", true); err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
	}
	m, err := save("<cap2@agency>", "a@agency", true)
	if !errors.Is(err, ErrReplyCapped) {
		t.Fatalf("third reply: %v; want ErrReplyCapped", err)
	}
	if got, _ := s.Message(ctx, m.ID); got.Outcome != OutcomeReceived || !got.DoneAt.IsZero() {
		t.Errorf("a capped result was stored: %+v", got)
	}
	if _, err := save("<cap3@agency>", "b@agency", true); err != nil {
		t.Errorf("reply to another address: %v", err)
	}
	if _, err := save("<cap4@agency>", "a@agency", false); err != nil {
		t.Errorf("result without a reply: %v", err)
	}
	// An hour later the address may be answered again.
	clk.Add(61 * time.Minute)
	capped.Since = clk.Now().Add(-time.Hour)
	if _, err := save("<cap5@agency>", "a@agency", true); err != nil {
		t.Errorf("reply an hour later: %v", err)
	}
	if n := count(t, s, "outbox"); n != 4 {
		t.Errorf("%d mails queued, want 4", n)
	}
}

// RecordMessage commits without a disk sync of its own; the writer's
// connection must come back at synchronous=FULL, or every later result
// would be committed without one too.
func TestRecordMessageLeavesTheWriterSynced(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	m := record(t, s, "<relaxed@agency>", 1, 1, campaign)
	if _, dup, err := s.RecordMessage(context.Background(), m); err != nil || !dup {
		t.Fatalf("second record: dup %v, %v", dup, err)
	}
	var mode int
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 2 { // FULL
		t.Errorf("writer left at synchronous=%d, want 2 (FULL)", mode)
	}
}
