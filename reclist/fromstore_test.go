package reclist

import (
	"fmt"
	"testing"
	"time"

	"kaohe/store"
	"kaohe/validate"
)

func TestFromStore(t *testing.T) {
	years := 12.0
	finding := func(code validate.Code, person int, cell, msg string) store.ProposalFinding {
		f := store.ProposalFinding{Finding: validate.NewFinding(code, msg), Person: person}
		f.Cell = cell
		return f
	}
	ps := []store.Proposal{
		{ID: 9, Agency: "海淀区代办处", OnTime: false, Unit: store.UnitProposal{Proposed: false},
			Persons: []store.PersonProposal{{Index: 0, Name: "王五", Birth: "1979-01"}}},
		{ID: 7, Agency: "朝阳区代办处", OnTime: true, Unit: store.UnitProposal{Proposed: true},
			Persons: []store.PersonProposal{{Index: 0, Name: " 张三 ", Sex: "男", Birth: "1980-05", Post: "主任", Years: &years}, {Index: 1, Name: "李四", Birth: "1985-03"}},
			Findings: []store.ProposalFinding{
				finding("publicity_too_short", -1, "C20", "公示只有 3 个工作日"),
				finding(validate.CodeMissingField, 1, "F13", "请填写职务"),
				finding("too_long", -1, "C8", "事迹超过 500 字"),
				finding("over_quota", -1, "", "超过名额"),
			}},
	}
	got := FromStore(ps, []string{"朝阳区代办处", "海淀区代办处"})
	var lines []string
	for _, p := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %s %v %v", p.Ref, p.Agency, p.Name, p.Years, p.Findings, p.Late))
	}
	want := []string{
		"7-单位 朝阳区代办处   [C20：公示只有 3 个工作日 C8：事迹超过 500 字] false",
		"7-1 朝阳区代办处 张三 12 [C20：公示只有 3 个工作日] false",
		"7-2 朝阳区代办处 李四  [C20：公示只有 3 个工作日 F13：请填写职务] false",
		"9-1 海淀区代办处 王五  [] true",
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("proposals:\n%q\nwant\n%q", lines, want)
	}
}

func TestMissing(t *testing.T) {
	late := time.Date(2022, 4, 16, 2, 0, 0, 0, time.UTC)
	rs := []store.FinalResult{
		{Agency: "甲", Grade: store.GradeExcellent, Quota: 2},
		{Agency: "乙", Grade: store.GradeGood, Quota: 1},
		{Agency: "丙", Grade: store.GradeFail},
		{Agency: "丁", Grade: store.GradeFail},
		{Agency: "戊"},
	}
	got := Missing(rs, map[string]bool{"甲": true}, map[string]time.Time{"丁": late})
	var names []string
	for _, m := range got {
		names = append(names, fmt.Sprintf("%s %v", m.Result.Agency, !m.LateAt.IsZero()))
	}
	if fmt.Sprint(names) != "[乙 false 丁 true 戊 false]" {
		t.Errorf("missing = %v: want 乙 (none), 丁 (late, though 不合格), 戊 (no result); not 甲 (in time) nor 丙 (不合格, may propose nobody)", names)
	}
}

// TestFindingsNameTheirCellOnce: the 推荐表's messages already begin with
// their cell ("G11：公示期…"); the list must not say "G11：G11：".
func TestFindingsNameTheirCellOnce(t *testing.T) {
	own := validate.NewFinding(validate.Code("publicity_too_short"), "G11：公示期只有 3 个工作日")
	own.Cell = "G11"
	bare := validate.NewFinding(validate.Code("missing_field"), "请填写性别")
	bare.Cell = "D12"
	got := findingsOf([]store.ProposalFinding{{Finding: own, Person: -1}, {Finding: bare, Person: 0}},
		func(store.ProposalFinding) bool { return true })
	want := []string{"G11：公示期只有 3 个工作日", "D12：请填写性别"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
}
