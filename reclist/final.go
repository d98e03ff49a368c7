package reclist

import (
	"sort"

	"kaohe/store"
)

// FinalList is what one agency is told in its 确定名单反馈: which of its
// proposals the 主任办公会 confirmed.
type FinalList struct {
	Agency       string
	UnitProposed bool     // it proposed itself as 优秀单位
	Unit         bool     // and was confirmed
	Persons      []Person // confirmed 优秀个人, in the order proposed
	NotConfirmed []Person // proposed and not confirmed
}

// Person is a confirmed (or not confirmed) 优秀个人 as the agency is told.
type Person struct {
	Name  string
	Title string // 职务
}

// Final sorts the decisions of props into one list per agency that
// proposed anything, by agency name. undecided are the proposals without a
// decision: while any is, no list may be sent.
func Final(props []Proposal, decisions []store.Decision) (lists []FinalList, undecided []Proposal) {
	byKey := map[store.DecisionKey]store.Decision{}
	for _, d := range decisions {
		byKey[d.Key()] = d
	}
	byAgency := map[string]*FinalList{}
	var order []string
	for _, p := range props {
		l := byAgency[p.Agency]
		if l == nil {
			l = &FinalList{Agency: p.Agency}
			byAgency[p.Agency] = l
			order = append(order, p.Agency)
		}
		d, ok := byKey[p.Key()]
		if !ok {
			undecided = append(undecided, p)
			continue
		}
		yes := d.Verdict == store.Confirmed
		if p.Kind == store.KindUnit {
			l.UnitProposed, l.Unit = true, yes
			continue
		}
		person := Person{Name: p.Name, Title: p.Title}
		if yes {
			l.Persons = append(l.Persons, person)
		} else {
			l.NotConfirmed = append(l.NotConfirmed, person)
		}
	}
	sort.Strings(order)
	for _, a := range order {
		lists = append(lists, *byAgency[a])
	}
	return lists, undecided
}
