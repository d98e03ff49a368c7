package demo

import (
	"bytes"
	"testing"

	"kaohe/templates"
)

// The same scenario gives the same bytes in every build: the hash of a
// mail keys its receipt, so the demo's receipts are the same from run to
// run.
func TestBuildIsDeterministic(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	a, err := Build(form, MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(form, MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Mails) != len(b.Mails) {
		t.Fatalf("%d mails, then %d", len(a.Mails), len(b.Mails))
	}
	for i := range a.Mails {
		if !bytes.Equal(a.Mails[i].Raw, b.Mails[i].Raw) {
			t.Errorf("mail %d (%s) differs between two builds", i, a.Mails[i].What)
		}
	}
}

// The staff's mail after the deadline is the same bytes for the same
// workbook: only the workbook kaohe sent (its token) can make it differ.
func TestStaffMailIsDeterministic(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	sc, err := Build(form, MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	wb := []byte("PK\x03\x04 a workbook")
	for name, mail := range map[string]func() ([]byte, error){
		"review": func() ([]byte, error) {
			return StaffReply("kaohe-summary-1@x", "2021年度考核表汇总", wb, sc.ReviewAt)
		},
		"results":   func() ([]byte, error) { return StaffResults(wb, sc.ApproveAt) },
		"decisions": func() ([]byte, error) { return StaffDecisions(wb, sc.DecideAt) },
	} {
		a, err := mail()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := mail()
		if !bytes.Equal(a, b) {
			t.Errorf("the staff's %s mail differs between two writes", name)
		}
	}
}
