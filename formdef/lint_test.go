package formdef

import (
	"strconv"
	"strings"
	"testing"

	"kaohe/templates"
)

func source2021(t testing.TB) string {
	t.Helper()
	src, err := templates.Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// lineOf is the 1-based line of the first line of src holding marker, or
// of the nth with a marker ending in #n.
func lineOf(t *testing.T, src, marker string) int {
	t.Helper()
	nth := 1
	if i := strings.LastIndex(marker, "#"); i > 0 {
		nth = int(marker[i+1] - '0')
		marker = marker[:i]
	}
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			if nth--; nth == 0 {
				return i + 1
			}
		}
	}
	t.Fatalf("no line holds %q", marker)
	return 0
}

func TestCheckAcceptsThe2021Form(t *testing.T) {
	t.Parallel()
	r := Check([]byte(source2021(t)))
	if r.Unreadable || len(r.Problems) > 0 || !r.RoundTrip {
		t.Fatalf("2021 form: unreadable %v, round trip %v, problems %v", r.Unreadable, r.RoundTrip, r.Problems)
	}
}

// One broken definition per rule: the Chinese message and the line it names.
func TestCheckBrokenDefinitions(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name     string
		old, new string
		at       string // the line the problem must name: the first holding this text (after the edit)
		want     string
	}{
		{"section caps do not add up", "    name: 组织机构管理\n    cap: 15", "    name: 组织机构管理\n    cap: 16",
			`- id: "1"`, "部分 1「组织机构管理」各指标标准分合计 15，与该部分的分值 cap: 16 不符"},
		{"sections do not add up to the total", "total_cap: 125", "total_cap: 120",
			"total_cap:", "各部分分值合计 125，与总分值 total_cap: 120 不符"},
		{"allowed set stops below the cap", "        cap: 3\n        allowed: [0, 3]\n      - id: \"1.3\"", "        cap: 3\n        allowed: [0, 2]\n      - id: \"1.3\"",
			`- id: "1.2"`, "指标 1.2 的可得分数 [0, 2] 最高为 2，应止于标准分 3"},
		{"allowed set missing", "        allowed: [0, 2]\n      - id: \"1.4\"", "      - id: \"1.4\"",
			`- id: "1.3"`, "指标 1.3 缺少 allowed"},
		{"duplicate indicator id", `- id: "1.2"`, `- id: "1.1"`,
			`- id: "1.1"#2`, "指标 id 1.1 重复（第 " + "%LINE:- id: \"1.1\"%" + " 行已用过）"},
		{"duplicate field id", "{id: female_staff,", "{id: staff,",
			"label: 女职工人数", "字段 id staff 重复"},
		{"label found in another's cell", "label: 参保人数,", "label: 职工总数（人）,",
			"label: 职工总数,", "字段 staff 的名称「职工总数」与字段 insured 的「职工总数（人）」"},
		{"labels the same", "label: 团意,", "label: 综合,",
			"id: act_general", "字段 act_general 的名称「综合」与字段 act_accident 的「综合」（第 %LINE:id: act_accident% 行）相同"},
		{"criteria too short", "criteria: 按时参加办事处的年度工作推进会、考核会、业务培训的得3分。", "criteria: 参会得3分。",
			`- id: "1.2"`, "指标 1.2 的考核标准「参会得3分。」太短"},
		{"criteria the same", "criteria: 积极组织职工参加《在职职工轻度疾病互助保障活动》，全员参加的加2分；本系统、本区域内部分单位参加的加1分。",
			"criteria: 积极组织职工参加《在职职工综合互助保障活动》，全员参加的加2分；本系统、本区域内部分单位参加的加1分。",
			`- id: "4.2"`, "指标 4.2 的考核标准与指标 4.3"},
		{"rule names an unknown field", "fallback: activities", "fallback: activity_count",
			"rule: count_table", "指标 3.2 推导规则 count_table 的 fallback 指向不存在的字段「activity_count」"},
		{"rule per type names an unknown field", "needs: [staff]", "needs: [workers]",
			"sector: {rule: all_activities", "指标 4.1 sector 的推导规则 all_activities 的 needs 指向不存在的字段「workers」"},
		{"at_most names an unknown field", "at_most: female_staff}", "at_most: women}",
			"id: act_female", "字段 act_female 的 at_most 指向不存在的字段 women"},
		{"ratio names an unknown field", "ratio: {part: insured,", "ratio: {part: covered,",
			"id: coverage", "字段 coverage 的 ratio.part 指向不存在的字段「covered」"},
		{"unknown kind", "kind: percent", "kind: ratio",
			"id: coverage", "字段 coverage 的 kind「ratio」不认识"},
		{"no year in the title", "title: 2021年度", "title: 年度",
			"title:", "标题「年度职工互助保障工作代办处考核表」中没有年度 2021"},
		{"a table that does not end at the cap", "- {at_least: 6, score: 8}", "- {at_least: 6, score: 7}",
			"rule: count_table", "指标 3.2 的推导规则：分数表（table）最后一行给 7 分，应止于标准分 8"},
		{"a rule score not allowed", "allowed: [0, 1, 2, 4, 6, 8]", "allowed: [0, 1, 2, 4, 8]",
			"rule: count_table", "指标 3.2 的推导规则：规则会给 6 分，但它不在可得分数 allowed [0, 1, 2, 4, 8] 中"},
		{"unknown rule kind", "rule: count_table", "rule: count_tables",
			"rule: count_tables", "指标 3.2 的推导规则：不认识的规则「count_tables」"},
		{"a rule without a parameter", "at_least: 0.5, score: 8}", "at_least: 0.5}",
			"district: {rule: ratio_or_full", "指标 4.1 district 的推导规则：规则 ratio_or_full 缺少参数 score"},
		{"a ratio written as a percent", "at_least: 0.5, score: 8}", "at_least: 50, score: 8}",
			"district: {rule: ratio_or_full", "at_least 为 50：比例请写成小数，50% 写 0.5"},
		{"a ratio check without tolerance", "tolerance: 0.5}}", "tolerance: 0}}",
			"id: coverage", "字段 coverage：ratio 须有大于 0 的 tolerance"},
		{"a bad notice date", `issued: "2021-12-13"`, `issued: "2021年12月13日"`,
			"issued:", "issued 的写法不对"},
		{"empty department list", "departments: [创贷部]", "departments: []",
			`- id: "4.6"`, "指标 4.6 缺少 departments"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			src := source2021(t)
			if !strings.Contains(src, r.old) {
				t.Fatalf("the 2021 form has no %q", r.old)
			}
			src = strings.Replace(src, r.old, r.new, 1)
			res := Check([]byte(src))
			if res.Unreadable || res.RoundTrip {
				t.Fatalf("unreadable %v, round trip %v", res.Unreadable, res.RoundTrip)
			}
			want := r.want
			if i := strings.Index(want, "%LINE:"); i >= 0 {
				j := strings.Index(want[i+1:], "%") + i + 1
				want = want[:i] + itoa(lineOf(t, src, want[i+6:j])) + want[j+1:]
			}
			line := lineOf(t, src, r.at)
			for _, p := range res.Problems {
				if strings.Contains(p.Message, want) && p.Line == line {
					return
				}
			}
			t.Errorf("want 第 %d 行：…%s…; got\n%s", line, want, problemList(res.Problems))
		})
	}
}

func TestCheckUnreadable(t *testing.T) {
	t.Parallel()
	src := strings.Replace(source2021(t), "total_cap: 125", "total_cap: [125", 1)
	res := Check([]byte(src))
	if !res.Unreadable || len(res.Problems) != 1 || res.Problems[0].Line == 0 || !strings.Contains(res.Problems[0].Message, "YAML 格式有误") {
		t.Errorf("broken YAML: unreadable %v, %s", res.Unreadable, problemList(res.Problems))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// The round trip finds what the lints let through: here two activities of
// one name, which a filled form then reads as one, so the derived scores
// the careful agency claimed come out different.
func TestRoundTripCatchesWhatTheReaderConfuses(t *testing.T) {
	t.Parallel()
	src := strings.Replace(source2021(t), "label: 团意,", "label: 综合,", 1)
	f, err := templates.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ps := roundTrip(f)
	if len(ps) == 0 {
		t.Fatal("round trip passed with two activities of one name")
	}
	for _, p := range ps {
		if p.Line == 0 || !strings.Contains(p.Message, "样表检查未通过") {
			t.Errorf("problem %s: want a line and the sample's failure", p)
		}
	}
}
