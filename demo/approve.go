package demo

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// The results workbook's sheet and the columns the 主任办公会 may change
// (kaohe's results package names them the same).
const (
	resultsSheet = "考核结果"
	colAgency    = "考核单位"
	colGrade     = "等级"
	colQuota     = "优秀个人名额"
)

// ApproveResults is the 主任办公会's decision on the results workbook wb,
// written into it as a clerk does in Excel: one 优秀个人 moves from the
// agency with the most to the passing agency with the fewest (the first of
// each in the workbook's order), so that the total stays as it was. It
// returns the workbook saved again and what was changed, in Chinese.
func ApproveResults(wb []byte) ([]byte, string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		return nil, "", fmt.Errorf("open results workbook: %w", err)
	}
	defer f.Close()
	rows, err := f.GetRows(resultsSheet)
	if err != nil {
		return nil, "", fmt.Errorf("results workbook: %w", err)
	}
	head := -1
	var agency, grade, quota int
	for i, r := range rows {
		agency, grade, quota = slices.Index(r, colAgency), slices.Index(r, colGrade), slices.Index(r, colQuota)
		if agency >= 0 && grade >= 0 && quota >= 0 {
			head = i
			break
		}
	}
	if head < 0 {
		return nil, "", fmt.Errorf("results workbook: no header with %s, %s and %s", colAgency, colGrade, colQuota)
	}
	most, fewest := -1, -1
	quotas := map[int]int{}
	for i := head + 1; i < len(rows); i++ {
		r := rows[i]
		if max(agency, grade, quota) >= len(r) || r[agency] == "" || r[agency] == "合计" || r[grade] == "不合格" {
			continue
		}
		q, err := strconv.Atoi(r[quota])
		if err != nil {
			return nil, "", fmt.Errorf("results workbook row %d: quota %q", i+1, r[quota])
		}
		quotas[i] = q
		if most < 0 || q > quotas[most] {
			most = i
		}
		if fewest < 0 || q < quotas[fewest] {
			fewest = i
		}
	}
	if most < 0 || most == fewest || quotas[most] == 0 {
		return nil, "", fmt.Errorf("results workbook: no quota to move")
	}
	set := func(i, q int) error {
		cell, _ := excelize.CoordinatesToCellName(quota+1, i+1)
		return f.SetCellValue(resultsSheet, cell, q)
	}
	if err := set(most, quotas[most]-1); err != nil {
		return nil, "", err
	}
	if err := set(fewest, quotas[fewest]+1); err != nil {
		return nil, "", err
	}
	what := fmt.Sprintf("%s 优秀个人名额 %d→%d，%s %d→%d", rows[most][agency], quotas[most], quotas[most]-1,
		rows[fewest][agency], quotas[fewest], quotas[fewest]+1)
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		return nil, "", fmt.Errorf("save results workbook: %w", err)
	}
	return out.Bytes(), what, nil
}

// StaffResults is the staff member's mail to the office's mailbox with the
// results workbook as the 主任办公会 approved it, as the receiving server
// stamps it: the staff member's domain authenticated.
func StaffResults(wb []byte, at time.Time) ([]byte, error) {
	l := letter{fromName: "王明", from: Staff, to: Office, subject: "考核结果表（主任办公会已审定）",
		text: "考核结果表已经主任办公会审定，请导入。\n王明", date: at, msgID: "approve1." + Staff,
		header: map[string]string{
			"Authentication-Results": staffAuthenticated,
		},
		attachments: []attachment{{name: "考核结果（审定）.xlsx", contentType: xlsxType, data: wb}}}
	return l.outlook()
}
