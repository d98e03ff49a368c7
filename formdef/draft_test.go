package formdef

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	"kaohe/templates"
)

func blankOf(t *testing.T, f *templates.Form) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := templates.WriteBlank(f, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sameIndicators asserts what a draft must get right from the sheet alone:
// sections, ids, caps, criteria, departments and allowed sets.
func sameIndicators(t *testing.T, got, want *templates.Form) {
	t.Helper()
	if got.Year != want.Year || got.Title != want.Title || got.TotalCap != want.TotalCap || got.TotalLabel != want.TotalLabel || got.BasicLabel != want.BasicLabel {
		t.Errorf("head: %d %q %g %q %q, want %d %q %g %q %q", got.Year, got.Title, got.TotalCap, got.TotalLabel, got.BasicLabel,
			want.Year, want.Title, want.TotalCap, want.TotalLabel, want.BasicLabel)
	}
	if len(got.Sections) != len(want.Sections) {
		t.Fatalf("%d sections, want %d", len(got.Sections), len(want.Sections))
	}
	for i, s := range want.Sections {
		g := got.Sections[i]
		if g.ID != s.ID || g.Name != s.Name || g.Cap != s.Cap || g.Bonus != s.Bonus || len(g.Indicators) != len(s.Indicators) {
			t.Errorf("section %s: %s %q %g bonus %v with %d indicators, want %s %q %g bonus %v with %d", s.ID,
				g.ID, g.Name, g.Cap, g.Bonus, len(g.Indicators), s.ID, s.Name, s.Cap, s.Bonus, len(s.Indicators))
			continue
		}
		for j, ind := range s.Indicators {
			gi := g.Indicators[j]
			if gi.ID != ind.ID || gi.Cap != ind.Cap || gi.Criteria != ind.Criteria || !slices.Equal(gi.Departments, ind.Departments) || !slices.Equal(gi.Allowed, ind.Allowed) {
				t.Errorf("indicator %s: id %s cap %g allowed %v departments %v criteria %q\nwant cap %g allowed %v departments %v criteria %q",
					ind.ID, gi.ID, gi.Cap, gi.Allowed, gi.Departments, gi.Criteria, ind.Cap, ind.Allowed, ind.Departments, ind.Criteria)
			}
		}
	}
}

func fieldLabels(f *templates.Form) []string {
	var out []string
	for _, fd := range f.Fields {
		out = append(out, fd.Group+"/"+fd.Label+"/"+string(fd.Kind)+"/"+fd.Unit)
	}
	return out
}

// reviewMarks lists the 请核对 lines of a draft.
func reviewMarks(draft []byte) []string {
	var out []string
	for _, l := range strings.Split(string(draft), "\n") {
		if strings.Contains(l, "# 请核对") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// The blank kaohe writes for 2021, drafted with the 2021 form as last
// year's: the draft is the 2021 definition in every cap and allowed set,
// field and rule, and form check passes it; only the derived indicators
// (carried, or suggested by their text) are marked 请核对.
func TestDraftFromTheBlankKaoheWrites(t *testing.T) {
	t.Parallel()
	f2021 := templates.MustLoad(2021)
	draft, err := Draft(blankOf(t, f2021), f2021)
	if err != nil {
		t.Fatal(err)
	}
	got, err := templates.Decode(draft)
	if err != nil {
		t.Fatalf("%v\n%s", err, draft)
	}
	sameIndicators(t, got, f2021)
	if !slices.Equal(fieldLabels(got), fieldLabels(f2021)) {
		t.Errorf("fields %v\nwant %v", fieldLabels(got), fieldLabels(f2021))
	}
	if got.Columns != f2021.Columns || got.Note != f2021.Note || got.ActivityLabel != f2021.ActivityLabel {
		t.Errorf("columns %+v note %q activity label %q", got.Columns, got.Note, got.ActivityLabel)
	}
	for _, ind := range f2021.Indicators() {
		g, _ := got.Indicator(ind.ID)
		if (g.Derive == nil) != (ind.Derive == nil) {
			t.Errorf("indicator %s: derive %v, want %v", ind.ID, g.Derive != nil, ind.Derive != nil)
		}
	}
	for _, m := range reviewMarks(draft) {
		if !strings.Contains(m, "推导规则") && !strings.Contains(m, "derive") {
			t.Errorf("a 请核对 mark not about a derived indicator: %s", m)
		}
	}
	if res := Check(draft); len(res.Problems) > 0 || !res.RoundTrip {
		t.Errorf("form check on the draft: %s", problemList(res.Problems))
	}
}

// Without last year's form the draft still has every indicator, cap,
// label and allowed set; its fields get provisional ids and no rules, which
// form check reports. Completed with the 2021 file's fields and rules, it
// passes.
func TestDraftWithoutBaseCompletedPasses(t *testing.T) {
	t.Parallel()
	f2021 := templates.MustLoad(2021)
	draft, err := Draft(blankOf(t, f2021), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := templates.Decode(draft)
	if err != nil {
		t.Fatal(err)
	}
	sameIndicators(t, got, f2021)
	// 3.2 scores by the number of activities: its table is proposed,
	// commented out, as 2021 has it.
	for _, row := range []string{"#   rule: count_table", "#     - {at_least: 1, score: 1}", "#     - {at_least: 3, score: 2}",
		"#     - {at_least: 4, score: 4}", "#     - {at_least: 5, score: 6}", "#     - {at_least: 6, score: 8}"} {
		if !strings.Contains(string(draft), row) {
			t.Errorf("the draft does not propose %q", row)
		}
	}
	res := Check(draft)
	if len(res.Problems) == 0 {
		t.Fatal("a draft without field ids passed form check")
	}
	if !slices.ContainsFunc(res.Problems, func(p Problem) bool { return strings.Contains(p.Message, "缺少 id 为 unit") }) {
		t.Errorf("form check does not ask for the unit field: %s", problemList(res.Problems))
	}
	completed := mergeRules(t, draft, f2021.Definition())
	if res := Check(completed); len(res.Problems) > 0 || !res.RoundTrip {
		t.Errorf("completed draft: %s\n%s", problemList(res.Problems), completed)
	}
}

// mergeRules completes a draft as the IT person would from last year's
// file: its fields, groups and activity label, and each indicator's derive.
func mergeRules(t *testing.T, draft, from []byte) []byte {
	t.Helper()
	var d, f yaml.Node
	if err := yaml.Unmarshal(draft, &d); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(from, &f); err != nil {
		t.Fatal(err)
	}
	dm, fm := d.Content[0], f.Content[0]
	for _, key := range []string{"groups", "fields", "activity_label"} {
		setKey(dm, key, value(fm, key))
	}
	derives := map[string]*yaml.Node{}
	for _, s := range value(fm, "sections").Content {
		for _, ind := range value(s, "indicators").Content {
			if v := value(ind, "derive"); v != nil {
				derives[value(ind, "id").Value] = v
			}
		}
	}
	for _, s := range value(dm, "sections").Content {
		for _, ind := range value(s, "indicators").Content {
			if v := derives[value(ind, "id").Value]; v != nil {
				setKey(ind, "derive", v)
			}
		}
	}
	out, err := yaml.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// retyped writes the 2021 form as an office might retype it: a 序号 column
// with running numbers, other header words, units in the labels instead of
// unit cells, numbered section names, line breaks in the criteria cells.
func retyped(t *testing.T, f *templates.Form) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sh := "Sheet1"
	set := func(cell string, v any) {
		if err := x.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", f.Title)
	set("A2", "考核单位：__________")
	set("D2", "填报日期：")
	set("A3", "基本情况")
	r := 4
	for _, g := range f.Groups {
		fields := f.FieldsIn(g.ID)
		if g.Label == "" || len(fields) == 0 {
			continue
		}
		set(fmt.Sprintf("A%d", r), g.Label)
		for _, fd := range fields {
			label := fd.Label
			if fd.Unit != "" {
				label += "（" + fd.Unit + "）"
			}
			set(fmt.Sprintf("B%d", r), label)
			r++
		}
	}
	r++
	for i, h := range []string{"序号", "项目", "考核内容及评分标准", "考核部门", "分值", "自评得分"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, r)
		set(cell, h)
	}
	n := 0
	ordinals := []string{"一", "二", "三", "四"}
	for si, s := range f.Sections {
		for j, ind := range s.Indicators {
			r++
			n++
			set(fmt.Sprintf("A%d", r), n)
			if j == 0 {
				set(fmt.Sprintf("B%d", r), fmt.Sprintf("%s、%s\n（%g分）", ordinals[si], s.Name, s.Cap))
			}
			crit := []rune(ind.Criteria)
			set(fmt.Sprintf("C%d", r), string(crit[:len(crit)/2])+"\n"+string(crit[len(crit)/2:]))
			set(fmt.Sprintf("D%d", r), strings.Join(ind.Departments, "、\n"))
			set(fmt.Sprintf("E%d", r), ind.Cap)
		}
	}
	r++
	set(fmt.Sprintf("A%d", r), f.TotalLabel)
	set(fmt.Sprintf("E%d", r), f.TotalCap)
	r++
	set(fmt.Sprintf("A%d", r), f.Note)
	for _, fd := range f.FieldsIn("signature") {
		r++
		set(fmt.Sprintf("A%d", r), fd.Label+"：________")
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A layout kaohe did not write drafts to the same indicators, caps and
// allowed sets; the fields are found with their units, only derived
// indicators are marked, and the draft passes form check.
func TestDraftFromARetypedLayout(t *testing.T) {
	t.Parallel()
	f2021 := templates.MustLoad(2021)
	draft, err := Draft(retyped(t, f2021), f2021)
	if err != nil {
		t.Fatal(err)
	}
	got, err := templates.Decode(draft)
	if err != nil {
		t.Fatalf("%v\n%s", err, draft)
	}
	sameIndicators(t, got, f2021)
	if !slices.Equal(fieldLabels(got), fieldLabels(f2021)) {
		t.Errorf("fields %v\nwant %v", fieldLabels(got), fieldLabels(f2021))
	}
	want := templates.Columns{Section: "项目", Criteria: "考核内容及评分标准", Department: "考核部门", Cap: "分值", Self: "自评得分"}
	if got.Columns != want {
		t.Errorf("columns %+v, want %+v", got.Columns, want)
	}
	for _, m := range reviewMarks(draft) {
		if !strings.Contains(m, "推导规则") && !strings.Contains(m, "derive") {
			t.Errorf("a 请核对 mark not about a derived indicator: %s", m)
		}
	}
	if res := Check(draft); len(res.Problems) > 0 || !res.RoundTrip {
		t.Errorf("form check on the draft: %s\n%s", problemList(res.Problems), draft)
	}
}

func TestDraftRefusesWhatIsNotAForm(t *testing.T) {
	t.Parallel()
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "名单")
	var b bytes.Buffer
	x.WriteTo(&b)
	x.Close()
	for name, data := range map[string][]byte{"not a workbook": []byte("hello"), "no form": b.Bytes()} {
		if _, err := Draft(data, nil); err == nil {
			t.Errorf("%s: drafted", name)
		}
	}
}

// Next year as the office would make it: an indicator added, a section and
// the total re-weighted, the year changed. The blank of that form drafts
// to it, with last year's rules carried, and the draft passes form check.
func TestDraftOfANewYear(t *testing.T) {
	t.Parallel()
	src := source2021(t)
	for _, e := range [][2]string{
		{"year: 2021", "year: 2022"},
		{"title: 2021年度", "title: 2022年度"},
		{"total_cap: 125", "total_cap: 127"},
		{"    name: 组织机构管理\n    cap: 15", "    name: 组织机构管理\n    cap: 17"},
		{"        allowed: [0, 3, 6]\n  - id: \"2\"", "        allowed: [0, 3, 6]\n      - id: \"1.5\"\n        criteria: 按要求组织经办人员参加办事处线上培训并全部通过考试的得2分，部分通过的得1分。\n        departments: [会员服务部]\n        cap: 2\n        allowed: [0, 1, 2]\n  - id: \"2\""},
	} {
		if !strings.Contains(src, e[0]) {
			t.Fatalf("the 2021 form has no %q", e[0])
		}
		src = strings.Replace(src, e[0], e[1], 1)
	}
	next, err := templates.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	draft, err := Draft(blankOf(t, next), templates.MustLoad(2021))
	if err != nil {
		t.Fatal(err)
	}
	got, err := templates.Decode(draft)
	if err != nil {
		t.Fatal(err)
	}
	sameIndicators(t, got, next)
	res := Check(draft)
	if len(res.Problems) > 0 || !res.RoundTrip || res.Form.Year != 2022 {
		t.Errorf("form check on the 2022 draft: %s", problemList(res.Problems))
	}
}
