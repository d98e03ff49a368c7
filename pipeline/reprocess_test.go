package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"kaohe/roster"
	"kaohe/store"
	"kaohe/validate"
)

// TestReprocessRechecksWithTheCurrentRules: the same rules change nothing,
// other rules change the stored result, a reader that fails replaces
// nothing, and no mail is queued by any of it.
func TestReprocessRechecksWithTheCurrentRules(t *testing.T) {
	f := newFixture(t, nil)
	f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "re@x", attachment: f.good}.raw(), received)
	queued := len(f.outbox())

	if n, changed, err := f.p.Reprocess(f.ctx); err != nil || n != 1 || changed != 0 {
		t.Fatalf("same rules: n %d changed %d err %v", n, changed, err)
	}

	// The roster corrected: the agency is now of the other type, whose
	// caps and derived indicators differ.
	r, _, err := roster.Parse("roster.csv", []byte("考核单位,类型,邮箱\n朝阳区代办处,局,chaoyang@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := f.cfg
	fixed.Roster = r
	if n, changed, err := New(f.st, fixed).Reprocess(f.ctx); err != nil || n != 1 || changed != 1 {
		t.Fatalf("corrected roster: n %d changed %d err %v", n, changed, err)
	}
	before, err := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if err != nil {
		t.Fatal(err)
	}

	broken := f.cfg
	broken.Reader = func(context.Context, []byte, validate.Options) (*validate.Submission, []validate.Finding, error) {
		return nil, nil, errors.New("workbook reader unavailable")
	}
	_, _, err = New(f.st, broken).Reprocess(f.ctx)
	if err == nil || !strings.Contains(err.Error(), "workbook reader unavailable") {
		t.Fatalf("failing reader: err %v", err)
	}
	after, err := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Status != before[0].Status || after[0].VerifiedTotal != before[0].VerifiedTotal {
		t.Errorf("a failed reading replaced the result: %+v, was %+v", after, before)
	}
	if n := len(f.outbox()); n != queued {
		t.Errorf("reprocessing queued mail: %d, was %d", n, queued)
	}
}
