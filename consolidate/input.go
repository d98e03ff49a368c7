package consolidate

import (
	"time"

	"github.com/xuri/excelize/v2"

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
	StateVetoed     = "一票否决" // veto recorded by staff, on an agency that submitted
)

// OutsideLabel names mail from outside the roster: unknown senders, forms
// naming a roster agency from an address not registered for it, mail
// without a usable sender, and forms of agencies since removed from the
// roster. It is counted for no agency until staff assign it to one.
const OutsideLabel = "名册外来件"

// failLabel is the grade of agencies that fail whatever their score.
const failLabel = "不合格"

// Agency is one roster entry.
type Agency struct {
	Name   string
	Type   scoring.AgencyType
	Emails []string
}

// Entry is what the store knows of one agency's submissions. An entry that
// is not Known (an unknown sender's) or whose agency is not on the roster
// is shown as one 名册外来件 of its current report; callers that can name
// the stored submission pass it in Input.Outside instead, so that staff can
// assign it.
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
	// Assigned counts the versions staff assigned to the agency from
	// 名册外来件.
	Assigned int
}

// Outside is one stored form from outside the roster (名册外来件): shown on
// its own sheet, counted for no agency, until staff assign it to one.
type Outside struct {
	Submission int64 // the store's submission id: what an assignment names
	// Proposal, instead of Submission, is the store's id of a held 推荐表:
	// one sent from an address not registered for the agency it names.
	// Persons is how many persons it proposes; Report is nil.
	Proposal   int64
	Persons    int
	Sender     string
	Subject    string
	File       string
	ReceivedAt time.Time
	OnTime     bool
	// Agency is the agency it is stored under when that agency is no longer
	// on the roster; "" for a form held under no agency.
	Agency string
	// Named is the roster agency the form's 考核单位 names, if any.
	Named  string
	Report *assess.Report // nil when no form could be read
}

// Review is the office's score (and remark) for one indicator of one agency.
type Review struct {
	Agency, Indicator string
	Score             *float64 // nil: a remark without a score
	Comment           string
	Source            string // where it came from, e.g. "业务部!G12"
	At                time.Time
}

// Verdict is one agency's grade and rank as the final results decide them
// (package results, under the [results] rules or as the 主任办公会
// approved them). The staff workbook shows verdicts; it decides none, so
// that staff, the 主任办公会 and the agencies read one grade.
type Verdict struct {
	Grade string // 优秀, 良好, 合格 or 不合格
	Rank  int    // within the agency's type, 1 the best; 0 unranked
}

// Grades are the verdicts the staff workbook shows and where they come
// from.
type Grades struct {
	// ByAgency maps a roster agency to its verdict. Nil: no results were
	// computed, and 等级 and 类内排名 stay empty.
	ByAgency map[string]Verdict
	// Approved says the verdicts are the approved (审定) results;
	// otherwise they are computed under the current rules.
	Approved   bool
	ApprovedAt time.Time
}

// Basis is the line the workbook shows of where 等级 and 类内排名 come from.
func (g Grades) Basis() string {
	switch {
	case g.Approved && !g.ApprovedAt.IsZero():
		return "等级、类内排名按考核结果（已审定，" + beijing(g.ApprovedAt).Format("2006-01-02 15:04") + " 导入）"
	case g.Approved:
		return "等级、类内排名按考核结果（已审定）"
	case g.ByAgency != nil:
		return "等级、类内排名按当前考核结果规则（配置 [results]）计算，尚未审定；审定后以审定结果为准"
	}
	return "等级、类内排名尚未计算"
}

// gradeHeader is the 汇总 header of 等级: it says at a glance whether the
// grades are approved.
func (g Grades) gradeHeader() string {
	switch {
	case g.Approved:
		return "等级（已审定）"
	case g.ByAgency != nil:
		return "等级（未审定）"
	}
	return "等级"
}

// Input is everything Build needs.
type Input struct {
	Form    *templates.Form
	Roster  []Agency
	Entries []Entry
	Reviews []Review
	// Vetoes maps an agency (roster name or sender) to true when staff
	// recorded a one-vote veto.
	Vetoes map[string]bool
	// Outside are the forms from outside the roster (名册外来件).
	Outside []Outside
	// Assigned maps a submission staff assigned from 名册外来件 to its
	// agency, so that a workbook imported again is not refused for naming
	// a form no longer held.
	Assigned map[int64]string
	// AssignedProposals is Assigned for the held 推荐表.
	AssignedProposals map[int64]string
	Cutoff            time.Time
	Now               time.Time
	Campaign          string // e.g. "2021年度代办处考核"; shown in print headers
	// Grades are the final results' grades and ranks (campaign passes
	// them in from package results).
	Grades Grades
	// Paper are the paper forms staff recorded as received, one per
	// agency at most.
	Paper []PaperForm
	// Stamp, when set, is called on the finished workbook before it is
	// written, to stamp the token that lets staff mail it back (wbtoken).
	Stamp func(*excelize.File) error
}

// AgencyNames are the names the staff workbook lists on 汇总: every agency
// of the roster. Reviews and vetoes are imported for these only.
func (in Input) AgencyNames() map[string]bool {
	names := make(map[string]bool, len(in.Roster))
	for _, a := range in.Roster {
		names[a.Name] = true
	}
	return names
}

// HeldSubmissions are the submissions of Outside: the ones an assignment
// may name.
func (in Input) HeldSubmissions() map[int64]bool {
	held := make(map[int64]bool, len(in.Outside))
	for _, o := range in.Outside {
		if o.Submission != 0 {
			held[o.Submission] = true
		}
	}
	return held
}

// HeldProposals are the 推荐表 of Outside.
func (in Input) HeldProposals() map[int64]bool {
	held := map[int64]bool{}
	for _, o := range in.Outside {
		if o.Proposal != 0 {
			held[o.Proposal] = true
		}
	}
	return held
}

// Status derives the 汇总 state of an agency from its entry (nil: nothing
// received) and the veto staff recorded. An agency that sent nothing is
// 未提交 whatever else is said of it, so that 已提交 and 未提交 always add up
// to the roster; otherwise a veto beats everything, and an agency whose
// first submission was late is 逾期 whatever its form says.
func Status(e *Entry, vetoed bool) string {
	switch {
	case e == nil || !submitted(e):
		return StateMissing
	case vetoed:
		return StateVetoed
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

// problem reports whether the state is coloured as a problem.
func problem(state string) bool {
	return state != StateAccepted
}
