package formdef

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"kaohe/templates"
)

// Draft reads the office's blank workbook and writes a first definition of
// its form: title, columns, fields, sections, indicators with their caps,
// departments and verbatim criteria, and allowed scores guessed from the
// criteria. What base (last year's form; nil for none) defined under the
// same label or the same criteria is carried over: field ids and checks,
// groups, derivation rules. Every guess to check is marked "# 请核对：" with
// the reason. The draft is for a person to finish; `kaohe form check` says
// what is still wrong.
func Draft(blank []byte, base *templates.Form) ([]byte, error) {
	g, err := readBlank(blank)
	if err != nil {
		return nil, err
	}
	d, err := readDraft(g)
	if err != nil {
		return nil, err
	}
	w := &draftWriter{d: d, base: base}
	w.write()
	return w.b.Bytes(), nil
}

type draftWriter struct {
	d    *drafted
	base *templates.Form
	b    bytes.Buffer
	ids  map[string]string // draft field label → id
}

func (w *draftWriter) p(format string, a ...any) { fmt.Fprintf(&w.b, format+"\n", a...) }

// q quotes a string as YAML: a JSON string is a YAML double-quoted scalar,
// and keeps the text verbatim on one line.
func q(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func nums(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = num(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func check(why string) string {
	if why == "" {
		return ""
	}
	return "  # 请核对：" + why
}

func (w *draftWriter) write() {
	d := w.d
	w.p("# 考核表定义草稿：由 kaohe form draft 按办事处的空白考核表生成。")
	w.p("# 逐条核对标有“请核对”的行，改好后运行 kaohe form check 本文件，直到没有问题。")
	if w.base != nil {
		w.p("# 与 %d 年度定义同名的字段、同样考核标准的指标，沿用了 %d 年度的设置。", w.base.Year, w.base.Year)
	}
	w.p("# 各键的含义和推导规则（derive）见 README 的 “Next year's form” 一节。")
	for _, warn := range d.warnings {
		w.p("# 请核对：%s", warn)
	}
	year := d.year
	if year == 0 {
		w.p("year: 0  # 请核对：标题中没有年度，请填上考核年度，如 2022")
	} else {
		w.p("year: %d", year)
	}
	w.p("title: %s", q(d.title))
	w.p("# 通知发布日和截止时刻（可不填；配置的 campaign.cutoff 优先）：")
	w.p("# issued: \"%d-12-13\"", max(year, 2000))
	w.p("# cutoff: \"%d-01-06T00:00:00+08:00\"", max(year, 2000)+1)
	w.p("total_label: %s", q(d.totalLabel))
	w.p("total_cap: %s", num(d.totalCap))
	w.p("columns:")
	for _, kv := range [][2]string{{"section", d.cols.Section}, {"criteria", d.cols.Criteria}, {"department", d.cols.Department}, {"cap", d.cols.Cap}, {"self", d.cols.Self}} {
		why := ""
		if kv[1] == "" {
			why = "表头中找不到这一栏"
		}
		w.p("  %s: %s%s", kv[0], q(kv[1]), check(why))
	}
	if d.note != "" {
		w.p("note: %s", q(d.note))
	}
	w.p("basic_label: %s%s", q(d.basicLabel), check(map[bool]string{true: "表中找不到“基本情况”"}[d.basicLabel == ""]))
	w.writeFields()
	w.writeSections()
}

func (w *draftWriter) baseField(label string) (templates.Field, bool) {
	if w.base == nil {
		return templates.Field{}, false
	}
	for _, fd := range w.base.Fields {
		if norm(fd.Label) == norm(label) {
			return fd, true
		}
	}
	return templates.Field{}, false
}

func (w *draftWriter) groupID(g draftGroup) string {
	if w.base != nil && g.label != "" {
		for _, bg := range w.base.Groups {
			if norm(bg.Label) == g.label {
				return bg.ID
			}
		}
	}
	return g.id
}

func (w *draftWriter) writeFields() {
	d := w.d
	groupIDs := map[string]string{}
	w.p("groups:")
	for _, g := range d.groups {
		id := w.groupID(g)
		groupIDs[g.id] = id
		w.p("  - id: %s", id)
		w.p("    label: %s", q(g.label))
	}
	// Ids first: at_most and ratio name other fields.
	w.ids = map[string]string{}
	for i, f := range d.fields {
		if bf, ok := w.baseField(f.label); ok {
			w.ids[f.label] = bf.ID
		} else {
			w.ids[f.label] = fmt.Sprintf("field_%d", i+1)
		}
	}
	known := map[string]bool{}
	for _, id := range w.ids {
		known[id] = true
	}
	activities := false
	w.p("fields:")
	for _, f := range d.fields {
		bf, carried := w.baseField(f.label)
		parts := []string{"id: " + w.ids[f.label], "label: " + q(f.label), "group: " + groupIDs[f.group]}
		kind, unit := f.kind, f.unit
		var why []string
		if carried {
			kind = bf.Kind
			if unit == "" {
				unit = bf.Unit
			}
		} else {
			why = append(why, "新字段：id 是暂定的，请核对 kind、unit、required 和交叉核对（at_most、ratio 等）")
		}
		parts = append(parts, "kind: "+string(kind))
		if unit != "" {
			parts = append(parts, "unit: "+q(unit))
		}
		if !carried || bf.Required {
			parts = append(parts, "required: true")
		}
		if carried {
			if bf.Max != nil {
				parts = append(parts, "max: "+num(*bf.Max))
			}
			if bf.AtMost != "" {
				if known[bf.AtMost] {
					parts = append(parts, "at_most: "+bf.AtMost)
				} else {
					why = append(why, fmt.Sprintf("上一年度的 at_most: %s 所指字段本表没有，已去掉", bf.AtMost))
				}
			}
			if bf.Activity {
				parts = append(parts, "activity: true")
				activities = true
			}
			if r := bf.Ratio; r != nil {
				if known[r.Part] && known[r.Whole] {
					parts = append(parts, fmt.Sprintf("ratio: {part: %s, whole: %s, tolerance: %s}", r.Part, r.Whole, num(r.Tolerance)))
				} else {
					why = append(why, "上一年度的 ratio 所指字段本表没有，已去掉")
				}
			}
			if bf.JoinedActivities {
				parts = append(parts, "joined_activities: true")
			}
		}
		w.p("  - {%s}%s", strings.Join(parts, ", "), check(strings.Join(why, "；")))
	}
	if activities && w.base != nil && w.base.ActivityLabel != "" {
		w.p("activity_label: %s", q(w.base.ActivityLabel))
	}
	if _, ok := w.ids["考核单位"]; !ok || w.ids["考核单位"] != "unit" {
		w.p("# 请核对：须有一个 id 为 unit、kind 为 text 的字段（考核单位）")
	}
}

func (w *draftWriter) writeSections() {
	w.p("sections:")
	for i, s := range w.d.sections {
		w.p("  - id: %s", q(strconv.Itoa(i+1)))
		w.p("    name: %s", q(s.name))
		w.p("    cap: %s%s", num(s.cap), check(s.capUnsure))
		if strings.Contains(s.name, "加分") {
			w.p("    bonus: true")
		}
		w.p("    indicators:")
		for _, ind := range s.indicators {
			w.p("      - id: %s", q(ind.id))
			w.p("        criteria: %s", q(ind.criteria))
			deps := make([]string, len(ind.departments))
			for i, dep := range ind.departments {
				deps[i] = q(dep)
			}
			why := ""
			if len(deps) == 0 {
				why = "考核部门一栏是空的"
			}
			w.p("        departments: [%s]%s", strings.Join(deps, ", "), check(why))
			w.p("        cap: %s%s", num(ind.cap), check(ind.capUnsure))
			g := GuessAllowed(ind.criteria, ind.cap)
			w.p("        allowed: %s%s", nums(g.Allowed), check(g.Unsure))
			w.writeDerive(ind)
		}
	}
}

// writeDerive carries last year's rule of an indicator with the same
// criteria, or says where the text suggests one.
func (w *draftWriter) writeDerive(ind draftIndicator) {
	if w.base != nil {
		for _, bi := range w.base.Indicators() {
			if bi.Derive == nil || norm(bi.Criteria) != norm(ind.criteria) {
				continue
			}
			block := deriveBlock(w.base.Definition(), bi.Line)
			if len(block) == 0 {
				break
			}
			w.p("        # 请核对：推导规则沿用 %d 年度同样考核标准的指标 %s，所用字段须在本表中", w.base.Year, bi.ID)
			for _, l := range block {
				w.p("%s", l)
			}
			return
		}
	}
	if table, ok := proposeCountTable(ind.criteria, ind.cap); ok {
		fallback := "参加保障活动一栏的字段id"
		for label, id := range w.ids {
			if bf, carried := w.baseField(label); carried && bf.JoinedActivities {
				fallback = id
			}
		}
		w.p("        # 请核对：考核标准按参加的活动项数计分，建议的推导规则如下；核对后去掉各行开头的 # 启用（各活动字段须标 activity: true）")
		w.p("        # derive:")
		w.p("        #   rule: count_table")
		w.p("        #   fallback: %s", fallback)
		w.p("        #   table:")
		for _, row := range table {
			w.p("        #     - {at_least: %s, score: %s}", num(row[0]), num(row[1]))
		}
		return
	}
	for _, hint := range []string{"保障活动", "全员参加", "覆盖面", "参加人数"} {
		if strings.Contains(ind.criteria, hint) {
			w.p("        # 请核对：考核标准提到“%s”，可能应由基本情况计算得分：加 derive 规则（见 README）或确认不需要", hint)
			return
		}
	}
}

// deriveBlock returns the lines of the derive key of the indicator that
// starts at line (1-based) in src, re-indented under an indicator at the
// draft's depth.
func deriveBlock(src []byte, line int) []string {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	start := indent(lines[line-1]) // the "- id:" line
	var out []string
	depth := -1
	for i := line; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if indent(l) <= start {
			break // the next indicator or section
		}
		if depth < 0 {
			if strings.HasPrefix(strings.TrimSpace(l), "derive:") {
				depth = indent(l)
				out = append(out, strings.Repeat(" ", 8)+strings.TrimSpace(l))
			}
			continue
		}
		if indent(l) <= depth {
			break
		}
		out = append(out, strings.Repeat(" ", 8+indent(l)-depth)+strings.TrimSpace(l))
	}
	return out
}
