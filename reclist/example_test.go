package reclist_test

import (
	"fmt"

	"kaohe/reclist"
	"kaohe/store"
)

// The 确定名单反馈 waits until every proposal has its decision.
func ExampleFinal() {
	props := []reclist.Proposal{
		{Ref: "12-单位", Agency: "朝阳区代办处", Kind: store.KindUnit},
		{Ref: "12-1", Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Birth: "1980-05", Title: "主任"},
		{Ref: "12-2", Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Birth: "1985-03"},
	}
	decisions := []store.Decision{
		{Agency: "朝阳区代办处", Kind: store.KindUnit, Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Birth: "1980-05", Verdict: store.Confirmed},
	}
	_, undecided := reclist.Final(props, decisions)
	for _, p := range undecided {
		fmt.Println("未决定：", p.Label(), p.Ref)
	}
	decisions = append(decisions, store.Decision{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Birth: "1985-03",
		Verdict: store.NotConfirmed, Note: "名额已满"})
	lists, undecided := reclist.Final(props, decisions)
	for _, l := range lists {
		fmt.Println(l.Agency, "优秀单位", l.Unit.Decision.Label())
		for _, p := range l.Persons {
			line := "  " + p.Name + " " + p.Decision.Label()
			if p.Note != "" {
				line += "（" + p.Note + "）"
			}
			fmt.Println(line)
		}
	}
	fmt.Println("未决定", len(undecided), "项")
	// Output:
	// 未决定： 朝阳区代办处 李四 12-2
	// 朝阳区代办处 优秀单位 确定
	//   张三 确定
	//   李四 未确定（名额已满）
	// 未决定 0 项
}
