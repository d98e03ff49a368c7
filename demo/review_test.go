package demo

import (
	"bytes"
	"context"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// TestFillReviewImports: the review the demo's staff member writes into a
// staff workbook reads back as that review: the scores, the veto and its
// 备注, and every paper form on its day.
func TestFillReviewImports(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	sc, err := Build(form, MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	// A workbook whose department sheets list the reviewed agencies: each
	// with a report of its own form's indicators.
	in := consolidate.Input{Form: form, Cutoff: sc.Cutoff, Now: sc.ReviewAt, Campaign: "2021年度代办处考核"}
	for _, a := range sc.Agencies {
		in.Roster = append(in.Roster, consolidate.Agency{Name: a.Name, Type: scoring.District, Emails: []string{a.Email}})
	}
	for _, name := range sc.Accepted {
		rep := acceptedReport(form, name)
		in.Entries = append(in.Entries, consolidate.Entry{Agency: name, Known: true, FirstAt: sc.Cutoff.Add(-time.Hour),
			LastAt: sc.Cutoff.Add(-time.Hour), Versions: 1, Report: rep})
	}
	var wb bytes.Buffer
	if _, err := consolidate.Build(&wb, in); err != nil {
		t.Fatal(err)
	}
	filled, err := FillReview(form, wb.Bytes(), sc.Review)
	if err != nil {
		t.Fatal(err)
	}
	imp, errs := consolidate.ImportReview(bytes.NewReader(filled), consolidate.ImportOptions{Form: form, Now: sc.ReviewAt, Agencies: in.AgencyNames()})
	if len(errs) != 0 {
		t.Fatalf("import: %v", errs)
	}
	scores := map[string]string{}
	for _, r := range imp.Reviews {
		if r.Score != nil {
			scores[r.Agency+" "+r.Indicator] = r.Comment
		}
	}
	for _, s := range sc.Review.Scores {
		if c, ok := scores[s.Agency+" "+s.Indicator]; !ok || c != s.Comment {
			t.Errorf("review of %s %s: %q, %v", s.Agency, s.Indicator, c, ok)
		}
	}
	if !imp.Vetoes[sc.Review.Veto] {
		t.Errorf("%s not vetoed", sc.Review.Veto)
	}
	days := map[string]time.Time{}
	for _, p := range imp.Paper {
		days[p.Agency] = p.Day
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2022, m, d, 0, 0, 0, 0, cst.Location()) }
	want := map[string]time.Time{
		sc.Accepted[0]: day(time.January, 4), sc.Accepted[1]: day(time.January, 5), sc.Accepted[3]: day(time.January, 5),
		sc.Accepted[4]: {}, sc.Late[0]: day(time.January, 7),
	}
	if len(days) != len(want) {
		t.Errorf("paper forms %v, want %v", days, want)
	}
	for a, d := range want {
		if got, ok := days[a]; !ok || !got.Equal(d) {
			t.Errorf("paper form of %s: %v (%v), want %v", a, got, ok, d)
		}
	}
}

// acceptedReport is the check of a correct form of the agency.
func acceptedReport(form *templates.Form, name string) *assess.Report {
	data, err := sample.Workbook(form, sample.Good(name, true))
	if err != nil {
		panic(err)
	}
	rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	return rep
}
