package store

import (
	"context"
	"errors"
	"testing"
)

// A staff workbook mailed back is imported in the message's transaction:
// when the result cannot be saved, nothing is imported; saved once, the
// same message again imports nothing twice.
func TestEffectIsPartOfTheResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	m := record(t, s, "<wb@staff>", 1, 1, campaign)
	score := 5.0
	imp := ReviewImport{Reviews: []Review{{Agency: "朝阳区代办处", Indicator: "1.1", Score: &score, Comment: "核实", Reviewer: "staff@office"}},
		Vetoes: map[string]bool{"海淀区代办处": true}, Source: "邮件 <wb@staff>"}
	out := reply(m, "")
	if _, err := s.EnqueueMail(ctx, out); err != nil {
		t.Fatal(err)
	}
	// The reply's Message-ID is taken: the insert after the import fails.
	r := Result{MessageID: m.ID, Outcome: OutcomeStaffImported, Effects: []Effect{imp}, Outbox: []OutgoingMail{out}}
	if err := s.SaveResult(ctx, r); err == nil {
		t.Fatal("SaveResult with a duplicate outbox Message-ID succeeded")
	}
	if n, v := count(t, s, "reviews"), count(t, s, "vetoes"); n != 0 || v != 0 {
		t.Fatalf("a failed SaveResult left %d reviews and %d vetoes", n, v)
	}
	r.Outbox = []OutgoingMail{reply(m, ".import")}
	if err := s.SaveResult(ctx, r); err != nil {
		t.Fatal(err)
	}
	rs, _ := s.Reviews(ctx)
	vs, _ := s.Vetoes(ctx)
	if len(rs) != 1 || rs[0].Source != "邮件 <wb@staff>" || !vs["海淀区代办处"] {
		t.Fatalf("after the import: reviews %+v, vetoes %v", rs, vs)
	}
	// A second save of the same message (a crash after the commit, the
	// mail fetched again) applies nothing.
	score2 := 1.0
	r.Effects = []Effect{ReviewImport{Reviews: []Review{{Agency: "朝阳区代办处", Indicator: "1.1", Score: &score2}}}}
	if err := s.SaveResult(ctx, r); !errors.Is(err, ErrAlreadyDone) {
		t.Fatalf("second SaveResult: %v, want ErrAlreadyDone", err)
	}
	rs, _ = s.Reviews(ctx)
	if *rs[0].Score != 5 {
		t.Errorf("the second save changed the review to %v", *rs[0].Score)
	}
}
