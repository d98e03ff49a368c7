package consolidate

import (
	"strings"
	"testing"
)

func TestBuildEdgeCases(t *testing.T) {
	fx := newFixture(10, 0)
	in := fx.in
	// An entry of an agency no longer in the roster, and a state set by
	// the caller that Build must keep.
	dropped := *fx.entry(agencyName(5))
	dropped.Agency = "已撤销区代办处"
	in.Entries = append(append([]Entry(nil), in.Entries...), dropped)
	for i := range in.Entries {
		if in.Entries[i].Agency == agencyName(6) {
			in.Entries[i].Status = StateNeedsFix
		}
		if in.Entries[i].Agency == agencyName(8) {
			in.Entries[i].Status = "通过" // not a state: derived instead
		}
	}
	f, sum, _ := build(t, in)
	rows := sheetRows(t, f, SheetSummary)
	if len(rows) != 1+10 {
		t.Fatalf("汇总 has %d rows", len(rows))
	}
	at := rowsByName(rows, 1)
	h := rows[0]
	get := func(name, column string) string {
		r := rows[at[name]-1]
		if c := col(t, h, column); c < len(r) {
			return r[c]
		}
		return ""
	}
	if _, ok := at["已撤销区代办处"]; ok {
		t.Error("an agency no longer on the roster has a row on 汇总")
	}
	outside := sheetRows(t, f, SheetOutside)
	if len(outside) != 2 || !strings.Contains(strings.Join(outside[1], "|"), "名册中已无“已撤销区代办处”") {
		t.Errorf("名册外来件 = %q", outside)
	}
	if get(agencyName(6), "状态") != StateNeedsFix {
		t.Errorf("caller's state not kept: %q", get(agencyName(6), "状态"))
	}
	if get(agencyName(8), "状态") != StateAccepted {
		t.Errorf("invalid state not derived: %q", get(agencyName(8), "状态"))
	}
	if sum.Unknown != 1 || sum.Roster != 10 {
		t.Errorf("summary %+v", sum)
	}
	dvs, err := f.GetDataValidations(SheetSummary)
	if err != nil || len(dvs) != 2 || !strings.HasPrefix(dvs[0].Sqref, "S2:S") || dvs[0].Formula1 != `"是,否"` ||
		!strings.HasPrefix(dvs[1].Sqref, "T2:T") || dvs[1].Type != "" || dvs[1].Prompt == nil {
		t.Errorf("data validations %+v (%v)", dvs, err)
	}

	t.Run("duplicate roster name", func(t *testing.T) {
		in := fx.in
		in.Roster = append(append([]Agency(nil), in.Roster...), in.Roster[0])
		if _, err := Build(&strings.Builder{}, in); err == nil {
			t.Error("no error for a duplicate roster name")
		}
	})
	t.Run("no form", func(t *testing.T) {
		if _, err := Build(&strings.Builder{}, Input{}); err == nil {
			t.Error("no error without a form")
		}
	})
}
