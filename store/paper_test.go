package store

import (
	"context"
	"testing"
	"time"

	"kaohe/internal/cst"
)

// TestPaperForms: paper forms are saved with the import, replaced, cleared,
// read back as the same Beijing day, and kept per season.
func TestPaperForms(t *testing.T) {
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
	s := open(2021)
	jan5 := time.Date(2022, 1, 5, 0, 0, 0, 0, cst.Location())
	err := s.SaveReviewImport(ctx, ReviewImport{Source: "汇总.xlsx", Paper: []PaperForm{
		{Agency: "朝阳区代办处", Day: jan5, Source: "汇总!T2"},
		{Agency: "海淀区代办处"}, // 是: no day
		{Agency: "通州区代办处", Day: jan5},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := paperOf(t, s)
	if len(got) != 3 || !got["朝阳区代办处"].Day.Equal(jan5) || got["朝阳区代办处"].Source != "汇总!T2" ||
		!got["海淀区代办处"].Day.IsZero() || got["海淀区代办处"].Source != "汇总.xlsx" || !got["海淀区代办处"].At.Equal(clk.Now()) {
		t.Fatalf("paper forms = %+v", got)
	}
	// A later import changes one day, clears another; a failing import
	// (a review without agency) changes nothing.
	jan4 := jan5.AddDate(0, 0, -1)
	if err := s.SaveReviewImport(ctx, ReviewImport{Paper: []PaperForm{{Agency: "海淀区代办处", Day: jan4}},
		PaperCleared: []string{"通州区代办处"}, Reviews: []Review{{Indicator: "1.1"}}}); err == nil {
		t.Fatal("an import with a bad review saved")
	}
	if got := paperOf(t, s); len(got) != 3 || !got["海淀区代办处"].Day.IsZero() {
		t.Fatalf("a refused import changed the paper forms: %+v", got)
	}
	if err := s.SaveReviewImport(ctx, ReviewImport{Paper: []PaperForm{{Agency: "海淀区代办处", Day: jan4}},
		PaperCleared: []string{"通州区代办处"}}); err != nil {
		t.Fatal(err)
	}
	got = paperOf(t, s)
	if len(got) != 2 || !got["海淀区代办处"].Day.Equal(jan4) || got["海淀区代办处"].Day.In(cst.Location()).Hour() != 0 {
		t.Errorf("after the second import: %+v", got)
	}
	s.Close()

	next := open(2022)
	defer next.Close()
	if got := paperOf(t, next); len(got) != 0 {
		t.Errorf("the next season sees %+v", got)
	}
}

func paperOf(t *testing.T, s *Store) map[string]PaperForm {
	t.Helper()
	ps, err := s.PaperForms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]PaperForm{}
	for _, p := range ps {
		out[p.Agency] = p
	}
	return out
}
