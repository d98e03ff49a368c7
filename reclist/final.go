package reclist

import (
	"sort"

	"kaohe/reply"
	"kaohe/store"
)

// Final sorts the decisions on props into the 确定名单反馈 of each agency
// that proposed anything, by agency name: its unit and every person it
// proposed, confirmed or not, with the office's note (备注). undecided are
// the proposals without a decision: while any is, no list may be sent.
func Final(props []Proposal, decisions []store.Decision) (lists []reply.FinalList, undecided []Proposal) {
	byKey := map[store.DecisionKey]store.Decision{}
	for _, d := range decisions {
		byKey[d.Key()] = d
	}
	byAgency := map[string]*reply.FinalList{}
	var order []string
	for _, p := range props {
		l := byAgency[p.Agency]
		if l == nil {
			l = &reply.FinalList{Agency: p.Agency}
			byAgency[p.Agency] = l
			order = append(order, p.Agency)
		}
		d, ok := byKey[p.Key()]
		if !ok {
			undecided = append(undecided, p)
			continue
		}
		fd := reply.FinalDecision{Decision: reply.DecisionNotConfirmed, Note: d.Note}
		if d.Verdict == store.Confirmed {
			fd.Decision = reply.DecisionConfirmed
		}
		if p.Kind == store.KindUnit {
			l.Unit = &fd
			continue
		}
		l.Persons = append(l.Persons, reply.FinalPerson{Name: p.Name, Post: p.Title, FinalDecision: fd})
	}
	sort.Strings(order)
	for _, a := range order {
		lists = append(lists, *byAgency[a])
	}
	return lists, undecided
}
