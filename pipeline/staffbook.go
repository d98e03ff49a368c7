package pipeline

import (
	"context"
	"time"

	"kaohe/internal/wbtoken"
	"kaohe/internal/xlsxpeek"
	"kaohe/store"
)

// A StaffWorkbook is a kind of workbook kaohe sends staff and staff may
// mail back to be imported: the staff review workbook (汇总), the results
// workbook (考核结果). The pipeline recognises it among a mail's
// attachments and imports it only when the sender is a staff address, the
// workbook carries a token that verifies for the season and this kind, and
// the receiving server's Authentication-Results (when trusted) did not
// fail; see Config.StaffWorkbooks.
type StaffWorkbook interface {
	// Kind is the token kind stamped into the copies kaohe sends.
	Kind() wbtoken.Kind
	// Title names the workbook in mail to staff, e.g. "审核汇总表".
	Title() string
	// Recognise says whether the package is a workbook of this kind, by
	// its sheets and labels, never its file name. It sees the package
	// only through xlsxpeek: an untrusted workbook is not opened in the
	// daemon before its token verifies.
	Recognise(p *xlsxpeek.Package) bool
	// Import reads the workbook and says what it would change, writing
	// nothing: the change (StaffImport.Effect) is saved with the message,
	// exactly once. Any refused cell refuses the whole workbook. An error
	// is a fault of ours (the store could not be read): the message is
	// retried.
	Import(ctx context.Context, data []byte, in StaffImportInput) (StaffImport, error)
}

// ImportWording is what a StaffWorkbook may also say in the 导入 reply:
// what follows its import (next) and where staff get the copy to fill in
// (latest). A book without it gets the review workbook's wording, which
// speaks of the summary mail.
type ImportWording interface {
	ImportWording() (next, latest string)
}

// StaffImportInput is what the pipeline knows of a staff workbook it asks
// to import.
type StaffImportInput struct {
	Sender   string        // the staff address it came from, canonical
	Filename string        // the attachment's name, for the records only
	Source   string        // where it came from, for the records: "mail <Message-ID>"
	Token    wbtoken.Token // the verified token
	Now      time.Time
}

// StaffImport is the verdict on one staff workbook.
type StaffImport struct {
	// Refused lists each refused cell with its reason, in Chinese
	// ("汇总!F3：一票否决栏填写了“否”，请填“是”或留空"). When any is
	// given, nothing is imported and Effect is ignored.
	Refused []string
	// Effect is the change, saved with the message.
	Effect store.Effect
	// Summary says in Chinese what the import changes, one line each, for
	// the reply ("审核意见 12 条，其中新增或改动 3 条").
	Summary []string
	// Conflict turns an error of saving Effect into the refusal to tell
	// staff when the workbook no longer fits what is stored (a 名册外来件
	// assigned elsewhere meanwhile), "" for any other error. Nil: none.
	Conflict func(error) string
}
