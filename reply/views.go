package reply

// ReceiptStatus is the verdict a receipt gives on the whole mail: one of
// them, with one wording throughout the receipt.
type ReceiptStatus string

const (
	ReceiptAccepted   ReceiptStatus = "accepted"   // every readable form passed the check: 通过
	ReceiptNeedsFix   ReceiptStatus = "needs_fix"  // a readable form has errors: 需修改
	ReceiptUnreadable ReceiptStatus = "unreadable" // files came that could hold a form, none could be read: 无法读取
	ReceiptNoForm     ReceiptStatus = "no_form"    // nothing that could hold a form: 无考核表
)

// Label is the status as the receipt states it; a late form is 逾期 first,
// with the check's outcome in brackets.
func (s ReceiptStatus) Label(onTime bool) string {
	var l string
	switch s {
	case ReceiptAccepted:
		l = "表格核对通过"
		if onTime {
			return "通过"
		}
	case ReceiptNeedsFix:
		l = "表格需修改"
		if onTime {
			return "需修改"
		}
	case ReceiptUnreadable:
		l = "表格无法读取"
		if onTime {
			return "无法读取"
		}
	default:
		// A mail without a form is no submission, so it cannot be a
		// late one: a question after the cut-off is not 逾期.
		if onTime {
			return "无考核表"
		}
		return "无考核表（截止后收到）"
	}
	return "逾期（" + l + "）"
}

// ReceiptView is the data of the receipt templates.
type ReceiptView struct {
	Greeting string // the agency or the sender
	Subject  string
	Received string // Beijing time
	Cutoff   string
	OnTime   bool
	// Status is the verdict (a ReceiptStatus as a string, for the
	// templates' eq); StatusLabel its wording, e.g. 逾期（表格核对通过）.
	Status      string
	StatusLabel string
	Files       []FileView
	Forms       []FormView
	NoForm      bool // no workbook could be checked (Status unreadable or no_form)
	Legacy      bool // some attachment must be saved as .xlsx
	NeedsFix    bool // some form has errors or none was readable
	AllPassed   bool // at least one form, all accepted
	Warnings    int  // 提醒 of the readable forms, to be verified
	Annotated   bool // annotated workbooks are attached
	// Words: the body says more than greetings and a covering note; staff
	// get it (the staff notice quotes it), the receipt says so.
	Words bool
	// BlankForm is the file name of the blank form attached; "" for none.
	BlankForm string
	// Recommends are the 推荐表 of the mail, checked; when there are any,
	// the receipt is the 推荐表's (RecStatus, against its own deadline
	// RecCutoff) and Forms are the 考核表 it also held.
	Recommends     []RecommendView
	RecStatus      string // a ReceiptStatus: accepted or needs_fix
	RecStatusLabel string
	RecOnTime      bool
	RecCutoff      string // "" when results.recommend_cutoff is not set
	RecWarnings    int
	Contact        string
	Office         string
	OfficeAddr     string
}

// FileView is one attachment as the receipt lists it.
type FileView struct {
	Name string
	Note string
}

// FormView is one checked workbook.
type FormView struct {
	Index         int
	File          string
	Status        string // 通过/需修改/无法读取
	Accepted      bool
	Unreadable    bool
	Unit          string
	SelfTotal     string
	VerifiedTotal string
	TotalCap      string
	Errors        int
	Warnings      int
	Infos         int    // 说明: how a value was read, nothing to do
	Guide         string // what to do with the rows, e.g. 错误必须改正，提醒请核实。
	// Reason says why an unreadable file could not be read and what to
	// do, once; Rows is then empty.
	Reason    string
	Rows      []RowView
	Annotated string // the name of the annotated copy attached; "" when none
}

// RowView is one finding as a table row.
type RowView struct {
	Severity string // 错误/提醒/说明
	Level    string // error/warning/info, for styling
	Item     string // 指标或栏目
	Cell     string
	Self     string
	Cap      string
	Verified string
	Message  string
}
