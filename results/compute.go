package results

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/scoring"
	"kaohe/store"
	"kaohe/templates"
)

// TieSection is the section whose subtotal breaks a tie of final scores.
const TieSection = "业务拓展"

// Outcome is the season's computed results with everything the results
// workbook shows of how they came about.
type Outcome struct {
	Season   int
	Campaign string // e.g. "2021年度代办处考核"
	Now      time.Time
	Form     *templates.Form
	Rules    config.Results
	// Placeholders are the [results] keys still at their defaults, which the
	// office has not set (config.Config.Placeholders).
	Placeholders []string
	// Results has one row per roster agency: districts first, then
	// sector agencies; within a type by rank, the unranked last by name.
	Results []store.FinalResult
	Quota   Allocation
}

// Options are what Compute needs besides the staff workbook's input.
type Options struct {
	Rules        config.Results
	Season       int
	Placeholders []string
}

// Compute decides every roster agency's final result from the season's
// staff workbook input (campaign.Input) and the rules.
func Compute(in consolidate.Input, opts Options) (*Outcome, error) {
	standings, err := consolidate.Standings(in)
	if err != nil {
		return nil, fmt.Errorf("standings: %w", err)
	}
	o := &Outcome{Season: opts.Season, Campaign: in.Campaign, Now: in.Now, Form: in.Form, Rules: opts.Rules, Placeholders: opts.Placeholders}
	if o.Season == 0 && in.Form != nil {
		o.Season = in.Form.Year
	}
	rows := make([]row, len(standings))
	for i := range standings {
		rows[i] = newRow(&standings[i])
	}
	for _, t := range []scoring.AgencyType{scoring.District, scoring.Sector} {
		var group []*row
		for i := range rows {
			if typeGroup(rows[i].r.Type) == t {
				group = append(group, &rows[i])
			}
		}
		grade(group, opts.Rules.Rule(t))
	}
	slices.SortStableFunc(rows, func(a, b row) int { return compareRows(&a, &b) })
	o.Results = make([]store.FinalResult, len(rows))
	for i := range rows {
		o.Results[i] = rows[i].r
	}
	o.Quota = allocate(o.Results, rows, opts.Rules, in.Form)
	for i := range o.Results {
		o.Results[i].Quota, o.Results[i].QuotaExact = o.Quota.Rows[i].Quota, o.Quota.Rows[i].Adjusted
	}
	return o, nil
}

// row is one agency while it is graded: its result and what ranks it.
type row struct {
	r        store.FinalResult
	st       *consolidate.Standing
	tie      float64 // the TieSection subtotal
	ranked   bool
	fields   map[string]any
	sections map[string]float64 // reviewed subtotal by section id and by name
}

func newRow(s *consolidate.Standing) row {
	r := store.FinalResult{Agency: s.Agency, Type: s.Type, State: s.State, Scored: s.Scored,
		Final: s.Final, SelfTotal: s.Self, VerifiedTotal: s.Verified}
	if s.Entry != nil {
		r.SubmittedAt = s.Entry.FirstAt
	}
	w := row{st: s, sections: map[string]float64{}}
	for _, sec := range s.Sections {
		r.Sections = append(r.Sections, store.SectionScore{ID: sec.Section.ID, Name: sec.Section.Name,
			Self: sec.Self, Verified: sec.Verified, Reviewed: sec.Reviewed})
		w.sections[sec.Section.ID], w.sections[sec.Section.Name] = sec.Reviewed, sec.Reviewed
		if sec.Section.Name == TieSection {
			w.tie = sec.Reviewed
		}
	}
	for _, n := range s.Notes {
		r.Notes = append(r.Notes, store.ReviewNote{Indicator: n.Indicator, Comment: n.Comment})
	}
	if s.Report != nil {
		w.fields = s.Report.Fields
	}
	w.ranked = s.Scored && !s.FailsAnyway
	w.r = r
	return w
}

// typeGroup is the type an agency is graded with: an agency of no known
// type goes with the sector agencies, as config.Results.Rule grades it.
func typeGroup(t scoring.AgencyType) scoring.AgencyType {
	if t == scoring.District {
		return scoring.District
	}
	return scoring.Sector
}

// grade ranks and grades one type's agencies.
func grade(group []*row, rule config.GradeRule) {
	var ranked []*row
	for _, w := range group {
		if w.ranked {
			ranked = append(ranked, w)
		} else {
			w.r.Grade = store.GradeFail
		}
	}
	slices.SortStableFunc(ranked, compareRanked)
	limit, capped := rule.ExcellentCap.Limit(len(group))
	excellent := 0
	for i, w := range ranked {
		w.r.Rank = i + 1
		switch f := w.r.Final + 1e-9; {
		case f >= rule.Excellent && (!capped || excellent < limit):
			w.r.Grade = store.GradeExcellent
			excellent++
		case f >= rule.Good:
			w.r.Grade = store.GradeGood
		case f >= rule.Pass:
			w.r.Grade = store.GradePass
		default:
			w.r.Grade = store.GradeFail
		}
	}
}

// compareRanked orders the ranked agencies of a type, best first: final
// score, then the TieSection subtotal, then the earlier first submission,
// then the name.
func compareRanked(a, b *row) int {
	if c := cmp.Compare(b.r.Final, a.r.Final); c != 0 {
		return c
	}
	if c := cmp.Compare(b.tie, a.tie); c != 0 {
		return c
	}
	if c := a.r.SubmittedAt.Compare(b.r.SubmittedAt); c != 0 {
		return c
	}
	return strings.Compare(a.r.Agency, b.r.Agency)
}

// compareRows is the order of Outcome.Results: districts, then sector
// agencies; ranked by rank, then the unranked by name.
func compareRows(a, b *row) int {
	ta, tb := typeGroup(a.r.Type), typeGroup(b.r.Type)
	if ta != tb {
		if ta == scoring.District {
			return -1
		}
		return 1
	}
	if (a.r.Rank == 0) != (b.r.Rank == 0) {
		if a.r.Rank == 0 {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(a.r.Rank, b.r.Rank); c != 0 {
		return c
	}
	return strings.Compare(a.r.Agency, b.r.Agency)
}

// number reads a figure of 基本情况 from a report's fields: a number as
// the checker left it, or as JSON read it back from the store.
func number(fields map[string]any, id string) float64 {
	switch v := fields[id].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return 0
}
