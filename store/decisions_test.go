package store

import (
	"context"
	"testing"
)

func TestDecisionsReplaceAndClear(t *testing.T) {
	s := openTest(t, "", nil)
	ctx := context.Background()
	zs := Decision{Agency: "朝阳区代办处", Kind: KindPerson, Name: "张三", Birth: "1980-05", Verdict: NotConfirmed, Note: "待定"}
	unit := Decision{Agency: "朝阳区代办处", Kind: KindUnit, Verdict: Confirmed}
	if err := s.SaveDecisions(ctx, []Decision{zs, unit}, nil); err != nil {
		t.Fatal(err)
	}
	zs.Verdict, zs.Override, zs.Note = Confirmed, true, "特批"
	if err := s.SaveDecisions(ctx, []Decision{zs}, []DecisionKey{unit.Key()}); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Key() != zs.Key() || ds[0].Verdict != Confirmed || !ds[0].Override || ds[0].Note != "特批" || ds[0].At.IsZero() {
		t.Errorf("decisions = %+v, want 张三 confirmed by override, the unit's cleared", ds)
	}
	if err := s.SaveDecisions(ctx, []Decision{{Agency: "朝阳区代办处", Kind: KindUnit, Verdict: "maybe"}}, nil); err == nil {
		t.Error("an unknown verdict was saved")
	}
}
