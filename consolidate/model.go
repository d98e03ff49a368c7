package consolidate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
)

// model is the input resolved into one row per agency, with every figure
// the sheets show computed once.
type model struct {
	form       *templates.Form
	indicators []templates.Indicator
	index      map[string]int // indicator id → position in indicators
	sections   []templates.Section
	depts      []string
	rows       []*row    // one per roster agency
	outside    []Outside // 名册外来件, by receipt time
	summary    Summary
	in         Input
}

// row is one line of 汇总: a roster agency.
type row struct {
	name     string
	typ      scoring.AgencyType
	emails   []string
	state    string
	entry    *Entry // nil when nothing was received
	report   *assess.Report
	scored   bool // the report has indicator scores
	self     []*float64
	verified []float64
	reviews  []*Review
	sections []float64 // verified, per form section
	selfSum  float64
	verSum   float64
	final    float64
	errs     int
	warns    int
	grade    string // the final results' (Input.Grades), "" when none
	rank     int    // … within the agency's type; 0 unranked
	vetoed   bool
	note     string     // what the system says of the row
	remark   string     // the staff's own 备注: the review of indicator ""
	paper    *PaperForm // nil: the paper form is not recorded as received
}

func reviewKey(agency, indicator string) string { return agency + "\x00" + indicator }

func prepare(in Input) (*model, error) {
	if in.Form == nil {
		return nil, errors.New("consolidate: no form")
	}
	m := &model{form: in.Form, indicators: in.Form.Indicators(), sections: in.Form.Sections, in: in}
	m.index = make(map[string]int, len(m.indicators))
	for i, ind := range m.indicators {
		m.index[ind.ID] = i
	}
	m.depts = Departments(in.Form)

	reviews := make(map[string]*Review, len(in.Reviews))
	for i := range in.Reviews {
		r := &in.Reviews[i]
		reviews[reviewKey(r.Agency, r.Indicator)] = r
	}

	known := make(map[string]*Entry, len(in.Entries))
	for i := range in.Entries {
		if e := &in.Entries[i]; e.Known {
			if known[e.Agency] != nil {
				return nil, fmt.Errorf("consolidate: entry %q appears twice", e.Agency)
			}
			known[e.Agency] = e
		}
	}
	paper := make(map[string]*PaperForm, len(in.Paper))
	for i := range in.Paper {
		paper[in.Paper[i].Agency] = &in.Paper[i]
	}
	seen := make(map[string]bool, len(in.Roster))
	for _, a := range in.Roster {
		if seen[a.Name] {
			return nil, fmt.Errorf("consolidate: agency %q twice in the roster", a.Name)
		}
		seen[a.Name] = true
		r := &row{name: a.Name, typ: a.Type, emails: a.Emails, entry: known[a.Name], paper: paper[a.Name]}
		if r.typ == "" && r.entry != nil {
			r.typ = r.entry.Type
		}
		m.rows = append(m.rows, r)
	}
	// Whatever is not a roster agency's is a 名册外来件: an unknown
	// sender's entry, or one of an agency since removed from the roster.
	m.outside = append(m.outside, in.Outside...)
	for i := range in.Entries {
		e := &in.Entries[i]
		if e.Known && seen[e.Agency] {
			continue
		}
		o := Outside{Sender: e.Sender, ReceivedAt: e.LastAt, OnTime: !e.Late, Named: e.Foreign, Report: e.Report}
		if e.Known {
			o.Agency = e.Agency
		}
		if o.ReceivedAt.IsZero() {
			o.ReceivedAt = e.FirstAt
		}
		m.outside = append(m.outside, o)
	}
	slices.SortStableFunc(m.outside, func(a, b Outside) int { return a.ReceivedAt.Compare(b.ReceivedAt) })

	for _, r := range m.rows {
		m.fill(r, reviews)
	}
	m.summary = m.summarize()
	return m, nil
}

// fill computes a row's figures from its entry and reviews.
func (m *model) fill(r *row, reviews map[string]*Review) {
	r.vetoed = m.in.Vetoes[r.name]
	if rv := reviews[reviewKey(r.name, "")]; rv != nil {
		r.remark = rv.Comment
	}
	if r.entry != nil {
		r.report = r.entry.Report
		r.state = r.entry.Status
	}
	if !validState(r.state) || r.vetoed {
		r.state = Status(r.entry, r.vetoed)
	}
	var notes []string
	if r.entry != nil && r.entry.Assigned > 0 {
		notes = append(notes, fmt.Sprintf("%d 个版本由工作人员从名册外来件认定归入", r.entry.Assigned))
	}
	if rep := r.report; rep != nil {
		r.errs, r.warns = rep.Counts()
		if rep.Unit != "" && rep.Unit != r.name {
			notes = append(notes, "表内考核单位："+rep.Unit)
		}
		if len(rep.Indicators) > 0 {
			r.scored = true
			n := len(m.indicators)
			r.self = make([]*float64, n)
			r.verified = make([]float64, n)
			for _, ir := range rep.Indicators {
				if i, ok := m.index[ir.ID]; ok {
					r.self[i] = ir.Self
					r.verified[i] = ir.Verified
				}
			}
			r.sections = make([]float64, len(m.sections))
			for si, s := range m.sections {
				for _, ind := range s.Indicators {
					r.sections[si] += r.verified[m.index[ind.ID]]
				}
			}
		}
	}
	if r.scored {
		r.reviews = make([]*Review, len(m.indicators))
		for i, ind := range m.indicators {
			if v := r.self[i]; v != nil {
				r.selfSum += *v
			}
			r.verSum += r.verified[i]
			final := r.verified[i]
			if rv := reviews[reviewKey(r.name, ind.ID)]; rv != nil {
				r.reviews[i] = rv
				if rv.Score != nil {
					final = *rv.Score
				}
			}
			r.final += final
		}
		r.selfSum, r.verSum, r.final = round2(r.selfSum), round2(r.verSum), round2(r.final)
	}
	v := m.in.Grades.ByAgency[r.name]
	r.grade, r.rank = v.Grade, v.Rank
	if r.vetoed {
		notes = append(notes, "信息安全一票否决")
	}
	r.note = strings.Join(notes, "；")
}

// Departments lists the checking departments of the form's indicators in
// order of first appearance (for 2021: 组织机构部, 合规部, 会员服务部,
// 信息技术部, 业务部, 财务部, 审核部, 公益部, 创贷部).
func Departments(form *templates.Form) []string {
	var out []string
	for _, ind := range form.Indicators() {
		for _, d := range ind.Departments {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
