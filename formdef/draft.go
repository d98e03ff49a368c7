package formdef

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"kaohe/templates"
)

// drafted is a definition read from the office's blank workbook, before it
// is written out.
type drafted struct {
	year                        int
	title                       string
	cols                        templates.Columns
	basicLabel                  string
	totalLabel                  string
	totalCap                    float64
	note                        string
	groups                      []draftGroup
	fields                      []draftField
	sections                    []draftSection
	warnings                    []string // 请核对 lines for the file's head
	headerRow, totalRow, titleR int
}

type draftGroup struct{ id, label string }

type draftField struct {
	label, group, unit string
	kind               templates.FieldKind
}

type draftSection struct {
	name       string
	cap        float64
	capUnsure  string
	indicators []draftIndicator
}

type draftIndicator struct {
	id, criteria string
	departments  []string
	cap          float64
	capUnsure    string
}

var titleYear = regexp.MustCompile(`(\d{4})\s*年`)

// readDraft finds the parts of the form on the sheet.
func readDraft(g *sheetGrid) (*drafted, error) {
	d := &drafted{titleR: -1, headerRow: -1, totalRow: -1}
	for r := 0; r < len(g.rows) && r < 5 && d.titleR < 0; r++ {
		for _, v := range g.rows[r] {
			if strings.Contains(norm(v), "考核表") {
				d.title, d.titleR = verbatim(v), r
				break
			}
		}
	}
	if d.titleR < 0 {
		return nil, fmt.Errorf("工作表「%s」前 5 行中没有考核表的标题（含“考核表”三字的单元格）", g.name)
	}
	if m := titleYear.FindStringSubmatch(d.title); m != nil {
		d.year, _ = strconv.Atoi(m[1])
	}
	roles := map[role]int{}
	for r := d.titleR + 1; r < len(g.rows) && d.headerRow < 0; r++ {
		found := map[role]int{}
		for c, v := range g.rows[r] {
			if k := headerRole(v); k != roleNone {
				if _, dup := found[k]; !dup {
					found[k] = c
				}
			}
		}
		_, crit := found[roleCriteria]
		_, capC := found[roleCap]
		if crit && capC {
			d.headerRow, roles = r, found
		}
	}
	if d.headerRow < 0 {
		return nil, fmt.Errorf("工作表「%s」中找不到指标表的表头（含“考核标准”和“标准分”的一行）", g.name)
	}
	head := func(k role) string {
		if c, ok := roles[k]; ok {
			return norm(g.cell(d.headerRow, c))
		}
		return ""
	}
	d.cols = templates.Columns{Section: head(roleSection), Criteria: head(roleCriteria), Department: head(roleDepartment), Cap: head(roleCap), Self: head(roleSelf)}
	if d.cols.Self == "" {
		d.cols.Self = "自评分"
		d.warnings = append(d.warnings, "表头中没有“自评分”一栏，暂写 自评分；代办处填写的自评分栏须与 columns.self 同名")
	}
	d.readIndicators(g, roles)
	d.readFields(g)
	return d, nil
}

// readIndicators reads the rows under the header down to the total.
func (d *drafted) readIndicators(g *sheetGrid, roles map[role]int) {
	col := func(r int, k role) string {
		if c, ok := roles[k]; ok {
			return g.cell(r, c)
		}
		return ""
	}
	var cur *draftSection
	for r := d.headerRow + 1; r < len(g.rows); r++ {
		if label, ok := totalLabel(g.rows[r]); ok {
			d.totalRow, d.totalLabel = r, label
			if v, ok := number(col(r, roleCap)); ok {
				d.totalCap = v
			} else {
				for _, c := range g.rows[r] {
					if v, ok := number(c); ok {
						d.totalCap = v
					}
				}
			}
			break
		}
		if s := strings.TrimSpace(col(r, roleSection)); s != "" {
			name, cap := parseSection(s)
			d.sections = append(d.sections, draftSection{name: name, cap: cap})
			cur = &d.sections[len(d.sections)-1]
			if cap == 0 {
				cur.capUnsure = "部分名称中没有写分值（如“组织机构管理（15分）”），暂按各指标标准分合计"
			}
		}
		crit := verbatim(col(r, roleCriteria))
		if crit == "" {
			continue
		}
		if cur == nil {
			d.sections = append(d.sections, draftSection{name: "未命名部分", capUnsure: "指标表第一行没有部分名称，请补上名称和分值"})
			cur = &d.sections[0]
		}
		ind := draftIndicator{criteria: crit, departments: departments(col(r, roleDepartment))}
		if v, ok := number(col(r, roleCap)); ok {
			ind.cap = v
		} else {
			ind.capUnsure = fmt.Sprintf("标准分一栏读不出数字（“%s”）", strings.TrimSpace(col(r, roleCap)))
		}
		if id := norm(col(r, roleID)); dottedID.MatchString(id) {
			ind.id = id
		} else {
			ind.id = fmt.Sprintf("%d.%d", len(d.sections), len(cur.indicators)+1)
		}
		cur.indicators = append(cur.indicators, ind)
	}
	var total float64
	for i := range d.sections {
		s := &d.sections[i]
		if s.cap == 0 {
			for _, ind := range s.indicators {
				s.cap += ind.cap
			}
		}
		total += s.cap
	}
	if d.totalRow < 0 || d.totalCap == 0 {
		d.totalCap = total
		d.totalLabel = "总分值"
		d.warnings = append(d.warnings, "表中找不到总分一行（如“总分值”），total_label 暂写 总分值，total_cap 暂按各部分合计")
	}
	for r := max(d.totalRow+1, d.headerRow+1); r < len(g.rows) && d.totalRow >= 0; r++ {
		for _, v := range g.rows[r] {
			if strings.HasPrefix(norm(v), "备注") && d.note == "" {
				d.note = verbatim(v)
			}
		}
	}
}

var dottedID = regexp.MustCompile(`^\d+(\.\d+)+$`)

// totalLabel recognises the total row: a cell 总分值, 总分 or 合计.
func totalLabel(row []string) (string, bool) {
	for _, v := range row {
		n := strings.TrimRight(norm(v), ":")
		if i := strings.IndexByte(n, '('); i > 0 {
			n = n[:i]
		}
		if n == "总分值" || n == "总分" || n == "合计" || n == "总计" {
			return n, true
		}
	}
	return "", false
}

// readFields reads the fields: the header lines above 基本情况, the groups of
// the 基本情况 block, and the signatures under the table.
func (d *drafted) readFields(g *sheetGrid) {
	basic := -1
	for r := d.titleR + 1; r < d.headerRow && basic < 0; r++ {
		for _, v := range g.rows[r] {
			if n := norm(v); n == "基本情况" || strings.HasPrefix(n, "基本情况") && len([]rune(n)) <= 8 {
				basic, d.basicLabel = r, n
				break
			}
		}
	}
	d.groups = append(d.groups, draftGroup{"header", ""})
	headerEnd := d.headerRow
	if basic >= 0 {
		headerEnd = basic
	}
	for r := d.titleR + 1; r < headerEnd; r++ {
		for _, v := range g.rows[r] {
			if label := labelBeforeColon(v); label != "" && !isUnit(v) {
				if _, isNum := number(v); isNum {
					continue
				}
				kind := templates.KindText
				if strings.Contains(label, "日期") || strings.Contains(label, "时间") {
					kind = templates.KindDate
				}
				d.fields = append(d.fields, draftField{label: label, group: "header", kind: kind})
			}
		}
	}
	if basic >= 0 {
		d.readBasicBlock(g, basic)
	}
	d.groups = append(d.groups, draftGroup{"signature", ""})
	if d.totalRow >= 0 {
		for r := d.totalRow + 1; r < len(g.rows); r++ {
			for _, v := range g.rows[r] {
				n := norm(v)
				if n == "" || strings.HasPrefix(n, "备注") {
					continue
				}
				if strings.Contains(n, ":") || strings.Contains(n, "盖章") || strings.Contains(n, "签字") || strings.Contains(n, "签名") {
					d.fields = append(d.fields, draftField{label: labelBeforeColon(v), group: "signature", kind: templates.KindSign})
				}
			}
		}
	}
}

// readBasicBlock reads the groups and fields between 基本情况 and the
// table's header: a group label stands in the block's first column with
// its fields to its right, each followed by its value cell and its unit.
func (d *drafted) readBasicBlock(g *sheetGrid, basic int) {
	left := -1
	for r := basic + 1; r < d.headerRow; r++ {
		for c, v := range g.rows[r] {
			if norm(v) != "" && (left < 0 || c < left) {
				left = c
				break
			}
		}
	}
	group := ""
	for r := basic + 1; r < d.headerRow; r++ {
		row := g.rows[r]
		for c := 0; c < len(row); c++ {
			v := row[c]
			n := norm(v)
			if n == "" || isUnit(v) {
				continue
			}
			if _, isNum := number(v); isNum {
				continue
			}
			if c == left && hasTextRight(row, c) {
				group = fmt.Sprintf("group_%d", len(d.groups))
				d.groups = append(d.groups, draftGroup{group, n})
				continue
			}
			label, unit := splitUnit(v)
			if unit == "" {
				for cc := c + 1; cc < len(row) && cc <= c+3; cc++ {
					if isUnit(row[cc]) {
						unit = norm(row[cc])
						if unit == "％" {
							unit = "%"
						}
						break
					}
					if norm(row[cc]) != "" {
						break
					}
				}
			}
			gid := group
			if gid == "" {
				gid = "header"
			}
			kind := templates.KindCount
			if unit == "%" || strings.HasSuffix(label, "率") {
				kind = templates.KindPercent
			}
			d.fields = append(d.fields, draftField{label: label, group: gid, kind: kind, unit: unit})
		}
	}
}

func hasTextRight(row []string, c int) bool {
	for cc := c + 1; cc < len(row); cc++ {
		if n := norm(row[cc]); n != "" && !isUnit(row[cc]) {
			return true
		}
	}
	return false
}

// labelBeforeColon is a label cell's label: "考核单位：________" is 考核单位.
func labelBeforeColon(v string) string {
	n := norm(v)
	if i := strings.IndexByte(n, ':'); i > 0 {
		n = n[:i]
	}
	label, _ := splitUnit(strings.Trim(n, "_＿"))
	return label
}
