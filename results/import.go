package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/store"
)

// ImportError is a cell of a results workbook that was refused.
type ImportError struct {
	Sheet, Cell string
	Message     string // Chinese, starting with the cell: "考核结果!K5：…"
}

func (e ImportError) Error() string { return e.Message }

// MaxImportSize bounds the workbook ReadApproval reads.
const MaxImportSize = 50 << 20

// ApprovalOptions say what ReadApproval checks a workbook against.
type ApprovalOptions struct {
	Season int
	// Computed are the results as exported: the agencies the workbook must
	// list, each once, and what the approval starts from.
	Computed []store.FinalResult
	// Total is the number of 优秀个人 the quotas must add up to.
	Total int
}

// ReadApproval reads the 等级 and 优秀个人名额 columns of an edited results
// workbook. Either every cell is acceptable and the approved results are
// returned (Computed with the grades and quotas of the workbook), or none
// is returned and every refused cell is named.
func ReadApproval(r io.Reader, opts ApprovalOptions) ([]store.FinalResult, []ImportError) {
	f, err := excelize.OpenReader(io.LimitReader(r, MaxImportSize), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		return nil, []ImportError{{Message: "无法打开考核结果表：" + err.Error() + "。请发回由本系统生成、用 Excel 或 WPS 保存为 .xlsx 的考核结果表。"}}
	}
	defer f.Close()
	if errs := checkSeason(f, opts.Season); errs != nil {
		return nil, errs
	}
	im := approval{opts: opts, byName: map[string]int{}, seen: map[string]string{}}
	for i, c := range opts.Computed {
		im.byName[c.Agency] = i
	}
	im.out = append([]store.FinalResult(nil), opts.Computed...)
	if !im.readRows(f) {
		return nil, im.errs
	}
	im.checkComplete()
	if len(im.errs) > 0 {
		return nil, im.errs
	}
	return im.out, nil
}

// checkSeason refuses a workbook of another season.
func checkSeason(f *excelize.File, season int) []ImportError {
	props, err := f.GetCustomProps()
	if err != nil {
		return nil
	}
	for _, p := range props {
		if p.Name != SeasonProperty {
			continue
		}
		var got int
		switch v := p.Value.(type) {
		case int32:
			got = int(v)
		case int64:
			got = int(v)
		case float64:
			got = int(v)
		case string:
			got, _ = strconv.Atoi(v)
		}
		if got != 0 && season != 0 && got != season {
			return []ImportError{{Message: fmt.Sprintf("这是 %d 年度的考核结果表，本届是 %d 年度，未导入。请用本届生成的考核结果表。", got, season)}}
		}
	}
	return nil
}

type approval struct {
	opts   ApprovalOptions
	byName map[string]int    // agency → index in opts.Computed
	seen   map[string]string // agency → the cell that named it
	out    []store.FinalResult
	errs   []ImportError
	// quotaCells is the range of the quota column read, for the message
	// about its sum.
	quotaCol   string
	firstRow   int
	lastRow    int
	quotaTotal int
}

func (im *approval) refuse(col string, row int, format string, args ...any) {
	cell := fmt.Sprintf("%s%d", col, row)
	im.errs = append(im.errs, ImportError{Sheet: SheetResults, Cell: cell,
		Message: SheetResults + "!" + cell + "：" + fmt.Sprintf(format, args...)})
}

// readRows reads every row of 考核结果; false when the sheet or its
// columns are missing.
func (im *approval) readRows(f *excelize.File) bool {
	rows, err := f.Rows(SheetResults)
	if err != nil {
		im.errs = append(im.errs, ImportError{Sheet: SheetResults, Message: "找不到“考核结果”工作表：请发回由本系统生成的考核结果表，不要改工作表的名称。"})
		return false
	}
	defer rows.Close()
	var agencyCol, gradeCol, quotaCol = -1, -1, -1
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			im.errs = append(im.errs, ImportError{Sheet: SheetResults, Message: fmt.Sprintf("考核结果!第 %d 行无法读取：%v", n, err)})
			return false
		}
		if agencyCol < 0 {
			agencyCol, gradeCol, quotaCol = indexOf(cells, ColAgency), indexOf(cells, ColGrade), indexOf(cells, ColQuota)
			if agencyCol < 0 || gradeCol < 0 || quotaCol < 0 {
				agencyCol = -1
				if n >= 5 {
					break
				}
				continue
			}
			im.quotaCol, _ = excelize.ColumnNumberToName(quotaCol + 1)
			continue
		}
		im.row(n, cells, agencyCol, gradeCol, quotaCol)
	}
	if agencyCol < 0 {
		im.errs = append(im.errs, ImportError{Sheet: SheetResults, Message: "考核结果表第一行缺少“考核单位”“等级”“优秀个人名额”列：请不要改动表头。"})
		return false
	}
	return true
}

func (im *approval) row(n int, cells []string, agencyCol, gradeCol, quotaCol int) {
	name := strings.TrimSpace(cell(cells, agencyCol))
	gradeText, quotaText := strings.TrimSpace(cell(cells, gradeCol)), strings.TrimSpace(cell(cells, quotaCol))
	if name == "" && gradeText == "" && quotaText == "" || name == "合计" {
		return
	}
	ac, _ := excelize.ColumnNumberToName(agencyCol + 1)
	gc, _ := excelize.ColumnNumberToName(gradeCol + 1)
	i, ok := im.byName[name]
	switch {
	case name == "":
		im.refuse(ac, n, "这一行没有考核单位，却填了等级或名额：请不要增加行。")
		return
	case !ok:
		im.refuse(ac, n, "“%s”不在导出的考核结果中：请不要增加单位或改动单位名称。", name)
		return
	case im.seen[name] != "":
		im.refuse(ac, n, "“%s”出现了两次（另一次在 %s）：每个单位只能有一行。", name, im.seen[name])
		return
	}
	im.seen[name] = fmt.Sprintf("%s%d", ac, n)
	if im.firstRow == 0 {
		im.firstRow = n
	}
	im.lastRow = n
	computed := im.opts.Computed[i]
	grade := store.Grade(gradeText)
	switch {
	case !grade.Valid():
		im.refuse(gc, n, "“%s”的等级“%s”不对：只能是优秀、良好、合格或不合格。", name, gradeText)
	case grade != store.GradeFail && computed.Rank == 0:
		im.refuse(gc, n, "“%s”的状态是“%s”，按通知视为考核成绩不合格，等级只能是不合格。", name, computed.State)
	}
	quota, ok := parseQuota(quotaText)
	switch {
	case !ok:
		im.refuse(im.quotaCol, n, "“%s”的名额“%s”不对：应为 0 或正整数。", name, quotaText)
	case grade == store.GradeFail && quota > 0:
		im.refuse(im.quotaCol, n, "“%s”的等级是不合格，名额应为 0，现为 %d。", name, quota)
	}
	im.quotaTotal += quota
	im.out[i].Grade, im.out[i].Quota = grade, quota
}

// checkComplete refuses a workbook that lacks agencies or whose quotas no
// longer add up.
func (im *approval) checkComplete() {
	var missing []string
	for _, c := range im.opts.Computed {
		if im.seen[c.Agency] == "" {
			missing = append(missing, c.Agency)
		}
	}
	if len(missing) > 0 {
		shown := missing
		if len(shown) > 10 {
			shown = shown[:10]
		}
		msg := fmt.Sprintf("考核结果表缺少 %d 个单位：%s", len(missing), strings.Join(shown, "、"))
		if len(missing) > len(shown) {
			msg += " 等"
		}
		im.errs = append(im.errs, ImportError{Sheet: SheetResults, Message: msg + "。请不要删除行。"})
		return
	}
	want := im.opts.Total
	if !slicesContainsPassing(im.out) {
		want = 0 // nobody may take a quota
	}
	if len(im.errs) == 0 && im.quotaTotal != want {
		ref := fmt.Sprintf("%s%d:%s%d", im.quotaCol, im.firstRow, im.quotaCol, im.lastRow)
		im.errs = append(im.errs, ImportError{Sheet: SheetResults, Cell: ref,
			Message: fmt.Sprintf("%s!%s：各单位优秀个人名额相加为 %d，应等于名额总数 %d：请调整后重新发送。", SheetResults, ref, im.quotaTotal, want)})
	}
}

func slicesContainsPassing(rs []store.FinalResult) bool {
	for _, r := range rs {
		if r.Grade != store.GradeFail {
			return true
		}
	}
	return false
}

// parseQuota reads a quota cell: blank is 0; "3" or "3.0" is 3.
func parseQuota(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 1e6 {
		return 0, false
	}
	return int(f), true
}

func indexOf(cells []string, header string) int {
	for i, c := range cells {
		if strings.TrimSpace(c) == header {
			return i
		}
	}
	return -1
}

func cell(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// ImportOptions say where an approved workbook came from.
type ImportOptions struct {
	Source string // the file name, or the mail and attachment it came in
	By     string // who: the operator's login or the staff address
	Total  int    // results.individual_quota in effect
}

// ImportReport is what an import did, for the terminal or the reply mail.
type ImportReport struct {
	// Summary says in Chinese what was approved or why nothing was.
	Summary string
	Refused []ImportError // empty when the approval was stored
	Changed []string      // one Chinese line per agency the approval changed
}

// ErrNotComputed says no results were computed for the season yet.
var ErrNotComputed = errors.New("results not computed")

// Import reads an edited results workbook (data) and, when every cell is
// acceptable, stores it as the season's approved (审定) results. A refused
// workbook changes nothing; the report names every refused cell. The error
// is for what the sender cannot fix (the store); ErrNotComputed when
// `kaohe results` has not run for the season.
func Import(ctx context.Context, st *store.Store, season int, data []byte, opts ImportOptions) (ImportReport, error) {
	computed, _, err := st.ComputedResults(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	if len(computed) == 0 {
		return ImportReport{Summary: fmt.Sprintf("%d 年度尚未生成考核结果（kaohe results），无法审定。", season)}, ErrNotComputed
	}
	approved, refused := ReadApproval(bytes.NewReader(data), ApprovalOptions{Season: season, Computed: computed, Total: opts.Total})
	if len(refused) > 0 {
		return ImportReport{Refused: refused,
			Summary: fmt.Sprintf("考核结果表中有 %d 处问题，全部未导入，请改正后重新发送：", len(refused))}, nil
	}
	if err := st.ApproveResults(ctx, approved, store.ResultsRun{By: opts.By, Source: opts.Source}); err != nil {
		return ImportReport{}, err
	}
	return approvedReport(season, computed, approved, opts.Total), nil
}

// approvedReport says what an approval stored.
func approvedReport(season int, computed, approved []store.FinalResult, total int) ImportReport {
	rep := ImportReport{Changed: changes(computed, approved)}
	rep.Summary = fmt.Sprintf("已审定 %d 年度考核结果：%d 个单位，优秀个人名额共 %d 个", season, len(approved), total)
	if len(rep.Changed) > 0 {
		rep.Summary += fmt.Sprintf("；主任办公会调整了 %d 个单位的等级或名额。", len(rep.Changed))
	} else {
		rep.Summary += "，与计算结果相同。"
	}
	return rep
}

// changes describes how approved differs from computed, agency by agency.
func changes(computed, approved []store.FinalResult) []string {
	var out []string
	for i, c := range computed {
		a := approved[i]
		var parts []string
		if a.Grade != c.Grade {
			parts = append(parts, fmt.Sprintf("等级 %s → %s", c.Grade, a.Grade))
		}
		if a.Quota != c.Quota {
			parts = append(parts, fmt.Sprintf("名额 %d → %d", c.Quota, a.Quota))
		}
		if len(parts) > 0 {
			out = append(out, c.Agency+"："+strings.Join(parts, "，"))
		}
	}
	return out
}
