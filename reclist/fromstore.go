package reclist

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"kaohe/store"
)

// crossCodes are the intake's findings that Rows checks again against the
// results as they stand (the 主任办公会 may have changed a grade or a quota
// since the 推荐表 came): the sheet says them once, as Rows finds them.
var crossCodes = map[string]bool{"over_quota": true, "not_eligible": true, "duplicate_person": true}

// FromStore turns the agencies' current 推荐表 into the proposals staff
// decide on: the unit when it is proposed, then each person, each with the
// intake's findings about it (a person's own, and the 公示's for every
// person). order is the roster's order of agencies; agencies not in it
// come after, by name.
func FromStore(ps []store.Proposal, order []string) []Proposal {
	rank := map[string]int{}
	for i, a := range order {
		rank[a] = i + 1
	}
	sorted := append([]store.Proposal(nil), ps...)
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := rank[sorted[i].Agency], rank[sorted[j].Agency]
		switch {
		case ri != rj && ri != 0 && rj != 0:
			return ri < rj
		case (ri == 0) != (rj == 0):
			return ri != 0
		}
		return sorted[i].Agency < sorted[j].Agency
	})
	var out []Proposal
	for _, sp := range sorted {
		if sp.Agency == "" {
			continue
		}
		base := Proposal{Agency: sp.Agency, ReceivedAt: sp.ReceivedAt, Late: !sp.OnTime}
		if sp.Unit.Proposed {
			u := base
			u.Ref, u.Kind = fmt.Sprintf("%d-单位", sp.ID), store.KindUnit
			u.Findings = findingsOf(sp.Findings, func(f store.ProposalFinding) bool { return f.Person < 0 })
			out = append(out, u)
		}
		for _, pp := range sp.Persons {
			p := base
			p.Ref, p.Kind = fmt.Sprintf("%d-%d", sp.ID, pp.Index+1), store.KindPerson
			p.Name, p.Gender, p.Birth, p.Title = strings.TrimSpace(pp.Name), pp.Sex, pp.Birth, pp.Post
			if pp.Years != nil {
				p.Years = strconv.FormatFloat(*pp.Years, 'f', -1, 64)
			}
			idx := pp.Index
			p.Findings = findingsOf(sp.Findings, func(f store.ProposalFinding) bool {
				return f.Person == idx || f.Person < 0 && strings.HasPrefix(string(f.Code), "publicity")
			})
			out = append(out, p)
		}
	}
	return out
}

// findingsOf words the findings of fs that keep selects, with their cell.
func findingsOf(fs []store.ProposalFinding, keep func(store.ProposalFinding) bool) []string {
	var out []string
	for _, f := range fs {
		if crossCodes[string(f.Code)] || !keep(f) {
			continue
		}
		msg := f.Message
		// The 推荐表's own messages already begin with their cell.
		if f.Cell != "" && !strings.HasPrefix(msg, f.Cell+"：") {
			msg = f.Cell + "：" + msg
		}
		out = append(out, msg)
	}
	return out
}
