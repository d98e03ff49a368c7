package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaohe/internal/cst"
	"kaohe/scoring"
	"kaohe/templates"
)

// Results are the rules of the final results (考核结果) and what follows
// them: grades per agency type, the 优秀个人 quota and its weights, and the
// dates of the recommendation round. The notice gives no numbers for any
// of them: the defaults are placeholders the office must set.
type Results struct {
	District GradeRule // 区（开发区）代办处
	Sector   GradeRule // 局总公司/产业工会代办处
	// IndividualQuota is the office's total of 优秀个人 shared among the
	// agencies; 0 is unset, and every agency's quota is then 0.
	IndividualQuota int
	// MinPerExcellent is the least quota of each 优秀 agency.
	MinPerExcellent int
	Weights         Weights
	// ScaleField and CoverageField are the form fields of 基本情况 the
	// factors scale (参保人数) and coverage (覆盖率) read.
	ScaleField    string
	CoverageField string
	// RecommendCutoff is the deadline of the agencies' recommendations
	// (推荐表); zero when not set.
	RecommendCutoff time.Time
	PublicityDays   int         // working days the list of 优秀个人 is made public
	Holidays        []time.Time // days off besides weekends, midnight Beijing time
	Retention       int         // years a season's data is kept
}

// GradeRule is how the agencies of one type are graded: the least final
// score of each grade (a score below Pass is 不合格) and an optional cap
// on the number of 优秀.
type GradeRule struct {
	Excellent, Good, Pass float64
	ExcellentCap          Cap
}

// Cap limits how many agencies of a type may be 优秀: a Share of the
// type's roster agencies (0 < Share < 1, rounded down) or a Count. The
// zero Cap is no limit.
type Cap struct {
	Share float64
	Count int
}

// Limit is the most 优秀 among n agencies, and false when there is no cap.
func (c Cap) Limit(n int) (int, bool) {
	switch {
	case c.Count > 0:
		return c.Count, true
	case c.Share > 0:
		// A tiny epsilon keeps 0.3 × 10 at 3, not 2.9999….
		return int(math.Floor(c.Share*float64(n) + 1e-9)), true
	}
	return 0, false
}

// String writes the cap in Chinese: 不限, 前 30%, 至多 5 个.
func (c Cap) String() string {
	switch {
	case c.Count > 0:
		return fmt.Sprintf("至多 %d 个", c.Count)
	case c.Share > 0:
		return fmt.Sprintf("至多 %s%%（向下取整）", strconv.FormatFloat(c.Share*100, 'f', -1, 64))
	}
	return "不限"
}

// ParseCap reads a cap: "0.3" or "30%" is a share, "5" a count, "0" or ""
// none.
func ParseCap(s string) (Cap, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Cap{}, nil
	}
	bad := fmt.Errorf("%q 不是优秀名额上限：写比例（如 0.3 或 \"30%%\"）、个数（如 5），或 0 表示不限", s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f <= 0 || f >= 100 {
			return Cap{}, bad
		}
		return Cap{Share: f / 100}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || f < 0:
		return Cap{}, bad
	case f == 0:
		return Cap{}, nil
	case f < 1:
		return Cap{Share: f}, nil
	case f == math.Trunc(f) && f < 1e6:
		return Cap{Count: int(f)}, nil
	}
	return Cap{}, bad
}

// Weights weigh the factors the 优秀个人 quota is shared by. Each factor is
// normalised over the agencies first (an agency's value over the sum), so
// weights compare factors, not units; they need not add up to 1.
type Weights struct {
	Final    float64 // 最终得分 (业务目标: the assessment as a whole)
	Scale    float64 // 参保人数 (业务规模)
	Coverage float64 // 覆盖率 (社会影响力)
	// Sections weigh section subtotals of the form (日常管理: 组织机构管理
	// and 业务财务管理; 业务拓展), named by the form's section id or name.
	Sections []SectionWeight
}

// SectionWeight is the weight of one section's subtotal.
type SectionWeight struct {
	Section string // the form's section id ("3") or name ("业务拓展")
	Weight  float64
}

// Total is the sum of the weights.
func (w Weights) Total() float64 {
	t := w.Final + w.Scale + w.Coverage
	for _, s := range w.Sections {
		t += s.Weight
	}
	return t
}

// Rule is the grade rule of an agency type; an unknown type is graded as a
// sector agency, the roster's default.
func (r Results) Rule(t scoring.AgencyType) GradeRule {
	if t == scoring.District {
		return r.District
	}
	return r.Sector
}

// DefaultResults are the placeholders of [results]: the office's customary
// grade bands (110 / 90 / 60) for both types, no cap, no quota, and
// weights that lean on the final score and the size of the agency.
func DefaultResults() Results {
	rule := GradeRule{Excellent: 110, Good: 90, Pass: 60}
	return Results{
		District: rule, Sector: rule,
		MinPerExcellent: 1,
		Weights: Weights{Final: 0.4, Scale: 0.3, Coverage: 0.1, Sections: []SectionWeight{
			{"组织机构管理", 0.05}, {"业务财务管理", 0.05}, {"业务拓展", 0.1},
		}},
		ScaleField:    "insured",
		CoverageField: "coverage",
		PublicityDays: 5,
		Retention:     3,
	}
}

const placeholder = "（占位值：通知未规定，须由办事处设定）"

func resultsFields() []field {
	var fs []field
	for _, t := range []struct {
		key, label string
		rule       func(*Config) *GradeRule
	}{
		{"district", "区（开发区）代办处", func(c *Config) *GradeRule { return &c.Results.District }},
		{"sector", "局总公司/产业工会代办处", func(c *Config) *GradeRule { return &c.Results.Sector }},
	} {
		rule := t.rule
		fs = append(fs,
			float("results."+t.key+"_excellent", t.label+"评为“优秀”的最低最终得分"+placeholder, func(c *Config) *float64 { return &rule(c).Excellent }),
			float("results."+t.key+"_good", t.label+"评为“良好”的最低最终得分"+placeholder, func(c *Config) *float64 { return &rule(c).Good }),
			float("results."+t.key+"_pass", t.label+"评为“合格”的最低最终得分，低于此分为“不合格”"+placeholder, func(c *Config) *float64 { return &rule(c).Pass }),
			excellentCap("results."+t.key+"_excellent_cap", t.label+"“优秀”名额上限：比例（如 0.3 或 \"30%\"，按该类代办处总数向下取整）或个数（如 5）；0 表示不限"+placeholder, func(c *Config) *Cap { return &rule(c).ExcellentCap }),
		)
	}
	fs = append(fs,
		integer("results.individual_quota", "优秀个人推荐名额总数，按下列权重分给各代办处，分配结果相加等于此数；0 表示尚未设定（各单位名额均为 0）"+placeholder, func(c *Config) *int { return &c.Results.IndividualQuota }),
		integer("results.min_per_excellent", "每个“优秀”代办处至少分得的优秀个人名额（“不合格”的一律为 0）"+placeholder, func(c *Config) *int { return &c.Results.MinPerExcellent }),
		float("results.weight_final", "名额分配权重：最终得分（对应通知中的“业务目标”，即考核总成绩）"+placeholder, func(c *Config) *float64 { return &c.Results.Weights.Final }),
		float("results.weight_scale", "名额分配权重：参保人数（“业务规模”，取考核表基本情况）"+placeholder, func(c *Config) *float64 { return &c.Results.Weights.Scale }),
		float("results.weight_coverage", "名额分配权重：覆盖率（“社会影响力”，取考核表基本情况）"+placeholder, func(c *Config) *float64 { return &c.Results.Weights.Coverage }),
		sectionWeights("results.weight_sections", "名额分配权重：考核表各部分的小计（审核后），写成 \"部分名称或编号=权重\"；“日常管理”对应组织机构管理和业务财务管理，“业务拓展”对应业务拓展；不列出的部分不计。各权重不必相加为 1，按总和折算"+placeholder, func(c *Config) *[]SectionWeight { return &c.Results.Weights.Sections }),
		str("results.scale_field", "“业务规模”取考核表基本情况中的哪一项（字段编号，2021 年表为 insured 参保人数）", "", func(c *Config) *string { return &c.Results.ScaleField }),
		str("results.coverage_field", "“覆盖率”取考核表基本情况中的哪一项（字段编号，2021 年表为 coverage 覆盖率）", "", func(c *Config) *string { return &c.Results.CoverageField }),
		optionalTimestamp("results.recommend_cutoff", "代办处报送优秀个人推荐表的截止时刻（RFC 3339，带时区，如 \"2022-04-15T00:00:00+08:00\"）；空表示尚未设定"+placeholder, func(c *Config) *time.Time { return &c.Results.RecommendCutoff }),
		integer("results.publicity_days", "优秀个人名单公示的工作日数", func(c *Config) *int { return &c.Results.PublicityDays }),
		dateList("results.holidays", "周末以外的节假日（计算工作日时跳过），写成 [\"2022-01-31\", \"2022-02-01\"]；环境变量里用逗号分隔", func(c *Config) *[]time.Time { return &c.Results.Holidays }),
		integer("results.retention", "每届考核数据保留的年数，期满可用 kaohe purge 清除", func(c *Config) *int { return &c.Results.Retention }),
	)
	return fs
}

// IsSet reports whether key was given in the file or the environment,
// rather than left at its default.
func (c Config) IsSet(key string) bool {
	_, ok := c.origin[key]
	return ok
}

// Placeholders lists the [results] keys still at a default the office must
// set (grade bands, caps, quota, weights, the recommendation deadline), for
// the rules sheet to say so.
func (c Config) Placeholders() []string {
	var out []string
	for _, f := range resultsFields() {
		if strings.Contains(f.help, placeholder) && !c.IsSet(f.key) {
			out = append(out, f.key)
		}
	}
	return out
}

// results checks [results].
func (v *validator) results(c Config) {
	r := c.Results
	for _, t := range []struct {
		key  string
		rule GradeRule
	}{{"district", r.District}, {"sector", r.Sector}} {
		g := t.rule
		if g.Pass < 0 {
			v.add("results."+t.key+"_pass", fmt.Sprintf("最低分不能为负，现为 %g", g.Pass))
		}
		if g.Good < g.Pass {
			v.add("results."+t.key+"_good", fmt.Sprintf("“良好”的最低分 %g 低于“合格”的 %g（results.%s_pass）", g.Good, g.Pass, t.key))
		}
		if g.Excellent < g.Good {
			v.add("results."+t.key+"_excellent", fmt.Sprintf("“优秀”的最低分 %g 低于“良好”的 %g（results.%s_good）", g.Excellent, g.Good, t.key))
		}
	}
	if r.IndividualQuota < 0 {
		v.add("results.individual_quota", fmt.Sprintf("名额不能为负，现为 %d", r.IndividualQuota))
	}
	if r.MinPerExcellent < 0 {
		v.add("results.min_per_excellent", fmt.Sprintf("名额不能为负，现为 %d", r.MinPerExcellent))
	}
	for key, w := range map[string]float64{"results.weight_final": r.Weights.Final, "results.weight_scale": r.Weights.Scale, "results.weight_coverage": r.Weights.Coverage} {
		if w < 0 {
			v.add(key, fmt.Sprintf("权重不能为负，现为 %g", w))
		}
	}
	for _, s := range r.Weights.Sections {
		if s.Weight < 0 {
			v.add("results.weight_sections", fmt.Sprintf("“%s”的权重不能为负，现为 %g", s.Section, s.Weight))
		}
	}
	if r.Weights.Total() <= 0 && r.IndividualQuota > 0 {
		v.add("results.weight_final", "名额分配的权重全为 0，无法分配 results.individual_quota：至少给一项正的权重")
	}
	v.resultsForm(c)
	if !r.RecommendCutoff.IsZero() && !r.RecommendCutoff.After(c.Campaign.Cutoff) {
		v.add("results.recommend_cutoff", fmt.Sprintf("推荐表截止时刻 %s 不晚于考核表的截止时刻 campaign.cutoff（%s）",
			r.RecommendCutoff.Format(time.RFC3339), c.Campaign.Cutoff.Format(time.RFC3339)))
	}
	v.atLeastOne("results.publicity_days", r.PublicityDays)
	v.atLeastOne("results.retention", r.Retention)
}

// resultsForm checks the fields and sections [results] names against the
// form in effect. A default that the form lacks is not an error (a new
// form renames its parts): the factor then counts for nothing.
func (v *validator) resultsForm(c Config) {
	form, err := c.Campaign.Form()
	if err != nil {
		return // reported with the campaign
	}
	for key, id := range map[string]string{"results.scale_field": c.Results.ScaleField, "results.coverage_field": c.Results.CoverageField} {
		if _, ok := form.Field(id); !ok && c.IsSet(key) {
			var ids []string
			for _, f := range form.Fields {
				if f.Kind == "count" || f.Kind == "percent" {
					ids = append(ids, f.ID+" "+f.Label)
				}
			}
			v.add(key, fmt.Sprintf("考核表中没有字段 %q；可用的：%s", id, strings.Join(ids, "、")))
		}
	}
	if !c.IsSet("results.weight_sections") {
		return
	}
	var names []string
	for _, s := range form.Sections {
		names = append(names, s.ID+" "+s.Name)
	}
	for _, sw := range c.Results.Weights.Sections {
		if !slices.ContainsFunc(form.Sections, func(s templates.Section) bool { return s.ID == sw.Section || s.Name == sw.Section }) {
			v.add("results.weight_sections", fmt.Sprintf("考核表中没有“%s”这一部分；可用的：%s", sw.Section, strings.Join(names, "、")))
		}
	}
}

func float(key, help string, p func(*Config) *float64) field {
	return field{key: key, help: help,
		get: func(c *Config) any { return *p(c) },
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%q 不是数", v)
			}
			*p(c) = f
			return nil
		},
	}
}

func excellentCap(key, help string, p func(*Config) *Cap) field {
	return field{key: key, help: help,
		get: func(c *Config) any {
			switch cp := *p(c); {
			case cp.Count > 0:
				return int64(cp.Count)
			case cp.Share > 0:
				return cp.Share
			}
			return int64(0)
		},
		set: func(c *Config, v string) error {
			cp, err := ParseCap(v)
			if err != nil {
				return err
			}
			*p(c) = cp
			return nil
		},
	}
}

func optionalTimestamp(key, help string, p func(*Config) *time.Time) field {
	return field{key: key, help: help,
		get: func(c *Config) any {
			if p(c).IsZero() {
				return ""
			}
			return p(c).Format(time.RFC3339)
		},
		set: func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				*p(c) = time.Time{}
				return nil
			}
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q 不是带时区的时刻，应写成 \"2022-04-15T00:00:00+08:00\"", v)
			}
			*p(c) = t
			return nil
		},
	}
}

// dateList reads days ("2022-01-31") as midnight Beijing time.
func dateList(key, help string, p func(*Config) *[]time.Time) field {
	return field{key: key, help: help, list: true,
		get: func(c *Config) any {
			out := make([]string, len(*p(c)))
			for i, d := range *p(c) {
				out[i] = d.In(cst.Location()).Format(time.DateOnly)
			}
			return out
		},
		setList: func(c *Config, vs []string) error {
			out := make([]time.Time, 0, len(vs))
			for _, v := range vs {
				d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), cst.Location())
				if err != nil {
					return fmt.Errorf("%q 不是日期，应写成 \"2022-01-31\"", v)
				}
				out = append(out, d)
			}
			*p(c) = out
			return nil
		},
		split: func(s string) ([]string, error) { return splitPlain(s), nil },
	}
}

func sectionWeights(key, help string, p func(*Config) *[]SectionWeight) field {
	return field{key: key, help: help, list: true,
		get: func(c *Config) any {
			out := make([]string, len(*p(c)))
			for i, s := range *p(c) {
				out[i] = s.Section + "=" + strconv.FormatFloat(s.Weight, 'f', -1, 64)
			}
			return out
		},
		setList: func(c *Config, vs []string) error {
			out := make([]SectionWeight, 0, len(vs))
			for _, v := range vs {
				name, w, ok := strings.Cut(v, "=")
				f, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
				if name = strings.TrimSpace(name); !ok || name == "" || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("%q 应写成 \"部分名称或编号=权重\"，如 \"业务拓展=0.1\"", v)
				}
				out = append(out, SectionWeight{Section: name, Weight: f})
			}
			*p(c) = out
			return nil
		},
		split: func(s string) ([]string, error) { return splitPlain(s), nil },
	}
}
