package formdef

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// MaxBlankSize bounds the office's blank workbook that Draft reads.
const MaxBlankSize = 20 << 20

// sheetGrid is the text of one sheet, row by row.
type sheetGrid struct {
	name string
	rows [][]string
}

func (g *sheetGrid) cell(r, c int) string {
	if r < 0 || r >= len(g.rows) || c < 0 || c >= len(g.rows[r]) {
		return ""
	}
	return g.rows[r][c]
}

// readBlank opens the workbook and returns the sheet that holds the form:
// the first visible sheet with 考核表 in its top rows, else the first.
func readBlank(data []byte) (*sheetGrid, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, fmt.Errorf("不是可以读取的 .xlsx 工作簿（.xls、.et 等请先用 Excel 或 WPS 另存为“Excel 工作簿(*.xlsx)”）：%v", err)
	}
	defer f.Close()
	var first *sheetGrid
	for _, name := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(name); !v {
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			continue
		}
		g := &sheetGrid{name: name, rows: rows}
		if first == nil {
			first = g
		}
		for r := 0; r < len(rows) && r < 5; r++ {
			for _, v := range rows[r] {
				if strings.Contains(norm(v), "考核表") {
					return g, nil
				}
			}
		}
	}
	if first == nil {
		return nil, fmt.Errorf("工作簿中没有可见的工作表")
	}
	return first, nil
}

// norm folds a cell for matching: no white space, ASCII brackets and colons.
func norm(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r == '（':
			b.WriteRune('(')
		case r == '）':
			b.WriteRune(')')
		case r == '：':
			b.WriteRune(':')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// verbatim is a cell's text as the form should quote it: line breaks typed
// into the cell for layout dropped, ends trimmed.
func verbatim(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return strings.TrimSpace(strings.Join(lines, ""))
}

// units are the words a unit-only cell or a label's bracket may hold.
var units = map[string]bool{"个": true, "人": true, "项": true, "%": true, "％": true, "家": true, "次": true, "元": true, "万元": true, "份": true, "篇": true, "人次": true}

func isUnit(s string) bool { return units[norm(s)] }

var labelUnit = regexp.MustCompile(`^(.+?)\(([^()]{1,3})\)$`)

// splitUnit takes a unit in brackets off a label: "职工总数（人）" is the
// label 职工总数 with unit 人.
func splitUnit(label string) (string, string) {
	n := strings.TrimRight(norm(label), ":")
	if m := labelUnit.FindStringSubmatch(n); m != nil && isUnit(m[2]) {
		u := m[2]
		if u == "％" {
			u = "%"
		}
		return m[1], u
	}
	return n, ""
}

var (
	sectionLabel   = regexp.MustCompile(`^(.+?)\((\d+(?:\.\d+)?)分\)$`)
	sectionOrdinal = regexp.MustCompile(`^(?:[一二三四五六七八九十]+|\d+)[、.．]`)
)

// parseSection reads "组织机构管理（15分）" or "一、组织机构管理（15分）"; cap is
// 0 when the label has none.
func parseSection(s string) (name string, cap float64) {
	n := sectionOrdinal.ReplaceAllString(norm(s), "")
	if m := sectionLabel.FindStringSubmatch(n); m != nil {
		cap, _ = strconv.ParseFloat(m[2], 64)
		return m[1], cap
	}
	return n, 0
}

func number(s string) (float64, bool) {
	n := strings.TrimSuffix(norm(s), "分")
	v, err := strconv.ParseFloat(n, 64)
	return v, err == nil
}

// departments splits a 考核部门 cell: "组织机构部、\n合规部".
func departments(s string) []string {
	var out []string
	for _, d := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == '，' || r == ',' || r == '/' || r == '；' || r == ';' || unicode.IsSpace(r)
	}) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// column roles in the indicator table's header.
type role int

const (
	roleNone role = iota
	roleID
	roleSection
	roleCriteria
	roleDepartment
	roleCap
	roleSelf
)

// headerRole names what a header cell heads; the order of the tests
// matters: 考核内容及标准 is criteria, 标准分 is the cap.
func headerRole(s string) role {
	n := norm(s)
	if i := strings.IndexByte(n, '('); i > 0 {
		n = n[:i]
	}
	switch {
	case n == "":
		return roleNone
	case n == "序号" || n == "编号" || n == "指标编号":
		return roleID
	case strings.HasPrefix(n, "自评"):
		return roleSelf
	case n == "标准分" || n == "分值" || n == "满分" || n == "分数" || n == "标准分值":
		return roleCap
	case strings.Contains(n, "标准") || n == "考核内容" || n == "评分细则":
		return roleCriteria
	case strings.Contains(n, "部门"):
		return roleDepartment
	case n == "内容" || n == "项目" || n == "考核项目" || n == "类别" || n == "考核内容类别":
		return roleSection
	}
	return roleNone
}
