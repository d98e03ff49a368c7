package reply

import (
	"fmt"

	"kaohe/internal/display"
)

// KindFinalList is the mail of the confirmed 优秀单位 and 优秀个人 to an agency
// (确定名单反馈) and its 更正.
const KindFinalList = "final-list"

// Decision is the 主任办公会's decision on a proposal.
type Decision string

const (
	DecisionConfirmed    Decision = "confirmed"     // 确定
	DecisionNotConfirmed Decision = "not_confirmed" // 不确定
)

// Label is the decision as the list says it.
func (d Decision) Label() string {
	if d == DecisionConfirmed {
		return "确定"
	}
	return "未确定"
}

// FinalList is what the office decided on an agency's recommendations.
type FinalList struct {
	Agency string // the roster's name
	// Unit is the decision on the agency proposed as 优秀单位; nil when it
	// did not propose itself.
	Unit    *FinalDecision
	Persons []FinalPerson // in the order of the agency's 推荐表
	// Note is the office's word to the agency on the list as a whole; "" none.
	Note string
}

// FinalDecision is a decision with the office's note on it.
type FinalDecision struct {
	Decision Decision
	Note     string // e.g. why it was not confirmed; "" none
}

// FinalPerson is one person proposed as 优秀个人. Only what the agency needs
// to recognise its proposal is kept: no birth date, no contact.
type FinalPerson struct {
	Name string
	Post string // 职务; "" when not given
	FinalDecision
}

// Facts is what the list says, the points a 更正 compares.
func (l FinalList) Facts() []Fact {
	var facts []Fact
	if l.Unit != nil {
		facts = append(facts, Fact{"优秀单位", decisionText(*l.Unit)})
	}
	for _, p := range l.Persons {
		facts = append(facts, Fact{"优秀个人 " + personLabel(p), decisionText(p.FinalDecision)})
	}
	if n := display.Clean(l.Note, display.MaxTextRunes); n != "" {
		facts = append(facts, Fact{"办事处说明", n})
	}
	return facts
}

func decisionText(d FinalDecision) string {
	s := d.Decision.Label()
	if n := display.Clean(d.Note, display.MaxTextRunes); n != "" {
		s += "（" + n + "）"
	}
	return s
}

func personLabel(p FinalPerson) string {
	s := display.Clean(p.Name, maxNameRunes)
	if post := display.Clean(p.Post, maxNameRunes); post != "" {
		s += "（" + post + "）"
	}
	return s
}

type finalView struct {
	Agency, Season             string
	Proposed                   bool // the agency proposed itself as 优秀单位
	UnitConfirmed              bool
	UnitNote                   string
	Confirmed, NotConfirmed    []finalLine
	Note                       string
	Correction                 correctionView
	Published, Contact, Office string
}

type finalLine struct{ Person, Note string }

// ComposeFinalList composes issue iss of the agency's 确定名单反馈 to to,
// one of its registered addresses. key makes the Message-ID (the notice
// package's MailKey); the mail's date is iss.At.
func ComposeFinalList(l FinalList, to string, iss Issue, key string, opts ComposeOptions) (Mail, error) {
	opts = opts.cleaned()
	if iss.At.IsZero() {
		iss.At = opts.Now
	}
	v := finalView{
		Agency: display.Clean(l.Agency, maxNameRunes), Season: opts.seasonPrefix(), Note: display.Clean(l.Note, display.MaxTextRunes),
		Correction: issueView(iss), Published: cnDate(iss.At), Contact: opts.Contact, Office: opts.FromName,
	}
	if l.Unit != nil {
		v.Proposed, v.UnitConfirmed = true, l.Unit.Decision == DecisionConfirmed
		v.UnitNote = display.Clean(l.Unit.Note, display.MaxTextRunes)
	}
	for _, p := range l.Persons {
		line := finalLine{Person: personLabel(p), Note: display.Clean(p.Note, display.MaxTextRunes)}
		if p.Decision == DecisionConfirmed {
			v.Confirmed = append(v.Confirmed, line)
		} else {
			v.NotConfirmed = append(v.NotConfirmed, line)
		}
	}
	subject := fmt.Sprintf("%s优秀单位、优秀个人确定名单反馈（%s）", opts.seasonPrefix(), v.Agency)
	return composeSimple(issueEnvelope(KindFinalList, key, subject, to, l.Agency, iss, opts), tmplFinalText, v, nil, opts)
}
