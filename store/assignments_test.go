package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"kaohe/assess"
)

func TestAssignSubmissions(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	save := func(id string, n int, recv time.Time, res Result) Submission {
		t.Helper()
		m := record(t, s, id, n, uint32(n), recv)
		res.MessageID = m.ID
		res.Attachments = []AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Hash: strings.Repeat("ab", 32),
			Report: report("朝阳区代办处", assess.StatusAccepted, 120), Foreign: res.Agency == ""}}
		if err := s.SaveResult(ctx, res); err != nil {
			t.Fatal(err)
		}
		subs, err := s.Submissions(ctx, SubmissionFilter{MessageID: m.ID})
		if err != nil || len(subs) != 1 {
			t.Fatalf("submissions %v %v", subs, err)
		}
		return subs[0]
	}
	at := clk.Now()
	own := save("<1@x>", 1, at, Result{Outcome: OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true})
	// Received before the cut-off from a private address, and one after it.
	held := save("<2@x>", 2, at.Add(time.Hour), Result{Outcome: OutcomeForeign, OnTime: true})
	late := save("<3@x>", 3, at.Add(72*time.Hour), Result{Outcome: OutcomeForeign, OnTime: false})

	clk.Add(24 * time.Hour)
	err := s.AssignSubmissions(ctx, []Assignment{
		{Submission: held.ID, Agency: "朝阳区代办处", Assigner: "wangming", Source: "汇总.xlsx 名册外来件!K2"},
		{Submission: late.ID, Agency: "朝阳区代办处", Assigner: "wangming", Source: "汇总.xlsx 名册外来件!K3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := s.Submissions(ctx, SubmissionFilter{Agency: "朝阳区代办处"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]Submission{}
	for _, sub := range subs {
		got[sub.ID] = sub
	}
	if len(subs) != 3 || got[own.ID].Version != 1 || got[held.ID].Version != 2 || got[late.ID].Version != 3 {
		t.Fatalf("versions after assigning: %+v", subs)
	}
	// On time as judged at receipt, whatever the day of the assignment.
	if !got[held.ID].OnTime || got[late.ID].OnTime || !got[held.ID].ReceivedAt.Equal(held.ReceivedAt) {
		t.Errorf("on time: held %v late %v", got[held.ID].OnTime, got[late.ID].OnTime)
	}
	// The newest on-time form now counts for the agency.
	cur, _ := s.CurrentSubmissions(ctx)
	if len(cur) != 1 || cur[0].ID != held.ID {
		t.Errorf("current = %+v, want the assigned on-time form", cur)
	}
	as, err := s.Assignments(ctx)
	if err != nil || len(as) != 2 {
		t.Fatalf("assignments %+v %v", as, err)
	}
	if a := as[0]; a.Submission != held.ID || a.FromAgency != "" || a.FromVersion != held.Version || a.Version != 2 ||
		a.Assigner != "wangming" || !a.At.Equal(clk.Now()) {
		t.Errorf("assignment record %+v", a)
	}
	// The message keeps its outcome: the history shows it came as a 名册外来件.
	if m, _ := s.Message(ctx, held.MessageID); m.Outcome != OutcomeForeign {
		t.Errorf("message outcome %q", m.Outcome)
	}

	t.Run("twice", func(t *testing.T) {
		err := s.AssignSubmissions(ctx, []Assignment{{Submission: held.ID, Agency: "海淀区代办处"}})
		if !errors.Is(err, ErrAssigned) {
			t.Errorf("err = %v, want ErrAssigned", err)
		}
	})
	t.Run("all or nothing", func(t *testing.T) {
		other := save("<4@x>", 4, at, Result{Outcome: OutcomeForeign, OnTime: true})
		err := s.SaveReviewImport(ctx, ReviewImport{Vetoes: map[string]bool{"海淀区代办处": true},
			Assignments: []Assignment{{Submission: other.ID, Agency: "海淀区代办处"}, {Submission: 9999, Agency: "海淀区代办处"}}})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if v, _ := s.Vetoes(ctx); v["海淀区代办处"] {
			t.Error("the veto of a failed import was saved")
		}
		if subs, _ := s.Submissions(ctx, SubmissionFilter{Agency: "海淀区代办处"}); len(subs) != 0 {
			t.Errorf("a submission of a failed import was re-filed: %+v", subs)
		}
	})
}

// TestSharedBesideTheLock: a store opened Shared writes while another
// holds the data folder's lock, waiting for its transaction.
func TestSharedBesideTheLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	daemon := openTest(t, dir, nil)
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	shared, err := Open(dir, Options{Shared: true})
	if err != nil {
		t.Fatalf("Open Shared beside the lock: %v", err)
	}
	defer shared.Close()
	done := make(chan error, 1)
	hold := make(chan struct{})
	go func() {
		done <- daemon.write(ctx, func(tx *sql.Tx) error {
			close(hold)
			time.Sleep(300 * time.Millisecond)
			_, err := tx.ExecContext(ctx, "INSERT INTO state (key, value, updated_at) VALUES ('k', 'daemon', 1)")
			return err
		})
	}()
	<-hold
	start := time.Now()
	if err := shared.SaveReviews(ctx, []Review{{Agency: "朝阳区代办处", Indicator: "1.1", Comment: "见台账"}}, nil, "x.xlsx"); err != nil {
		t.Fatalf("SaveReviews while the daemon writes: %v", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("the shared write did not wait for the daemon's transaction")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rs, _ := daemon.Reviews(ctx); len(rs) != 1 {
		t.Errorf("the daemon sees %d reviews", len(rs))
	}
}
