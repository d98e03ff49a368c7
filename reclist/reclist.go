// Package reclist is the staff side of the recommendations (推荐表): the
// 推荐名单 sheet of the results workbook, one row per proposed 优秀单位 or
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
	// ID is the proposal's number in the store, the 编号 of its row: the
	// import takes only rows whose 编号 is among the proposals it is given.
	ID     int64
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

// Agency is an agency's approved result as far as the recommendations
// need it.
type Agency struct {
	Name  string
	Type  string // 区县 or 行业, as the results show it
	Grade string // 优秀 / 良好 / 合格 / 不合格
	Quota int    // 优秀个人 it may propose
}

// Eligible says whether the agency may be 优秀单位: a 不合格 agency may not.
func (a Agency) Eligible() bool { return a.Grade != GradeFail }

// GradeFail is the grade that makes an agency not eligible as 优秀单位.
const GradeFail = "不合格"

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
	Agency   Agency
	Proposed int      // persons the agency proposed
	Checks   []string // the intake's findings and the cross checks, Chinese
	Decision *store.Decision
}

// Rows builds the sheet's rows: by agency, in the order props first name
// them (the caller's, the roster's), the unit first, then the persons in
// the order proposed. agencies maps a name
// to its approved result; a proposal of an agency without one is shown
// without grade or quota.
func Rows(props []Proposal, agencies map[string]Agency, decisions []store.Decision) []Row {
	byKey := map[store.DecisionKey]store.Decision{}
	for _, d := range decisions {
		byKey[d.Key()] = d
	}
	persons := map[string]int{}
	people := map[string][]string{} // name+birth → the agencies proposing the person
	for _, p := range props {
		if p.Kind == store.KindPerson {
			persons[p.Agency]++
			k := personID(p.Name, p.Birth)
			people[k] = append(people[k], p.Agency)
		}
	}
	rows := make([]Row, 0, len(props))
	for _, p := range props {
		a, known := agencies[p.Agency]
		if !known {
			a = Agency{Name: p.Agency}
		}
		r := Row{Proposal: p, Agency: a, Proposed: persons[p.Agency]}
		r.Checks = append(r.Checks, p.Findings...)
		if p.Late {
			r.Checks = append(r.Checks, "推荐表逾期报送")
		}
		switch {
		case !known:
			r.Checks = append(r.Checks, "没有该代办处的审定考核结果")
		case p.Kind == store.KindUnit && !a.Eligible():
			r.Checks = append(r.Checks, "考核不合格，不能推荐为优秀单位")
		case p.Kind == store.KindPerson && r.Proposed > a.Quota:
			r.Checks = append(r.Checks, fmt.Sprintf("超过名额：推荐 %d 人，名额 %d 人", r.Proposed, a.Quota))
		}
		if p.Kind == store.KindPerson {
			for _, other := range people[personID(p.Name, p.Birth)] {
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

func personID(name, birth string) string { return name + "\x00" + birth }

// MissingAgency is an agency of the roster that sent no 推荐表 by the
// deadline.
type MissingAgency struct {
	Agency Agency
	LateAt time.Time // when its 推荐表 came after the deadline; zero: none came
}

// Missing lists the agencies of roster that sent no 推荐表 before cutoff,
// in roster order: those whose proposals are all late carry the time the
// first came. received maps an agency to when its first 推荐表 arrived.
func Missing(roster []Agency, received map[string]time.Time, cutoff time.Time) []MissingAgency {
	var out []MissingAgency
	for _, a := range roster {
		at, ok := received[a.Name]
		switch {
		case !ok:
			out = append(out, MissingAgency{Agency: a})
		case !cutoff.IsZero() && !at.Before(cutoff):
			out = append(out, MissingAgency{Agency: a, LateAt: at})
		}
	}
	return out
}
