package consolidate_test

import (
	"bytes"
	"fmt"
	"time"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/scoring"
	"kaohe/templates"
)

func ExampleBuild() {
	form := templates.MustLoad(2021)
	cutoff := time.Date(2022, 1, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	received := cutoff.Add(-30 * time.Hour)

	// A report as assess.Check would return it: every indicator at its cap.
	rep := &assess.Report{File: "考核表.xlsx", Unit: "东城区", Status: assess.StatusAccepted}
	for _, ind := range form.Indicators() {
		v := ind.Cap
		rep.Indicators = append(rep.Indicators, assess.IndicatorResult{ID: ind.ID, Section: ind.Section, Self: &v, Verified: v, Cap: ind.Cap})
	}

	var out bytes.Buffer // a file in real use
	sum, err := consolidate.Build(&out, consolidate.Input{
		Form: form,
		Roster: []consolidate.Agency{
			{Name: "东城区", Type: scoring.District, Emails: []string{"dc@example.cn"}},
			{Name: "市建筑工会", Type: scoring.Sector, Emails: []string{"jz@example.cn"}},
		},
		Entries: []consolidate.Entry{
			{Agency: "东城区", Known: true, FirstAt: received, LastAt: received, Versions: 1, Report: rep},
		},
		Cutoff:   cutoff,
		Now:      cutoff.Add(48 * time.Hour),
		Campaign: "2021年度代办处考核",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range sum.Lines() {
		fmt.Println(line)
	}
	// Output:
	// 名册 2 家：已提交 1 家，未提交 1 家
	// 已提交的 1 家中：合格待审 1 家，需修改 0 家，无法读取 0 家，逾期 0 家，一票否决 0 家（逾期、一票否决均按不合格处理）
	// 纸质版已收 0 家，未收 2 家
}
