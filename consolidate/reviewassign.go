package consolidate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// importAssignments reads the 归属单位 column of 名册外来件.
func importAssignments(f *excelize.File, opts ImportOptions, errs []ImportError) ([]Assignment, []ImportError) {
	var out []Assignment
	fail := func(cell, format string, args ...any) {
		errs = append(errs, ImportError{Sheet: SheetOutside, Cell: cell, Message: SheetOutside + "!" + cell + "：" + fmt.Sprintf(format, args...)})
	}
	var idc, gc int
	taken := map[string]string{}
	err := eachRow(f, SheetOutside, func(i int, row []string) error {
		if i == 0 {
			hdr := headerIndex(row)
			idc, gc = hdr[colSubmission], hdr[colAssign]
			if idc < 0 || gc < 0 {
				return errMissingColumns
			}
			return nil
		}
		agency := strings.TrimSpace(cellAt(row, gc))
		if agency == "" {
			return nil
		}
		cell, _ := excelize.CoordinatesToCellName(gc+1, i+1)
		rawID := strings.TrimSpace(cellAt(row, idc))
		num, isProposal := strings.CutPrefix(rawID, proposalPrefix)
		id, err := strconv.ParseInt(num, 10, 64)
		held, assigned := opts.Held, opts.Assigned
		if isProposal {
			held, assigned = opts.HeldProposals, opts.AssignedProposals
		}
		switch {
		case err != nil || id <= 0:
			fail(cell, "这一行没有有效的提交编号（“%s”），无法认定归属。请使用本系统导出的汇总表，不要改动“提交编号”列", rawID)
		case !opts.Agencies[agency]:
			fail(cell, "“%s”不是名册中的单位，请从下拉列表中选择", agency)
		case taken[rawID] != "" && taken[rawID] != agency:
			fail(cell, "提交编号 %s 被认定给了两个单位（“%s”和“%s”），请只保留一个", rawID, taken[rawID], agency)
		case assigned[id] == agency:
			// Assigned by an earlier import of this workbook: nothing to do.
		case assigned[id] != "":
			fail(cell, "提交编号 %s 已认定归入“%s”，不能再改为“%s”", rawID, assigned[id], agency)
		case !held[id]:
			fail(cell, "提交编号 %s 不是本年度的名册外来件，无法认定归属", rawID)
		case taken[rawID] == "":
			taken[rawID] = agency
			a := Assignment{Submission: id, Agency: agency, Source: SheetOutside + "!" + cell}
			if isProposal {
				a.Submission, a.Proposal = 0, id
			}
			out = append(out, a)
		}
		return nil
	})
	// No sheet: a workbook from before the sheet existed, or the sheet removed.
	errs = append(errs, pageErrors(SheetOutside, "“提交编号”或“归属单位”", err)...)
	return out, errs
}
