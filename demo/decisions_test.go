package demo

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/reclist"
	"kaohe/store"
)

// TestFillDecisionsImports: the decisions the demo's staff member writes
// into 推荐名单 import cleanly: within the quota 确定, beyond it and for a
// short 公示 不确定 with the note the agency is told.
func TestFillDecisionsImports(t *testing.T) {
	t.Parallel()
	person := func(ref, agency, name, birth string, checks ...string) reclist.Row {
		return reclist.Row{Proposal: reclist.Proposal{Ref: ref, Agency: agency, Kind: store.KindPerson, Name: name, Birth: birth}, Checks: checks}
	}
	unit := func(ref, agency string, checks ...string) reclist.Row {
		return reclist.Row{Proposal: reclist.Proposal{Ref: ref, Agency: agency, Kind: store.KindUnit}, Checks: checks}
	}
	results := map[string]store.FinalResult{
		"丰台区代办处": {Agency: "丰台区代办处", Grade: store.GradeGood, Quota: 1},
		"大兴区代办处": {Agency: "大兴区代办处", Grade: store.GradeGood, Quota: 2},
	}
	short := "公示期为2022年3月3日至2022年3月7日，共3个工作日"
	rows := []reclist.Row{
		unit("1-单位", "丰台区代办处", short), person("1-1", "丰台区代办处", "赵磊", "1978-03", short),
		unit("2-单位", "大兴区代办处"), person("2-1", "大兴区代办处", "郑涛", "1975-12"),
		person("2-2", "大兴区代办处", "冯霞", "1987-02"), person("2-3", "大兴区代办处", "陈刚", "1983-06", "超出名额"),
	}
	var props []reclist.Proposal
	for i := range rows {
		rows[i].Result = results[rows[i].Agency]
		props = append(props, rows[i].Proposal)
	}
	f := excelize.NewFile()
	if err := reclist.AddSheets(f, reclist.Sheets{Rows: rows}); err != nil {
		t.Fatal(err)
	}
	var wb bytes.Buffer
	if _, err := f.WriteTo(&wb); err != nil {
		t.Fatal(err)
	}
	f.Close()

	filled, what, err := FillDecisions(wb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if what != "确定 3 项，不确定 3 项" {
		t.Errorf("decided %q", what)
	}
	g, err := excelize.OpenReader(bytes.NewReader(filled))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	imp, errs := reclist.ImportSheet(g, reclist.ImportOptions{Proposals: props, Results: results, DecidedBy: "test"})
	if len(errs) != 0 {
		t.Fatalf("import refused: %v", errs)
	}
	got := map[string]store.Decision{}
	for _, d := range imp.Decisions {
		got[d.Agency+" "+d.Name] = d
	}
	for key, want := range map[string]struct {
		v    store.Verdict
		note string
	}{
		"丰台区代办处 ":   {store.NotConfirmed, NoteShortPublicity},
		"丰台区代办处 赵磊": {store.NotConfirmed, NoteShortPublicity},
		"大兴区代办处 ":   {store.Confirmed, ""},
		"大兴区代办处 郑涛": {store.Confirmed, ""},
		"大兴区代办处 冯霞": {store.Confirmed, ""},
		"大兴区代办处 陈刚": {store.NotConfirmed, NoteOverQuota},
	} {
		if d, ok := got[key]; !ok || d.Verdict != want.v || d.Note != want.note {
			t.Errorf("%s: %+v (%v), want %v %q", key, d, ok, want.v, want.note)
		}
	}
}
