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
