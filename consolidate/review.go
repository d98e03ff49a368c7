package consolidate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

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
}

// Assignment is staff's decision, read from the 归属单位 column of 名册外来件,
// that a form held outside the roster is an agency's.
type Assignment struct {
	Submission int64
	Agency     string
	Source     string // e.g. "名册外来件!K3"
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
}

// MaxImportSize bounds the workbook ImportReview reads.
const MaxImportSize = 200 << 20

// ImportReview reads the 审核分 and 审核意见 columns of the department sheets
// and the 一票否决 column of 汇总 from an edited staff workbook. A cell that
// cannot be accepted (a score above the cap or not one the criteria can give,
// an agency not of opts.Agencies or not on 汇总, an unknown indicator, two
// sheets disagreeing) is left out of the result and reported; everything
// else is returned. Blank means no review.
func ImportReview(r io.Reader, opts ImportOptions) (ReviewImport, []ImportError) {
	form, now := opts.Form, opts.Now
	out := ReviewImport{Vetoes: map[string]bool{}}
	var errs []ImportError
	fail := func(sheet, cell, format string, args ...any) {
		errs = append(errs, ImportError{Sheet: sheet, Cell: cell, Message: sheet + "!" + cell + "：" + fmt.Sprintf(format, args...)})
	}
	f, err := excelize.OpenReader(io.LimitReader(r, MaxImportSize), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		return out, []ImportError{{Message: "无法打开汇总表：" + err.Error() + "。请上传由本系统导出、用 Excel 或 WPS 另存为 .xlsx 的汇总表。"}}
	}
	defer f.Close()

	// 汇总: the agencies and their vetoes.
	agencies := map[string]bool{}
	var ac, vc, rc, orc int
	err = eachRow(f, SheetSummary, func(i int, row []string) error {
		if i == 0 {
			hdr := headerIndex(row)
			ac, vc, rc, orc = hdr[colAgency], hdr[colVeto], hdr[colRemark], hdr[colOrigRemark]
			if ac < 0 || vc < 0 {
				return errMissingColumns
			}
			return nil
		}
		name := strings.TrimSpace(cellAt(row, ac))
		if name == "" {
			return nil
		}
		raw := cellAt(row, vc)
		veto, ok := parseVeto(raw)
		if !opts.Agencies[name] {
			// A row added by hand: harmless while blank, refused when it
			// vetoes.
			if !ok || veto {
				cell, _ := excelize.CoordinatesToCellName(ac+1, i+1)
				fail(SheetSummary, cell, notOfSeason, name, "一票否决")
			}
			return nil
		}
		agencies[name] = true
		// The staff's own 备注 is the agency's review of indicator "". A
		// workbook without 原备注 is of the time 备注 was the system's
		// own text: nothing of it is the staff's.
		remark, orig := strings.TrimSpace(cellAt(row, rc)), strings.TrimSpace(cellAt(row, orc))
		if rc >= 0 && orc >= 0 {
			cell, _ := excelize.CoordinatesToCellName(rc+1, i+1)
			switch {
			case remark != "":
				out.Reviews = append(out.Reviews, Review{Agency: name, Comment: remark, Source: SheetSummary + "!" + cell, At: now})
			case orig != "":
				out.Cleared = append(out.Cleared, Review{Agency: name, Source: SheetSummary + "!" + cell, At: now})
			}
		}
		if !ok {
			cell, _ := excelize.CoordinatesToCellName(vc+1, i+1)
			fail(SheetSummary, cell, "一票否决栏填写了“%s”，请填“是”或留空", raw)
			return nil
		}
		out.Vetoes[name] = veto
		return nil
	})
	switch {
	case errors.Is(err, errNoSheet):
		return out, []ImportError{{Sheet: SheetSummary, Message: "找不到“汇总”工作表，无法导入。请使用本系统导出的汇总表。"}}
	case errors.Is(err, errMissingColumns):
		return out, []ImportError{{Sheet: SheetSummary, Message: "“汇总”工作表缺少“考核单位”或“一票否决”列，无法导入。"}}
	case err != nil:
		return out, []ImportError{{Sheet: SheetSummary, Message: "“汇总”工作表无法读取：" + err.Error()}}
	}

	// Department sheets.
	type seenReview struct {
		review  Review
		changed bool
		where   string
	}
	seen := map[string]*seenReview{}
	var order []string
	for _, dept := range Departments(form) {
		var ac, ic, sc, cc, osc, occ int
		err := eachRow(f, dept, func(i int, row []string) error {
			if i == 0 {
				hdr := headerIndex(row)
				ac, ic, sc, cc = hdr[colAgency], hdr[colIndicator], hdr[colReview], hdr[colComment]
				osc, occ = hdr[colOrigReview], hdr[colOrigComment]
				if ac < 0 || ic < 0 || sc < 0 || cc < 0 {
					return errMissingColumns
				}
				return nil
			}
			agency := strings.TrimSpace(cellAt(row, ac))
			indID := strings.TrimSpace(cellAt(row, ic))
			rawScore := strings.TrimSpace(cellAt(row, sc))
			comment := strings.TrimSpace(cellAt(row, cc))
			origScore := strings.TrimSpace(cellAt(row, osc))
			origComment := strings.TrimSpace(cellAt(row, occ))
			scoreCell, _ := excelize.CoordinatesToCellName(sc+1, i+1)
			if agency == "" && indID == "" && rawScore == "" && comment == "" {
				return nil
			}
			where := dept + "!" + scoreCell
			if rawScore == "" && comment == "" {
				// Only a review of the season's agencies can exist to be cleared.
				if (origScore != "" || origComment != "") && opts.Agencies[agency] {
					out.Cleared = append(out.Cleared, Review{Agency: agency, Indicator: indID, Source: where, At: now})
				}
				return nil
			}
			if !opts.Agencies[agency] {
				cell, _ := excelize.CoordinatesToCellName(ac+1, i+1)
				fail(dept, cell, notOfSeason, agency, "审核分")
				return nil
			}
			if !agencies[agency] {
				cell, _ := excelize.CoordinatesToCellName(ac+1, i+1)
				fail(dept, cell, "考核单位“%s”不在汇总表中，该行审核分未导入", agency)
				return nil
			}
			ind, ok := form.Indicator(indID)
			if !ok || !slices.Contains(ind.Departments, dept) {
				cell, _ := excelize.CoordinatesToCellName(ic+1, i+1)
				fail(dept, cell, "指标“%s”不是本部门考核的指标，该行审核分未导入", indID)
				return nil
			}
			rv := Review{Agency: agency, Indicator: indID, Comment: comment, Source: where, At: now}
			if rawScore != "" {
				v, ok := parseScore(rawScore)
				switch {
				case !ok:
					fail(dept, scoreCell, "审核分“%s”不是数字，请填写数字或留空", rawScore)
					return nil
				case v < 0:
					fail(dept, scoreCell, "审核分 %s 不能为负数", fmtScore(v))
					return nil
				case v > ind.Cap+1e-9:
					fail(dept, scoreCell, "审核分 %s 超过标准分 %s", fmtScore(v), fmtScore(ind.Cap))
					return nil
				case !ind.Allows(v):
					fail(dept, scoreCell, "审核分 %s 不是指标 %s 可得的分值（可得：%s）", fmtScore(v), ind.ID, allowedList(ind))
					return nil
				}
				rv.Score = &v
			}
			changed := rawScore != origScore || comment != origComment
			if o, _ := parseScore(origScore); rawScore != "" && origScore != "" && rv.Score != nil && math.Abs(o-*rv.Score) < 1e-9 {
				changed = comment != origComment
			}
			key := reviewKey(agency, indID)
			prev := seen[key]
			switch {
			case prev == nil:
				seen[key] = &seenReview{review: rv, changed: changed, where: where}
				order = append(order, key)
			case sameReview(prev.review, rv):
			case prev.changed && changed:
				fail(dept, scoreCell, "与 %s 对同一单位同一指标的审核不一致，请统一后再导入", prev.where)
			case changed:
				*prev = seenReview{review: rv, changed: true, where: where}
			}
			return nil
		})
		switch {
		case errors.Is(err, errNoSheet):
			// A department sheet removed by staff: nothing to import from it.
		case errors.Is(err, errMissingColumns):
			errs = append(errs, ImportError{Sheet: dept, Message: dept + "：缺少“考核单位”“指标”“审核分”或“审核意见”列，本页未导入。"})
		case err != nil:
			errs = append(errs, ImportError{Sheet: dept, Message: dept + "：无法读取（" + err.Error() + "），本页未导入。"})
		}
	}
	for _, k := range order {
		out.Reviews = append(out.Reviews, seen[k].review)
	}
	out.Assignments, errs = importAssignments(f, opts, errs)
	return out, errs
}

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
	switch {
	case errors.Is(err, errNoSheet):
		// A workbook from before the sheet existed, or the sheet removed.
	case errors.Is(err, errMissingColumns):
		errs = append(errs, ImportError{Sheet: SheetOutside, Message: SheetOutside + "：缺少“提交编号”或“归属单位”列，本页未导入。"})
	case err != nil:
		errs = append(errs, ImportError{Sheet: SheetOutside, Message: SheetOutside + "：无法读取（" + err.Error() + "），本页未导入。"})
	}
	return out, errs
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

var (
	errNoSheet        = errors.New("no such sheet")
	errMissingColumns = errors.New("missing columns")
)

// eachRow calls fn with every row of a sheet (i counts from 0 for the
// first row, blank rows included), reading the sheet as a stream; fn's
// error stops the walk and is returned.
func eachRow(f *excelize.File, sheet string, fn func(i int, row []string) error) error {
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		return errNoSheet
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		row, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return err
		}
		if err := fn(i, row); err != nil {
			return err
		}
	}
	return rows.Error()
}

// headerIndex maps the header names of a row to 0-based columns; a
// missing name maps to -1.
func headerIndex(row []string) map[string]int {
	idx := map[string]int{}
	for _, name := range []string{colAgency, colIndicator, colReview, colComment, colOrigReview, colOrigComment, colVeto,
		colRemark, colOrigRemark, colSubmission, colAssign} {
		idx[name] = -1
	}
	for i, v := range row {
		v = strings.TrimSpace(v)
		if j, ok := idx[v]; ok && j < 0 {
			idx[v] = i
		}
	}
	return idx
}

func cellAt(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

// parseScore reads a score leniently: full-width digits, spaces and a
// trailing 分 are accepted.
func parseScore(s string) (float64, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	s = strings.TrimSpace(strings.TrimSuffix(s, "分"))
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseVeto reads a 一票否决 cell: 是/Y/√/1 set it, blank/否/N/0 do not.
func parseVeto(s string) (veto, ok bool) {
	switch strings.ToLower(strings.TrimSpace(norm.NFKC.String(s))) {
	case "是", "y", "yes", "√", "✓", "✔", "1", "true", "否决", "一票否决":
		return true, true
	case "", "否", "n", "no", "0", "false", "×", "x":
		return false, true
	}
	return false, false
}

func fmtScore(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func allowedList(ind templates.Indicator) string {
	parts := make([]string, len(ind.Allowed))
	for i, a := range ind.Allowed {
		parts[i] = fmtScore(a)
	}
	return strings.Join(parts, "、")
}
