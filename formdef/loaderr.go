package formdef

import (
	"regexp"
	"strconv"
	"strings"

	"kaohe/templates"
)

// The loader (templates.Parse) states its refusals in English for the
// log; form check says them in Chinese, at the line they name or at the
// line of the field they are about.

type phrase struct {
	re *regexp.Regexp
	zh string // with $1, $2 for the groups
}

func phrases(pairs ...string) []phrase {
	out := make([]phrase, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, phrase{regexp.MustCompile("^" + pairs[i] + "$"), pairs[i+1]})
	}
	return out
}

// ruleBodies are the refusals of a derivation rule.
var ruleBodies = phrases(
	`the table ends at (\S+), not at the cap (\S+)`, "分数表（table）最后一行给 $1 分，应止于标准分 $2",
	`score (\S+) is not among the allowed scores \[(.*)\]`, "规则会给 $1 分，但它不在可得分数 allowed [$2] 中",
	`unknown rule kind "(.*)" \(want one of (.*)\)`, "不认识的规则「$1」，应是 $2 之一",
	`missing rule: \(want one of (.*)\)`, "缺少 rule:，应是 $1 之一",
	`rule (\S+) takes no "(.*)"`, "规则 $1 没有参数 $2",
	`rule (\S+) needs "(.*)"`, "规则 $1 缺少参数 $2",
	`(\S+) names field "(.*)", which is not a number`, "$1 所指字段「$2」不是数字字段（count 或 percent）",
	`(\S+) names unknown field "(.*)"`, "$1 指向不存在的字段「$2」",
	`rule (\S+) counts the activities, but no field is tagged activity: true`, "规则 $1 按保障活动计数，但没有字段标为 activity: true",
	`rule (\S+) explains its score in the activities' name: give the form an activity_label`, "规则 $1 要用活动的统称说明得分：请给表加上 activity_label，如 保障活动",
	`rule (\S+) needs full participation, but activity (\S+) has no at_most to measure it against`, "规则 $1 要判断全员参加，但活动字段 $2 没有 at_most（全员人数所在的字段）",
	`at_least is (\S+); write the ratio as a fraction, 0.5 for 50%`, "at_least 为 $1：比例请写成小数，50% 写 0.5",
	`field "(.*)" is not tagged activity: true`, "字段 $1 没有标为 activity: true",
	`activity (\S+) has no at_most to measure full participation against`, "活动字段 $1 没有 at_most，无法判断全员参加",
	`the table has no rows`, "分数表（table）没有行",
	`table row (\d+): at_least (\S+) is not a whole number of activities ≥ 1`, "分数表第 $1 行：at_least $2 应是不小于 1 的整数（活动项数）",
	`table row (\d+): at_least (\S+) does not rise above the row before`, "分数表第 $1 行：at_least $2 应大于上一行",
	`table row (\d+): score (\S+) falls below the row before`, "分数表第 $1 行：分数 $2 低于上一行",
	`the table's last row needs (\S+) activities, but the form has (\d+)`, "分数表最后一行要求 $1 项活动，但表中只有 $2 项活动",
	`unknown agency type "(.*)" \(want (.*)\)`, "不认识的代办处类型「$1」，应是 $2",
	`no rule: give rule: … or one rule per agency type \((.*)\)`, "没有规则：写 rule: …，或按代办处类型（$1）各写一条",
)

// fieldBodies are the refusals of a field's cross-field checks.
var fieldBodies = phrases(
	`ratio applies to a percent field, not a (\S+) one`, "ratio 只用于 percent 字段，本字段是 $1",
	`ratio names "(.*)", which is not a number field of the form`, "ratio 所指「$1」不是表中的数字字段",
	`ratio needs a tolerance > 0 in percentage points, such as 0.5`, "ratio 须有大于 0 的 tolerance（百分点），如 0.5",
	`joined_activities applies to a count that is not itself an activity`, "joined_activities 只用于本身不是活动的 count 字段",
	`joined_activities, but no field is tagged activity: true`, "标了 joined_activities，但没有字段标为 activity: true",
	`at_most relations form a loop`, "at_most 互相指向，成了一个圈",
	`at_most names unknown field "(.*)"`, "at_most 指向不存在的字段 $1",
	`duplicate id`, "id 重复",
)

var (
	ruleRefusal  = regexp.MustCompile(`^indicator (\S+), line (\d+): derive: (?:(\w+): )?(.*)$`)
	fieldRefusal = regexp.MustCompile(`^field (\S+): (.*)$`)
	joinedMany   = regexp.MustCompile(`^(\d+) fields have joined_activities; at most one may$`)
	goList       = regexp.MustCompile(`\[[0-9. ]*\]`) // a list as Go prints it: [0 1 2]
)

func say(ps []phrase, body string) (string, bool) {
	for _, p := range ps {
		if m := p.re.FindStringSubmatchIndex(body); m != nil {
			return string(p.re.ExpandString(nil, p.zh, body, m)), true
		}
	}
	return "", false
}

// loadProblem turns one line of the loader's refusal into a problem.
func loadProblem(f *templates.Form, top map[string]int, msg string) Problem {
	if m := ruleRefusal.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		who := "指标 " + m[1] + " 的推导规则"
		if m[3] != "" {
			who = "指标 " + m[1] + " " + m[3] + " 的推导规则"
		}
		if zh, ok := say(ruleBodies, m[4]); ok {
			zh = goList.ReplaceAllStringFunc(zh, func(l string) string { return strings.ReplaceAll(l, " ", ", ") })
			return Problem{Line: line, Message: who + "：" + zh}
		}
		return Problem{Line: line, Message: who + "有误：" + m[4]}
	}
	if m := fieldRefusal.FindStringSubmatch(msg); m != nil {
		line := 0
		if fd, ok := f.Field(m[1]); ok {
			line = fd.Line
		}
		if zh, ok := say(fieldBodies, m[2]); ok {
			return Problem{Line: line, Message: "字段 " + m[1] + "：" + zh}
		}
	}
	if m := joinedMany.FindStringSubmatch(msg); m != nil {
		return Problem{Line: top["fields"], Message: "有 " + m[1] + " 个字段标了 joined_activities，最多只能有一个"}
	}
	for _, key := range []string{"issued", "cutoff"} {
		if strings.HasPrefix(msg, key+":") {
			example := map[string]string{"issued": `"2022-12-13"`, "cutoff": `"2023-01-06T00:00:00+08:00"`}[key]
			return Problem{Line: top[key], Message: key + " 的写法不对，应写成 " + example}
		}
	}
	p := Problem{Message: "程序加载时不接受：" + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
	}
	return p
}
