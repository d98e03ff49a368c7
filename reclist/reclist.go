// Package reclist is the staff side of the recommendations (推荐表): the
// 推荐名单 sheet of the staff workbook, one row per proposed 优秀单位 or
// 优秀个人 with the checks' findings and the 主任办公会's decision; its import
// (all or nothing); the agencies that sent no 推荐表; and the confirmed list
// each agency is told (确定名单反馈).
//
// It takes values and returns values: the store, the mail and the workbook
// file are the caller's.
package reclist

import (
	"fmt"
	"sort"
	"time"

	"kaohe/store"
)

// Sheet names.
const (
	SheetList    = "推荐名单"
	SheetMissing = "未推荐单位"
)

// Proposal is one proposed unit or person, as the agency's current 推荐表
// states it.
type Proposal struct {
	// Ref is the 编号 of its row: the stored 推荐表's number and the unit
	// ("12-单位") or the person's place on the form ("12-1"). The import
	// takes only rows whose 编号 is among the proposals it is given; an
	// agency's new 推荐表 has a new number.
	Ref    string
	Agency string
	Kind   store.ProposalKind
	// A person's particulars; empty for the unit.
	Name, Gender, Birth, Title, Years string
	// Findings are the intake checks' findings on this proposal, in
	// Chinese (missing field, short 公示, …). The checks that depend on the
	// approved results (over quota, not eligible, the same person proposed
	// twice) are added by Rows.
	Findings   []string
	ReceivedAt time.Time
	Late       bool // the 推荐表 arrived after results.recommend_cutoff
}

// Key is the decision key of the proposal.
func (p Proposal) Key() store.DecisionKey {
	if p.Kind == store.KindUnit {
		return store.DecisionKey{Agency: p.Agency, Kind: store.KindUnit}
	}
	return store.DecisionKey{Agency: p.Agency, Kind: store.KindPerson, Name: p.Name, Birth: p.Birth}
}

// Label is how a proposal is named to staff: the agency and 优秀单位, or
// the agency and the person's name.
func (p Proposal) Label() string {
	if p.Kind == store.KindUnit {
		return p.Agency + "（优秀单位）"
	}
	return p.Agency + " " + p.Name
}

// Eligible says whether an agency of result r may be 优秀单位: a 不合格
// agency may not, nor one without a result.
func Eligible(r store.FinalResult) bool { return r.Agency != "" && r.Grade != store.GradeFail }

// Decision labels of the sheet's drop-down.
const (
	LabelConfirmed    = "确定"
	LabelNotConfirmed = "不确定"
	LabelOverride     = "特批确定" // confirmed beyond the quota or eligibility, by the office's explicit decision
)

// verdictLabel is the label a stored decision is shown with.
func verdictLabel(d store.Decision) string {
	switch {
	case d.Verdict == store.Confirmed && d.Override:
		return LabelOverride
	case d.Verdict == store.Confirmed:
		return LabelConfirmed
	case d.Verdict == store.NotConfirmed:
		return LabelNotConfirmed
	}
	return ""
}

// Row is one row of 推荐名单: a proposal, its agency's result, every
// finding and the decision stored for it.
type Row struct {
	Proposal
	Result   store.FinalResult // the agency's result; zero when it has none
	Proposed int               // persons the agency proposed
	Checks   []string          // the intake's findings and the cross checks, Chinese
	Decision *store.Decision
}

// Rows builds the sheet's rows: by agency, in the order props first name
// them (the caller's, the roster's), the unit first, then the persons in
// the order proposed. results maps an agency to its result (approved, or
// as computed); a proposal of an agency without one is shown without
// grade or quota.
func Rows(props []Proposal, results map[string]store.FinalResult, decisions []store.Decision) []Row {
	byKey := map[store.DecisionKey]store.Decision{}
	for _, d := range decisions {
		byKey[d.Key()] = d
	}
	persons := map[string]int{}
	people := map[string][]string{} // name+birth → the agencies proposing the person
	for _, p := range props {
		if p.Kind == store.KindPerson {
			persons[p.Agency]++
			if k := personID(p.Name, p.Birth); k != "" {
				people[k] = append(people[k], p.Agency)
			}
		}
	}
	rows := make([]Row, 0, len(props))
	for _, p := range props {
		a, known := results[p.Agency]
		r := Row{Proposal: p, Result: a, Proposed: persons[p.Agency]}
		r.Checks = append(r.Checks, p.Findings...)
		if p.Late {
			r.Checks = append(r.Checks, "推荐表逾期报送")
		}
		switch {
		case !known:
			r.Checks = append(r.Checks, "没有该代办处的考核结果")
		case p.Kind == store.KindUnit && !Eligible(a):
			r.Checks = append(r.Checks, "考核不合格，不能推荐为优秀单位")
		case p.Kind == store.KindPerson && r.Proposed > a.Quota:
			r.Checks = append(r.Checks, fmt.Sprintf("超过名额：推荐 %d 人，名额 %d 人", r.Proposed, a.Quota))
		}
		if k := personID(p.Name, p.Birth); p.Kind == store.KindPerson && k != "" {
			for _, other := range people[k] {
				if other != p.Agency {
					r.Checks = append(r.Checks, "同一人也由"+other+"推荐")
				}
			}
		}
		if d, ok := byKey[p.Key()]; ok {
			r.Decision = &d
		}
		rows = append(rows, r)
	}
	first := map[string]int{}
	for i, r := range rows {
		if _, ok := first[r.Proposal.Agency]; !ok {
			first[r.Proposal.Agency] = i
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if a, b := first[rows[i].Proposal.Agency], first[rows[j].Proposal.Agency]; a != b {
			return a < b
		}
		return rows[i].Kind == store.KindUnit && rows[j].Kind != store.KindUnit
	})
	return rows
}

// personID is who a person is across agencies: the name without spaces
// and the 出生年月, as the intake's duplicate check has it
// (store.PersonProposal.DupKey); "" when either is missing, which matches
// nobody.
func personID(name, birth string) string {
	return store.PersonProposal{Name: name, Birth: birth}.DupKey()
}

// MissingAgency is an agency that sent no 推荐表 by the deadline.
type MissingAgency struct {
	Result store.FinalResult // its result (Agency is its name)
	LateAt time.Time         // when its 推荐表 came after the deadline; zero: none came
}

// Missing lists the agencies of results (the roster's, in their order)
// that sent no 推荐表 in time: onTime says whether an agency's current
// 推荐表 came before results.recommend_cutoff, and late when a late one
// came; an agency in neither sent none. A 不合格 agency is not listed
// unless a late 推荐表 came: it may propose nobody, and was told so.
func Missing(results []store.FinalResult, onTime map[string]bool, late map[string]time.Time) []MissingAgency {
	var out []MissingAgency
	for _, r := range results {
		if onTime[r.Agency] || r.Grade == store.GradeFail && late[r.Agency].IsZero() {
			continue
		}
		out = append(out, MissingAgency{Result: r, LateAt: late[r.Agency]})
	}
	return out
}

// Arrivals says, of the agencies' current 推荐表 (store.CurrentProposals),
// which came in time, and when the late ones came.
func Arrivals(current []store.Proposal) (onTime map[string]bool, late map[string]time.Time) {
	onTime, late = map[string]bool{}, map[string]time.Time{}
	for _, p := range current {
		if p.OnTime {
			onTime[p.Agency] = true
		} else {
			late[p.Agency] = p.ReceivedAt
		}
	}
	return onTime, late
}
