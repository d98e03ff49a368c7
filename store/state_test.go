package store

import (
	"context"
	"testing"
	"time"
)

func TestReminderFirstTimeOnlyAcrossReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clk := newClock()
	s := openTest(t, dir, clk)
	at := clk.Now()
	if first, err := s.MarkReminderSent(ctx, "朝阳区", 3, at); err != nil || !first {
		t.Fatalf("first MarkReminderSent = %v, %v", first, err)
	}
	if first, err := s.MarkReminderSent(ctx, "朝阳区", 3, at.Add(time.Hour)); err != nil || first {
		t.Fatalf("second MarkReminderSent = %v, %v; want false", first, err)
	}
	if first, err := s.MarkReminderSent(ctx, "朝阳区", 1, at); err != nil || !first {
		t.Fatalf("other day = %v, %v; want true", first, err)
	}
	m := OutgoingMail{MessageID: "<remind.haidian.3@kaohe.test>", Kind: KindReminder, To: "hd@x.test", Raw: []byte("x")}
	if first, err := s.EnqueueReminder(ctx, "海淀区", 3, m); err != nil || !first {
		t.Fatalf("EnqueueReminder = %v, %v", first, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir, clk)
	if first, err := s2.MarkReminderSent(ctx, "朝阳区", 3, at.Add(48*time.Hour)); err != nil || first {
		t.Fatalf("after reopen = %v, %v; want false", first, err)
	}
	m.MessageID = "<remind.haidian.3.again@kaohe.test>"
	if first, err := s2.EnqueueReminder(ctx, "海淀区", 3, m); err != nil || first {
		t.Fatalf("EnqueueReminder after reopen = %v, %v; want false", first, err)
	}
	if n := count(t, s2, "outbox"); n != 1 {
		t.Fatalf("outbox rows = %d; want 1", n)
	}
}

func TestCursorMovesForwardPerUIDValidity(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	steps := []struct {
		name        string
		set         uint32 // 0: no set
		uidValidity uint32
		want        uint32
	}{
		{"unknown pair", 0, 7, 0},
		{"first", 10, 7, 10},
		{"forward", 15, 7, 15},
		{"backward ignored", 12, 7, 15},
		{"new uidvalidity starts at zero", 0, 8, 0},
		{"new uidvalidity own cursor", 3, 8, 3},
		{"old uidvalidity kept", 0, 7, 15},
	}
	for _, st := range steps {
		if st.set != 0 {
			if err := s.SetLastUID("INBOX", st.uidValidity, st.set); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LastUID("INBOX", st.uidValidity)
		if err != nil || got != st.want {
			t.Errorf("%s: LastUID = %d, %v; want %d", st.name, got, err, st.want)
		}
	}
	if got, _ := s.LastUID("Other", 7); got != 0 {
		t.Errorf("other mailbox: %d; want 0", got)
	}
}

func TestState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t, "", nil)
	if _, ok, err := s.GetState(ctx, "last_consolidate_day"); err != nil || ok {
		t.Fatalf("missing key: ok %v, %v", ok, err)
	}
	for _, v := range []string{"2021-12-20", "2021-12-21"} {
		if err := s.SetState(ctx, "last_consolidate_day", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.GetState(ctx, "last_consolidate_day"); err != nil || !ok || got != v {
			t.Fatalf("GetState = %q, %v, %v; want %q", got, ok, err, v)
		}
	}
}

func TestReviewsAndVetoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, "", clk)
	four, three := 4.0, 3.0
	if err := s.SaveReviews(ctx, []Review{
		{Agency: "朝阳区", Indicator: "1.1", Score: &four, Comment: "材料齐全", Reviewer: "王明"},
		{Agency: "朝阳区", Indicator: "", Comment: "整体良好"},
		{Agency: "海淀区", Indicator: "2.3", Score: &three},
	}, map[string]bool{"海淀区": true, "西城区": true}, "审核表-1.xlsx"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	// A second import changes one review, clears one veto, keeps the rest.
	if err := s.SaveReviews(ctx, []Review{{Agency: "朝阳区", Indicator: "1.1", Comment: "扣1分：缺少会议记录"}},
		map[string]bool{"西城区": false}, "审核表-2.xlsx"); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Reviews(ctx)
	if err != nil || len(rs) != 3 {
		t.Fatalf("Reviews = %+v, %v", rs, err)
	}
	byKey := map[string]Review{}
	for _, r := range rs {
		byKey[r.Agency+"/"+r.Indicator] = r
	}
	if r := byKey["朝阳区/1.1"]; r.Score != nil || r.Comment != "扣1分：缺少会议记录" || r.Source != "审核表-2.xlsx" || !r.At.Equal(clk.Now()) {
		t.Errorf("updated review = %+v", r)
	}
	if r := byKey["海淀区/2.3"]; r.Score == nil || *r.Score != 3 || r.Source != "审核表-1.xlsx" {
		t.Errorf("kept review = %+v", r)
	}
	v, err := s.Vetoes(ctx)
	if err != nil || len(v) != 1 || !v["海淀区"] {
		t.Fatalf("Vetoes = %v, %v; want only 海淀区", v, err)
	}
	if err := s.SaveReviews(ctx, []Review{{Indicator: "1.1"}}, nil, "bad"); err == nil {
		t.Fatal("review without agency accepted")
	}
}
