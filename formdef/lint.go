package formdef

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"kaohe/templates"
	"kaohe/validate"
)

// Problem is one fault of a definition; Line is 0 when it has no place in
// the file (a fault of the form as a whole).
type Problem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// String is the problem as `kaohe form check` prints it.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("第 %d 行：%s", p.Line, p.Message)
	}
	return p.Message
}

// Result is what Check found.
type Result struct {
	// Form is the definition as read; nil when it is unreadable.
	Form *templates.Form
	// Unreadable is set when the file is not YAML of a form at all.
	Unreadable bool
	Problems   []Problem
	// RoundTrip is set when the blank form written from the definition was
	// read back with every field and indicator found.
	RoundTrip bool
}

// Check lints a form definition: every fault at once, in Chinese, with the
// line it is on. A definition without faults is then proven the way a
// season uses it: its blank form is written, read back, and a form filled
// on it is checked.
func Check(data []byte) Result {
	res, form := lint(data)
	if form == nil {
		return res
	}
	res.Form = form
	res.Problems = roundTrip(form)
	res.RoundTrip = len(res.Problems) == 0
	return res
}

// lint runs the checks that need no workbook; form is the loaded form when
// they and the loader find nothing wrong.
func lint(data []byte) (Result, *templates.Form) {
	f, err := templates.Decode(data)
	if err != nil {
		return Result{Unreadable: true, Problems: []Problem{yamlProblem(err)}}, nil
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // Decode read it
	l := &linter{f: f, top: topLines(&root)}
	l.header()
	l.fields()
	l.labels()
	l.sections()
	l.references()
	res := Result{Form: f, Problems: l.problems}
	if len(res.Problems) > 0 {
		return res, nil
	}
	// What the lints above do not cover (the derivation rules' own
	// parameters, dates) the loader still refuses.
	form, err := templates.Parse(data)
	if err != nil {
		res.Problems = loadProblems(f, l.top, err)
		return res, nil
	}
	return res, form
}

type linter struct {
	f        *templates.Form
	top      map[string]int // line of each top-level key
	problems []Problem
}

func (l *linter) add(line int, format string, a ...any) {
	l.problems = append(l.problems, Problem{Line: line, Message: fmt.Sprintf(format, a...)})
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlProblem says where the YAML itself is broken.
func yamlProblem(err error) Problem {
	p := Problem{Message: "不是可以读取的考核表定义（YAML 格式有误）：" + strings.TrimPrefix(err.Error(), "parse form: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
	}
	return p
}

// loadProblems turns the loader's refusals, one a line, into problems.
func loadProblems(f *templates.Form, top map[string]int, err error) []Problem {
	var out []Problem
	for _, msg := range strings.Split(err.Error(), "\n") {
		if msg = strings.TrimSpace(msg); msg != "" {
			out = append(out, loadProblem(f, top, msg))
		}
	}
	return out
}

// topLines maps each top-level key of the document to its line.
func topLines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		out[m.Content[i].Value] = m.Content[i].Line
	}
	return out
}

func (l *linter) header() {
	f := l.f
	if f.Year < 2000 || f.Year > 2999 {
		l.add(l.top["year"], "year 应是考核年度，如 year: 2022（现为 %d）", f.Year)
	}
	if strings.TrimSpace(f.Title) == "" {
		l.add(l.top["title"], "缺少 title：表头标题，如 2022年度职工互助保障工作代办处考核表")
	} else if !strings.Contains(f.Title, strconv.Itoa(f.Year)) {
		l.add(l.top["title"], "标题「%s」中没有年度 %d：程序靠标题中的年度分辨各年的表", f.Title, f.Year)
	}
	for _, kv := range [][2]string{{"total_label", f.TotalLabel}, {"columns.section", f.Columns.Section},
		{"columns.criteria", f.Columns.Criteria}, {"columns.department", f.Columns.Department}, {"columns.cap", f.Columns.Cap}, {"columns.self", f.Columns.Self}} {
		if strings.TrimSpace(kv[1]) == "" {
			top, _, _ := strings.Cut(kv[0], ".")
			l.add(l.top[top], "缺少 %s：表上这一栏的名称", kv[0])
		}
	}
}

func (l *linter) fields() {
	groups := map[string]bool{}
	for _, g := range l.f.Groups {
		groups[g.ID] = true
	}
	seen := map[string]int{}
	hasUnit := false
	for _, fd := range l.f.Fields {
		switch {
		case fd.ID == "":
			l.add(fd.Line, "字段「%s」缺少 id", fd.Label)
		case seen[fd.ID] > 0:
			l.add(fd.Line, "字段 id %s 重复（第 %d 行已用过）", fd.ID, seen[fd.ID])
		default:
			seen[fd.ID] = fd.Line
		}
		if strings.TrimSpace(fd.Label) == "" {
			l.add(fd.Line, "字段 %s 缺少 label：表上的名称，如 职工总数", fd.ID)
		}
		switch fd.Kind {
		case templates.KindText, templates.KindDate, templates.KindCount, templates.KindPercent, templates.KindSign:
		default:
			l.add(fd.Line, "字段 %s 的 kind「%s」不认识：应是 text、date、count、percent 或 sign", fd.ID, fd.Kind)
		}
		if !groups[fd.Group] {
			l.add(fd.Line, "字段 %s 的 group「%s」不在 groups 中", fd.ID, fd.Group)
		}
		if fd.ID == "unit" && fd.Kind == templates.KindText {
			hasUnit = true
		}
	}
	if !hasUnit {
		l.add(l.top["fields"], "缺少 id 为 unit、kind 为 text 的字段（考核单位）：回执、名单和计分都靠它认出代办处")
	}
}

// labels applies the reader's rule: a field's label is looked for cell by
// cell, and a cell holding another label followed by a note in brackets, a
// colon or a number is taken for it. Activities are looked for only from
// their group's heading down to the table.
func (l *linter) labels() {
	type named struct {
		what, text string
		line       int
		group      int // index of the field's group; -1 for the form's own labels
	}
	groupIndex := map[string]int{}
	for i, g := range l.f.Groups {
		groupIndex[g.ID] = i
	}
	var all []named
	for _, fd := range l.f.Fields {
		all = append(all, named{"字段 " + fd.ID, fd.Label, fd.Line, groupIndex[fd.Group]})
	}
	for _, g := range l.f.Groups {
		all = append(all, named{"分组 " + g.ID, g.Label, l.top["groups"], -1})
	}
	all = append(all, named{"basic_label", l.f.BasicLabel, l.top["basic_label"], -1}, named{"total_label", l.f.TotalLabel, l.top["total_label"], -1})
	for _, fd := range l.f.Fields {
		if strings.TrimSpace(fd.Label) == "" {
			continue
		}
		for _, o := range all {
			if o.line == fd.Line && o.text == fd.Label || strings.TrimSpace(o.text) == "" {
				continue
			}
			// An activity is looked for from its group on: labels of
			// earlier groups are out of its way.
			if fd.Activity && o.group >= 0 && o.group < groupIndex[fd.Group] {
				continue
			}
			switch {
			case !validate.LabelFoundAt(fd.Label, o.text):
			case validate.LabelFoundAt(o.text, fd.Label):
				// The same once folded: said once, at the later of the two.
				if o.line < fd.Line || o.group < 0 {
					l.add(fd.Line, "字段 %s 的名称「%s」与%s 的「%s」（第 %d 行）相同：程序在表上分不清两者，请改得不同",
						fd.ID, fd.Label, o.what, o.text, o.line)
				}
			default:
				l.add(fd.Line, "字段 %s 的名称「%s」与%s 的「%s」（第 %d 行）太像：程序在表上找「%s」时可能找到「%s」。请改得能区分开，不要让一个名称是另一个名称加括号、冒号或数字",
					fd.ID, fd.Label, o.what, o.text, o.line, fd.Label, o.text)
			}
		}
	}
}

func (l *linter) sections() {
	f := l.f
	secSeen := map[string]int{}
	indSeen := map[string]int{}
	var inds []templates.Indicator
	var total float64
	for _, s := range f.Sections {
		if s.ID == "" {
			l.add(s.Line, "部分「%s」缺少 id", s.Name)
		} else if secSeen[s.ID] > 0 {
			l.add(s.Line, "部分 id %s 重复（第 %d 行已用过）", s.ID, secSeen[s.ID])
		} else {
			secSeen[s.ID] = s.Line
		}
		if strings.TrimSpace(s.Name) == "" {
			l.add(s.Line, "部分 %s 缺少 name，如 组织机构管理", s.ID)
		}
		var sum float64
		for _, ind := range s.Indicators {
			sum += ind.Cap
			inds = append(inds, ind)
			switch {
			case ind.ID == "":
				l.add(ind.Line, "部分 %s 中有指标缺少 id", s.ID)
			case indSeen[ind.ID] > 0:
				l.add(ind.Line, "指标 id %s 重复（第 %d 行已用过）", ind.ID, indSeen[ind.ID])
			default:
				indSeen[ind.ID] = ind.Line
			}
			l.indicator(ind)
		}
		if len(s.Indicators) == 0 {
			l.add(s.Line, "部分 %s「%s」没有指标", s.ID, s.Name)
		} else if !same(sum, s.Cap) {
			l.add(s.Line, "部分 %s「%s」各指标标准分合计 %g，与该部分的分值 cap: %g 不符", s.ID, s.Name, sum, s.Cap)
		}
		total += s.Cap
	}
	if len(f.Sections) == 0 {
		l.add(l.top["sections"], "没有 sections：考核表至少要有一个部分")
	}
	if !same(total, f.TotalCap) {
		l.add(l.top["total_cap"], "各部分分值合计 %g，与总分值 total_cap: %g 不符", total, f.TotalCap)
	}
	for i, a := range inds {
		if validate.CriteriaTooShort(a.Criteria) {
			continue // said by indicator
		}
		for j, b := range inds {
			if i != j && validate.CriteriaConfusable(a.Criteria, b.Criteria) && (i < j || !validate.CriteriaConfusable(b.Criteria, a.Criteria)) {
				l.add(a.Line, "指标 %s 的考核标准与指标 %s（第 %d 行）的相同或被它包含：程序靠考核标准的文字在表上找到各指标的行，两者须能区分", a.ID, b.ID, b.Line)
			}
		}
	}
}

func (l *linter) indicator(ind templates.Indicator) {
	if strings.TrimSpace(ind.Criteria) == "" {
		l.add(ind.Line, "指标 %s 缺少 criteria：考核标准的原文", ind.ID)
	} else if validate.CriteriaTooShort(ind.Criteria) {
		l.add(ind.Line, "指标 %s 的考核标准「%s」太短：程序靠考核标准的文字找到指标所在的行，请照表上原文写全", ind.ID, ind.Criteria)
	}
	if len(ind.Departments) == 0 {
		l.add(ind.Line, "指标 %s 缺少 departments：考核部门，如 [会员服务部]", ind.ID)
	}
	if ind.Cap <= 0 {
		l.add(ind.Line, "指标 %s 的标准分 cap 应大于 0（现为 %g）", ind.ID, ind.Cap)
	}
	switch a := ind.Allowed; {
	case len(a) == 0:
		l.add(ind.Line, "指标 %s 缺少 allowed：按考核标准可以得的分数，从 0 到标准分，如 [0, 1, 2, 3]", ind.ID)
	case a[0] < 0:
		l.add(ind.Line, "指标 %s 的可得分数 %s 中有负数", ind.ID, scores(a))
	case !same(a[len(a)-1], ind.Cap):
		l.add(ind.Line, "指标 %s 的可得分数 %s 最高为 %g，应止于标准分 %g", ind.ID, scores(a), a[len(a)-1], ind.Cap)
	}
}

// references checks that every field a cross-field check or a derivation
// rule names exists.
func (l *linter) references() {
	f := l.f
	has := func(id string) bool { _, ok := f.Field(id); return ok }
	for _, fd := range f.Fields {
		if fd.AtMost != "" && !has(fd.AtMost) {
			l.add(fd.Line, "字段 %s 的 at_most 指向不存在的字段 %s", fd.ID, fd.AtMost)
		}
		if r := fd.Ratio; r != nil {
			for _, kv := range [][2]string{{"part", r.Part}, {"whole", r.Whole}} {
				if !has(kv[1]) {
					l.add(fd.Line, "字段 %s 的 ratio.%s 指向不存在的字段「%s」", fd.ID, kv[0], kv[1])
				}
			}
		}
	}
	for _, ind := range f.Indicators() {
		d := ind.Derive
		if d == nil {
			continue
		}
		rules := map[string]*templates.Rule{"": d.All}
		if d.All == nil {
			rules = map[string]*templates.Rule{}
			for t, r := range d.ByType {
				rules[t+" 的"] = r
			}
		}
		keys := make([]string, 0, len(rules))
		for k := range rules {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, t := range keys {
			r := rules[t]
			named := map[string][]string{"needs": r.Needs, "fallback": {r.Fallback}, "part": {r.Part}, "whole": {r.Whole}, "field": {r.Field}}
			for _, key := range []string{"needs", "fallback", "part", "whole", "field"} {
				for _, id := range named[key] {
					if id != "" && !has(id) {
						l.add(r.Line, "指标 %s %s推导规则 %s 的 %s 指向不存在的字段「%s」", ind.ID, t, r.Kind, key, id)
					}
				}
			}
		}
	}
}

func same(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func scores(a []float64) string {
	parts := make([]string, len(a))
	for i, v := range a {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
