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
	taken := map[int64]string{}
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
		id, err := strconv.ParseInt(rawID, 10, 64)
		switch {
		case err != nil || id <= 0:
			fail(cell, "这一行没有有效的提交编号（“%s”），无法认定归属。请使用本系统导出的汇总表，不要改动“提交编号”列", rawID)
		case !opts.Agencies[agency]:
			fail(cell, "“%s”不是名册中的单位，请从下拉列表中选择", agency)
		case taken[id] != "" && taken[id] != agency:
			fail(cell, "提交编号 %d 被认定给了两个单位（“%s”和“%s”），请只保留一个", id, taken[id], agency)
		case opts.Assigned[id] == agency:
			// Assigned by an earlier import of this workbook: nothing to do.
		case opts.Assigned[id] != "":
			fail(cell, "提交编号 %d 已认定归入“%s”，不能再改为“%s”", id, opts.Assigned[id], agency)
		case !opts.Held[id]:
			fail(cell, "提交编号 %d 不是本年度的名册外来件，无法认定归属", id)
		case taken[id] == "":
			taken[id] = agency
			out = append(out, Assignment{Submission: id, Agency: agency, Source: SheetOutside + "!" + cell})
		}
		return nil
	})
	// No sheet: a workbook from before the sheet existed, or the sheet removed.
	errs = append(errs, pageErrors(SheetOutside, "“提交编号”或“归属单位”", err)...)
	return out, errs
}
