package consolidate

import (
	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
)

// Standing is one roster agency as the staff workbook's 汇总 shows it: its
// state, its scores self against verified against reviewed, and the
// reviewers' notes. It is what the final results are computed from, so
// that the results and the staff workbook never disagree on a score.
type Standing struct {
	Agency string
	Type   scoring.AgencyType
	State  string // one of the State constants
	Vetoed bool
	// Scored says a readable form gave indicator scores; the totals and
	// sections mean nothing otherwise.
	Scored   bool
	Self     float64 // 自评总分
	Verified float64 // 核定总分
	Final    float64 // 审核总分: 审核分 where given, else the verified score
	Sections []SectionStanding
	// FailsAnyway says the state fails the agency whatever its score
	// (逾期, 未提交, 一票否决).
	FailsAnyway bool
	Entry       *Entry         // nil when nothing was received
	Report      *assess.Report // the current submission's; nil when none
	Notes       []Note         // the reviewers' 审核意见, by indicator order; the 备注 last
}

// SectionStanding is one section's subtotals for an agency.
type SectionStanding struct {
	Section                  templates.Section
	Self, Verified, Reviewed float64
}

// Note is a reviewer's comment on one indicator; Indicator "" is the 备注
// on the agency as a whole.
type Note struct {
	Indicator, Comment string
}

// Standings computes every roster agency's standing from in, in roster
// order, exactly as Build computes 汇总.
func Standings(in Input) ([]Standing, error) {
	m, err := prepare(in)
	if err != nil {
		return nil, err
	}
	out := make([]Standing, 0, len(m.rows))
	for _, r := range m.rows {
		s := Standing{Agency: r.name, Type: r.typ, State: r.state, Vetoed: r.vetoed, Scored: r.scored,
			Self: r.selfSum, Verified: r.verSum, Final: r.final, FailsAnyway: forcedFail(r.state),
			Entry: r.entry, Report: r.report}
		if r.scored {
			s.Sections = make([]SectionStanding, len(m.sections))
			for si, sec := range m.sections {
				ss := SectionStanding{Section: sec}
				for _, ind := range sec.Indicators {
					i := m.index[ind.ID]
					if v := r.self[i]; v != nil {
						ss.Self += *v
					}
					ss.Verified += r.verified[i]
					final := r.verified[i]
					if rv := r.reviews[i]; rv != nil && rv.Score != nil {
						final = *rv.Score
					}
					ss.Reviewed += final
				}
				ss.Self, ss.Verified, ss.Reviewed = round2(ss.Self), round2(ss.Verified), round2(ss.Reviewed)
				s.Sections[si] = ss
			}
			for i, rv := range r.reviews {
				if rv != nil && rv.Comment != "" {
					s.Notes = append(s.Notes, Note{Indicator: m.indicators[i].ID, Comment: rv.Comment})
				}
			}
		}
		if r.remark != "" {
			s.Notes = append(s.Notes, Note{Comment: r.remark})
		}
		out = append(out, s)
	}
	return out, nil
}
