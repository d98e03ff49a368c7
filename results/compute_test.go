package results

import (
	"testing"
	"time"

	"kaohe/config"
	"kaohe/scoring"
	"kaohe/store"
)

func TestGradeBandsPerType(t *testing.T) {
	t.Parallel()
	r := rules()
	// Districts are held to a higher standard than sector agencies.
	r.District = config.GradeRule{Excellent: 110, Good: 95, Pass: 70}
	r.Sector = config.GradeRule{Excellent: 100, Good: 80, Pass: 50}
	in := season([]ag{
		{name: "东城区代办处", typ: scoring.District, final: 110},
		{name: "西城区代办处", typ: scoring.District, final: 109.5},
		{name: "朝阳区代办处", typ: scoring.District, final: 95},
		{name: "海淀区代办处", typ: scoring.District, final: 70},
		{name: "丰台区代办处", typ: scoring.District, final: 69.5},
		{name: "市建工集团代办处", typ: scoring.Sector, final: 100},
		{name: "市教育工会代办处", typ: scoring.Sector, final: 80},
		{name: "市卫生工会代办处", typ: scoring.Sector, final: 79},
		{name: "市农业工会代办处", typ: scoring.Sector, final: 50},
		{name: "市商业工会代办处", typ: scoring.Sector, final: 49.99},
	})
	o, err := Compute(in, Options{Rules: r})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		grade store.Grade
		rank  int
	}{
		"东城区代办处": {store.GradeExcellent, 1}, "西城区代办处": {store.GradeGood, 2}, "朝阳区代办处": {store.GradeGood, 3},
		"海淀区代办处": {store.GradePass, 4}, "丰台区代办处": {store.GradeFail, 5},
		"市建工集团代办处": {store.GradeExcellent, 1}, "市教育工会代办处": {store.GradeGood, 2}, "市卫生工会代办处": {store.GradePass, 3},
		"市农业工会代办处": {store.GradePass, 4}, "市商业工会代办处": {store.GradeFail, 5},
	}
	got := byAgency(o.Results)
	for name, w := range want {
		if g := got[name]; g.Grade != w.grade || g.Rank != w.rank {
			t.Errorf("%s (%v): %s rank %d, want %s rank %d", name, g.Final, g.Grade, g.Rank, w.grade, w.rank)
		}
	}
	// Districts come first, each type by rank.
	if o.Results[0].Agency != "东城区代办处" || o.Results[4].Agency != "丰台区代办处" || o.Results[5].Agency != "市建工集团代办处" {
		t.Errorf("order: %v", names(o.Results))
	}
	// A 79 earns 良好 among sector agencies; the same score of a district
	// would only pass: the types are graded apart.
	if got["市卫生工会代办处"].Grade != store.GradePass || got["市教育工会代办处"].Grade != store.GradeGood {
		t.Error("sector bands not applied")
	}
}

func TestExcellentCapPerType(t *testing.T) {
	t.Parallel()
	r := rules()
	r.District.ExcellentCap = config.Cap{Share: 0.5} // of 5 districts: 2
	r.Sector.ExcellentCap = config.Cap{Count: 1}
	var ags []ag
	for i, f := range []float64{120, 118, 115, 101, 90} {
		ags = append(ags, ag{name: string(rune('甲'+i)) + "区代办处", typ: scoring.District, final: f})
	}
	ags = append(ags, ag{name: "一局代办处", typ: scoring.Sector, final: 105}, ag{name: "二局代办处", typ: scoring.Sector, final: 104})
	o, err := Compute(season(ags), Options{Rules: r})
	if err != nil {
		t.Fatal(err)
	}
	var grades []store.Grade
	for _, x := range o.Results {
		grades = append(grades, x.Grade)
	}
	want := []store.Grade{"优秀", "优秀", "良好", "良好", "良好", "优秀", "良好"}
	for i := range want {
		if grades[i] != want[i] {
			t.Fatalf("grades %v, want %v", grades, want)
		}
	}
}

func TestFailWhateverTheScore(t *testing.T) {
	t.Parallel()
	in := season([]ag{
		{name: "准时区代办处", typ: scoring.District, final: 120},
		{name: "逾期区代办处", typ: scoring.District, final: 125, fate: late},
		{name: "未交区代办处", typ: scoring.District, fate: missing},
		{name: "否决区代办处", typ: scoring.District, final: 125, fate: vetoed},
		{name: "坏表区代办处", typ: scoring.District, fate: unreadable},
	})
	o, err := Compute(in, Options{Rules: rules()})
	if err != nil {
		t.Fatal(err)
	}
	got := byAgency(o.Results)
	for name, state := range map[string]string{"逾期区代办处": "逾期", "未交区代办处": "未提交", "否决区代办处": "一票否决", "坏表区代办处": "无法读取"} {
		if r := got[name]; r.Grade != store.GradeFail || r.Rank != 0 || r.State != state {
			t.Errorf("%s: %s rank %d state %s; want 不合格, unranked, %s", name, r.Grade, r.Rank, r.State, state)
		}
	}
	if r := got["准时区代办处"]; r.Grade != store.GradeExcellent || r.Rank != 1 {
		t.Errorf("the one on time: %+v", r)
	}
}

func TestTiesAreBrokenDeterministically(t *testing.T) {
	t.Parallel()
	early := testCutoff.Add(-72 * time.Hour)
	in := season([]ag{
		{name: "乙区代办处", typ: scoring.District, final: 100, ext: 30},
		{name: "甲区代办处", typ: scoring.District, final: 100, ext: 30},
		{name: "丙区代办处", typ: scoring.District, final: 100, ext: 30, first: early},
		{name: "丁区代办处", typ: scoring.District, final: 100, ext: 35},
		{name: "戊区代办处", typ: scoring.District, final: 101, ext: 0},
	})
	o, err := Compute(in, Options{Rules: rules()})
	if err != nil {
		t.Fatal(err)
	}
	// 戊 scores highest; 丁 has the most 业务拓展; 丙 submitted first; 乙
	// (U+4E59) and 甲 (U+7532) then go by character code.
	want := []string{"戊区代办处", "丁区代办处", "丙区代办处", "乙区代办处", "甲区代办处"}
	for i, n := range names(o.Results) {
		if n != want[i] || o.Results[i].Rank != i+1 {
			t.Fatalf("order %v, want %v", names(o.Results), want)
		}
	}
	// The same season in another roster order ranks the same.
	in.Roster[0], in.Roster[4] = in.Roster[4], in.Roster[0]
	o2, _ := Compute(in, Options{Rules: rules()})
	for i := range want {
		if o2.Results[i].Agency != want[i] {
			t.Fatalf("roster order changed the ranking: %v", names(o2.Results))
		}
	}
}

func TestSectionsAndNotesCarried(t *testing.T) {
	t.Parallel()
	in := season([]ag{{name: "朝阳区代办处", typ: scoring.District, final: 100, ext: 20}})
	three := 3.0
	in.Reviews = append(in.Reviews, consolidateReview("朝阳区代办处", "3.1", &three, "续转任务未完成"))
	o, err := Compute(in, Options{Rules: rules()})
	if err != nil {
		t.Fatal(err)
	}
	r := o.Results[0]
	if r.Final != 83 || r.VerifiedTotal != 100 || r.Grade != store.GradePass {
		t.Fatalf("the 审核分 does not count: final %v verified %v %s", r.Final, r.VerifiedTotal, r.Grade)
	}
	s := r.Sections[2]
	if s.Name != "业务拓展" || s.Self != 20 || s.Verified != 20 || s.Reviewed != 3 {
		t.Errorf("section: %+v", s)
	}
	if len(r.Notes) != 1 || r.Notes[0].Indicator != "3.1" || r.Notes[0].Comment != "续转任务未完成" {
		t.Errorf("notes: %+v", r.Notes)
	}
}

func names(rs []store.FinalResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Agency)
	}
	return out
}
