package consolidate

import (
	"time"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
)

// The states of an agency in the 汇总 sheet.
const (
	StateAccepted   = "合格待审" // on time, no error: awaits the office's review
	StateNeedsFix   = "需修改"  // on time, with errors to correct
	StateUnreadable = "无法读取" // on time, but no form could be read
	StateLate       = "逾期"   // the first submission came at or after the cut-off
	StateMissing    = "未提交"  // nothing received
	StateVetoed     = "一票否决" // veto recorded by staff
)

// failLabel is the grade of agencies that fail whatever their score.
const failLabel = "不合格"

// Agency is one roster entry.
type Agency struct {
	Name   string
	Type   scoring.AgencyType
	Emails []string
}

// Entry is what the store knows of one agency's submissions, or of one
// unknown sender's.
type Entry struct {
	// Agency is the roster name, or the sender address for unknown senders.
	Agency string
	Known  bool // Agency is a roster name
	Type   scoring.AgencyType
	// Status is one of the State constants; empty (or anything else) lets
	// Build derive it with Status. A veto in Input.Vetoes always wins.
	Status   string
	FirstAt  time.Time // server receipt time of the first submission
	LastAt   time.Time // … and of the current one
	Versions int
	Late     bool           // no submission was received before the cut-off
	Report   *assess.Report // the current submission's report; nil when none
	Sender   string
	// Foreign, for an entry that is not Known, is the roster agency its
	// form names: a 名册外来件, counted for nobody until staff assign it.
	Foreign string
}

// Review is the office's score (and remark) for one indicator of one agency.
type Review struct {
	Agency, Indicator string
	Score             *float64 // nil: a remark without a score
	Comment           string
	Source            string // where it came from, e.g. "业务部!G12"
	At                time.Time
}

// Grade is one band of the final total: a total ≥ Min earns Label. Grades
// are tried in the order given; the first that fits wins.
type Grade struct {
	Label string
	Min   float64
}

// DefaultGrades are the bands used when Input.Grades is empty: ≥ 110 优秀,
// ≥ 90 良好, ≥ 60 合格, else 不合格. They are the office's customary bands,
// not part of the notice; configure them per campaign.
func DefaultGrades() []Grade {
	return []Grade{{"优秀", 110}, {"良好", 90}, {"合格", 60}}
}

// Input is everything Build needs.
type Input struct {
	Form    *templates.Form
	Roster  []Agency
	Entries []Entry
	Reviews []Review
	// Vetoes maps an agency (roster name or sender) to true when staff
	// recorded a one-vote veto.
	Vetoes   map[string]bool
	Cutoff   time.Time
	Now      time.Time
	Campaign string  // e.g. "2021年度代办处考核"; shown in print headers
	Grades   []Grade // nil: DefaultGrades
}

// AgencyNames are the names the staff workbook lists: every agency of the
// roster and every entry's agency (or unknown sender). Reviews are imported
// for these only.
func (in Input) AgencyNames() map[string]bool {
	names := make(map[string]bool, len(in.Roster)+len(in.Entries))
	for _, a := range in.Roster {
		names[a.Name] = true
	}
	for _, e := range in.Entries {
		names[e.Agency] = true
	}
	return names
}

// Status derives the 汇总 state of an agency from its entry (nil: nothing
// received) and the veto staff recorded. A veto beats everything; an agency
// whose first submission was late is 逾期 whatever its form says.
func Status(e *Entry, vetoed bool) string {
	switch {
	case vetoed:
		return StateVetoed
	case e == nil || !submitted(e):
		return StateMissing
	case e.Late:
		return StateLate
	case e.Report == nil || e.Report.Status == assess.StatusUnreadable:
		return StateUnreadable
	case e.Report.Status == assess.StatusNeedsFix:
		return StateNeedsFix
	default:
		return StateAccepted
	}
}

func validState(s string) bool {
	switch s {
	case StateAccepted, StateNeedsFix, StateUnreadable, StateLate, StateMissing, StateVetoed:
		return true
	}
	return false
}

func submitted(e *Entry) bool {
	return e.Versions > 0 || e.Report != nil || !e.FirstAt.IsZero()
}

// forcedFail reports whether the state fails the agency whatever its score.
func forcedFail(state string) bool {
	return state == StateLate || state == StateMissing || state == StateVetoed
}

// ranked reports whether agencies in the state take part in the ranking.
func ranked(state string) bool {
	return state == StateAccepted || state == StateNeedsFix
}

// problem reports whether the state is coloured as a problem.
func problem(state string) bool {
	return state != StateAccepted
}
