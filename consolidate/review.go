package consolidate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// ReviewImport is what an edited staff workbook says.
type ReviewImport struct {
	// Reviews holds every row of the department sheets with a 审核分 or a
	// 审核意见, changed or not: it is the whole review as the workbook
	// states it.
	Reviews []Review
	// Cleared lists the reviews that were exported and have been blanked
	// (Score nil, Comment empty): the caller should delete them.
	Cleared []Review
	// Vetoes maps every agency of 汇总 to whether its 一票否决 cell is set, so
	// a cleared cell lifts a veto.
	Vetoes map[string]bool
	// Assignments are the 名册外来件 staff assigned to a roster agency.
	Assignments []Assignment
	// Paper holds every agency whose 纸质版收到 cell is filled, changed
	// or not; PaperCleared the agencies whose cell was exported filled
	// and has been blanked: the caller should delete their record. A
	// cell blank both ways says nothing, so that a workbook exported
	// before a record was made does not undo it.
	Paper        []PaperForm
	PaperCleared []string
}

// Assignment is staff's decision, read from the 归属单位 column of 名册外来件,
// that a form held outside the roster is an agency's.
type Assignment struct {
	Submission int64
	// Proposal, instead of Submission, names a held 推荐表 (its row's
	// 提交编号 is ProposalRef of it).
	Proposal int64
	Agency   string
	Source   string // e.g. "名册外来件!K3"
}

// ImportError is a cell of the workbook that was refused.
type ImportError struct {
	Sheet, Cell string
	Message     string // Chinese, starting with the cell: "业务部!G12：…"
}

func (e ImportError) Error() string { return e.Message }

// ImportOptions say what ImportReview checks an edited workbook against.
type ImportOptions struct {
	Form *templates.Form
	Now  time.Time // the reviews' import time
	// Agencies are the names a review or a veto may be given for: the
	// season's roster and the agencies of the stored submissions, as the
	// staff workbook lists them (Input.AgencyNames). The workbook is
	// edited by hand: a name typed into it is refused, never taken for an
	// agency. Nil refuses every review.
	Agencies map[string]bool
	// Held are the submissions of 名册外来件 that may be assigned
	// (Input.HeldSubmissions); Assigned maps those assigned earlier to their
	// agency (Input.Assigned), so that the same workbook imports again.
	Held     map[int64]bool
	Assigned map[int64]string
	// HeldProposals and AssignedProposals are the same for the 推荐表 held
	// as 名册外来件 (Input.HeldProposals, Input.AssignedProposals).
	HeldProposals     map[int64]bool
	AssignedProposals map[int64]string
}

// MaxImportSize bounds the workbook ImportReview reads.
const MaxImportSize = 200 << 20

// ImportReview reads the 审核分 and 审核意见 columns of the department sheets
// and the 一票否决, 备注 and 纸质版收到 columns of 汇总 from an edited staff
// workbook. A cell that
// cannot be accepted (a score above the cap or not one the criteria can give,
// an agency not of opts.Agencies or not on 汇总, an unknown indicator, two
// sheets disagreeing) is left out of the result and reported; everything
// else is returned. Blank means no review.
func ImportReview(r io.Reader, opts ImportOptions) (ReviewImport, []ImportError) {
	im := &reviewImport{opts: opts, out: ReviewImport{Vetoes: map[string]bool{}},
		onSummary: map[string]bool{}, seen: map[string]*seenReview{}}
	f, err := excelize.OpenReader(io.LimitReader(r, MaxImportSize), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		return im.out, []ImportError{{Message: "无法打开汇总表：" + err.Error() + "。请上传由本系统导出、用 Excel 或 WPS 另存为 .xlsx 的汇总表。"}}
	}
	defer f.Close()
	formYear := 0
	if opts.Form != nil {
		formYear = opts.Form.Year
	}
	im.paper = newPaperReader(f, formYear, opts.Now)
	if fatal := im.summary(f); fatal != nil {
		return im.out, fatal
	}
	for _, dept := range Departments(opts.Form) {
		im.department(f, dept)
	}
	for _, k := range im.order {
		im.out.Reviews = append(im.out.Reviews, im.seen[k].review)
	}
	im.out.Assignments, im.errs = importAssignments(f, opts, im.errs)
	return im.out, im.errs
}

// reviewImport is one ImportReview under way: what it has read so far and
// the cells it refused.
type reviewImport struct {
	opts  ImportOptions
	out   ReviewImport
	errs  []ImportError
	paper *paperReader
	// onSummary are the agencies of 汇总: a review is taken only for one.
	onSummary map[string]bool
	// seen is the review of each agency and indicator read so far, in the
	// order first read: a department sheet may repeat another's row.
	seen  map[string]*seenReview
	order []string
}

type seenReview struct {
	review  Review
	changed bool // differs from what the workbook was exported with
	where   string
}

// fail refuses a cell.
func (im *reviewImport) fail(sheet, cell, format string, args ...any) {
	im.errs = append(im.errs, ImportError{Sheet: sheet, Cell: cell, Message: sheet + "!" + cell + "：" + fmt.Sprintf(format, args...)})
}

// summaryColumns are the columns of 汇总 that are read, 0-based; -1: missing.
type summaryColumns struct{ agency, veto, remark, origRemark, paper, origPaper int }

// summary reads 汇总: the agencies, their vetoes and the staff's remarks.
// It returns the errors that stop the whole import.
func (im *reviewImport) summary(f *excelize.File) []ImportError {
	var cols summaryColumns
	err := eachRow(f, SheetSummary, func(i int, row []string) error {
		if i == 0 {
			hdr := headerIndex(row)
			cols = summaryColumns{agency: hdr[colAgency], veto: hdr[colVeto], remark: hdr[colRemark], origRemark: hdr[colOrigRemark],
				paper: hdr[colPaper], origPaper: hdr[colOrigPaper]}
			if cols.agency < 0 || cols.veto < 0 {
				return errMissingColumns
			}
			return nil
		}
		im.summaryRow(cols, i, row)
		return nil
	})
	switch {
	case errors.Is(err, errNoSheet):
		return []ImportError{{Sheet: SheetSummary, Message: "找不到“汇总”工作表，无法导入。请使用本系统导出的汇总表。"}}
	case errors.Is(err, errMissingColumns):
		return []ImportError{{Sheet: SheetSummary, Message: "“汇总”工作表缺少“考核单位”或“一票否决”列，无法导入。"}}
	case err != nil:
		return []ImportError{{Sheet: SheetSummary, Message: "“汇总”工作表无法读取：" + err.Error()}}
	}
	return nil
}

// summaryRow reads row i of 汇总.
func (im *reviewImport) summaryRow(c summaryColumns, i int, row []string) {
	name := strings.TrimSpace(cellAt(row, c.agency))
	if name == "" {
		return
	}
	raw := cellAt(row, c.veto)
	veto, ok := parseVeto(raw)
	if !im.opts.Agencies[name] {
		// A row added by hand: harmless while blank, refused when it
		// vetoes or records a paper form.
		cell, _ := excelize.CoordinatesToCellName(c.agency+1, i+1)
		if !ok || veto {
			im.fail(SheetSummary, cell, notOfSeason, name, "一票否决")
		}
		if strings.TrimSpace(cellAt(row, c.paper)) != "" {
			im.fail(SheetSummary, cell, notOfSeason, name, "纸质版收到")
		}
		return
	}
	im.paperCell(c, i, row, name)
	im.onSummary[name] = true
	// The staff's own 备注 is the agency's review of indicator "". A
	// workbook without 原备注 is of the time 备注 was the system's
	// own text: nothing of it is the staff's.
	remark, orig := strings.TrimSpace(cellAt(row, c.remark)), strings.TrimSpace(cellAt(row, c.origRemark))
	if c.remark >= 0 && c.origRemark >= 0 {
		cell, _ := excelize.CoordinatesToCellName(c.remark+1, i+1)
		switch {
		case remark != "":
			im.out.Reviews = append(im.out.Reviews, Review{Agency: name, Comment: remark, Source: SheetSummary + "!" + cell, At: im.opts.Now})
		case orig != "":
			im.out.Cleared = append(im.out.Cleared, Review{Agency: name, Source: SheetSummary + "!" + cell, At: im.opts.Now})
		}
	}
	if !ok {
		cell, _ := excelize.CoordinatesToCellName(c.veto+1, i+1)
		im.fail(SheetSummary, cell, "一票否决栏填写了“%s”，请填“是”或留空", raw)
		return
	}
	im.out.Vetoes[name] = veto
}

// paperCell reads the 纸质版收到 cell of row i of 汇总, the agency's. A
// workbook without the column (exported before it existed) says nothing of
// paper forms.
func (im *reviewImport) paperCell(c summaryColumns, i int, row []string, agency string) {
	if c.paper < 0 {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(c.paper+1, i+1)
	received, day, problem := im.paper.read(SheetSummary, cell, cellAt(row, c.paper))
	switch {
	case problem != "":
		im.fail(SheetSummary, cell, "%s", problem)
	case received:
		im.out.Paper = append(im.out.Paper, PaperForm{Agency: agency, Day: day, Source: SheetSummary + "!" + cell})
	case strings.TrimSpace(cellAt(row, c.origPaper)) != "":
		im.out.PaperCleared = append(im.out.PaperCleared, agency)
	}
}

// notOfSeason is the refusal of a row naming an agency that is neither on
// the roster nor among the stored submissions.
const notOfSeason = "考核单位“%s”不在本年度代办处名册中，也没有它提交考核表的记录，该行的%s未导入。请核对单位名称（应与汇总表导出时一致），不要在汇总表中自行添加单位"

func sameReview(a, b Review) bool {
	if (a.Score == nil) != (b.Score == nil) || a.Comment != b.Comment {
		return false
	}
	return a.Score == nil || math.Abs(*a.Score-*b.Score) < 1e-9
}
