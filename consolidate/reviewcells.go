package consolidate

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"kaohe/templates"
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
		colRemark, colOrigRemark, colSubmission, colAssign, colPaper, colOrigPaper} {
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

var (
	errNoSheet        = errors.New("no such sheet")
	errMissingColumns = errors.New("missing columns")
)

// pageErrors is the refusal of a page that could not be read as a whole,
// naming the columns it needs; a page that is not there has nothing to
// import and is no error.
func pageErrors(sheet, columns string, err error) []ImportError {
	switch {
	case err == nil, errors.Is(err, errNoSheet):
		return nil
	case errors.Is(err, errMissingColumns):
		return []ImportError{{Sheet: sheet, Message: sheet + "：缺少" + columns + "列，本页未导入。"}}
	}
	return []ImportError{{Sheet: sheet, Message: sheet + "：无法读取（" + err.Error() + "），本页未导入。"}}
}
