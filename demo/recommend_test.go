package demo

import (
	"bytes"
	"slices"
	"testing"

	"kaohe/recommend"
	"kaohe/templates"
	"kaohe/validate"
)

// noticeBlank is the 推荐表 a result notice attaches for agency with
// quota persons.
func noticeBlank(t *testing.T, def *recommend.Definition, agency string, quota int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := recommend.WriteBlank(&b, def, recommend.BlankOptions{Agency: agency, Persons: quota, Quota: true}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFilledRecommendationsCheck: each of the demo's 推荐表, filled into the
// blank a result notice attaches, reads back with the persons its role
// calls for and has exactly the finding the role stands for; the same
// form gives the same bytes every time.
func TestFilledRecommendationsCheck(t *testing.T) {
	t.Parallel()
	sc, err := Build(templates.MustLoad(2021), MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	def := recommend.MustLoad(2021)
	want := map[RecommendRole]struct {
		persons int
		codes   []validate.Code
	}{
		RecommendGood:           {3, nil},
		RecommendOverQuota:      {4, []validate.Code{validate.CodeOverQuota}},
		RecommendShortPublicity: {2, []validate.Code{validate.CodePublicityTooShort}},
	}
	const quota = 3
	first := 0
	for _, r := range sc.Recommendations {
		rf, next, err := RecommendForm(r, quota, first)
		if err != nil {
			t.Fatal(err)
		}
		first = next
		blank := noticeBlank(t, def, r.Agency, quota)
		data, err := FillRecommendation(def, blank, quota, rf)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := FillRecommendation(def, blank, quota, rf)
		if !bytes.Equal(data, again) {
			t.Errorf("%s: the same 推荐表 filled twice differs", r.Agency)
		}
		f, findings := recommend.Read(data, recommend.ReadOptions{Definition: def})
		if len(findings) != 0 || f == nil {
			t.Fatalf("%s: read: %v", r.Agency, findings)
		}
		findings = recommend.Check(f, def, recommend.Context{Season: 2021, Grade: "良好", Quota: quota, QuotaKnown: true,
			Cutoff: sc.RecommendCutoff, Received: r.At})
		var codes []validate.Code
		for _, fd := range findings {
			codes = append(codes, fd.Code)
		}
		w := want[r.Role]
		if f.Agency() != r.Agency || len(f.Persons) != w.persons || !slices.Equal(codes, w.codes) {
			t.Errorf("%s: agency %q, %d persons (want %d), findings %v (want %v)", r.Agency, f.Agency(), len(f.Persons), w.persons, codes, w.codes)
		}
	}
	if first == 0 {
		t.Error("no person proposed")
	}
}

// A blank for another agency is refused rather than filled in.
func TestFillRecommendationChecksTheBlank(t *testing.T) {
	t.Parallel()
	sc, err := Build(templates.MustLoad(2021), MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	def := recommend.MustLoad(2021)
	r := sc.Recommendations[0]
	rf, _, err := RecommendForm(r, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FillRecommendation(def, noticeBlank(t, def, "另一个代办处", 2), 2, rf); err == nil {
		t.Error("another agency's blank was filled in")
	}
}
