package config

import (
	"strings"
	"testing"
	"time"

	"kaohe/internal/cst"
	"kaohe/scoring"
)

func TestParseCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		want  Cap
		limit int // of 10 agencies; -1: no cap
		bad   bool
	}{
		{in: "", want: Cap{}, limit: -1},
		{in: "0", want: Cap{}, limit: -1},
		{in: "0.3", want: Cap{Share: 0.3}, limit: 3},
		{in: "30%", want: Cap{Share: 0.3}, limit: 3},
		{in: "0.25", want: Cap{Share: 0.25}, limit: 2}, // 2.5 rounds down
		{in: "5", want: Cap{Count: 5}, limit: 5},
		{in: "1.5", bad: true},
		{in: "-1", bad: true},
		{in: "120%", bad: true},
		{in: "三成", bad: true},
	} {
		got, err := ParseCap(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseCap(%q) accepted", tc.in)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseCap(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		n, ok := got.Limit(10)
		if !ok {
			n = -1
		}
		if n != tc.limit {
			t.Errorf("ParseCap(%q).Limit(10) = %d, want %d", tc.in, n, tc.limit)
		}
	}
}

func TestResultsFromFileAndEnv(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "kaohe.toml", `
[results]
district_excellent = 105.5
district_good = 90
district_pass = 60
district_excellent_cap = 0.3
sector_excellent_cap = 4
individual_quota = 40
weight_sections = ["业务拓展=0.2", "1=0.1"]
recommend_cutoff = 2022-04-15T00:00:00+08:00
holidays = ["2022-04-04", "2022-04-05"]
`)
	c, err := LoadFor(path, envMap(map[string]string{"KAOHE_RESULTS_WEIGHT_SCALE": "0.5", "KAOHE_RESULTS_PUBLICITY_DAYS": "7"}), ModeConfig)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Results
	if r.District.Excellent != 105.5 || r.District.ExcellentCap.Share != 0.3 || r.Sector.ExcellentCap.Count != 4 || r.IndividualQuota != 40 {
		t.Errorf("grade rules: %+v", r)
	}
	if len(r.Weights.Sections) != 2 || r.Weights.Sections[0] != (SectionWeight{"业务拓展", 0.2}) || r.Weights.Scale != 0.5 || r.PublicityDays != 7 {
		t.Errorf("weights: %+v", r.Weights)
	}
	if !r.RecommendCutoff.Equal(time.Date(2022, 4, 15, 0, 0, 0, 0, cst.Location())) || len(r.Holidays) != 2 ||
		!r.Holidays[1].Equal(time.Date(2022, 4, 5, 0, 0, 0, 0, cst.Location())) {
		t.Errorf("dates: %v %v", r.RecommendCutoff, r.Holidays)
	}
	if r.Rule(scoring.District).Excellent != 105.5 || r.Rule(scoring.Sector).Excellent != 110 {
		t.Error("Rule picks the wrong type")
	}
	// Keys set in the file are no longer placeholders; the others are.
	ph := " " + strings.Join(c.Placeholders(), " ") + " "
	if strings.Contains(ph, " results.individual_quota ") || strings.Contains(ph, " results.district_excellent ") ||
		!strings.Contains(ph, " results.sector_excellent ") || !strings.Contains(ph, " results.weight_final ") {
		t.Errorf("placeholders: %s", ph)
	}
	if !strings.Contains(c.String(), `weight_sections = ["业务拓展=0.2", "1=0.1"]`) {
		t.Errorf("String does not show the section weights:\n%s", c.String())
	}
}

func TestResultsProblems(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "kaohe.toml", `
[results]
sector_excellent = 80
sector_good = 90
district_excellent_cap = "1.5"
individual_quota = -2
weight_final = -1
weight_sections = ["宣传工作=0.1"]
coverage_field = "coverage_rate"
recommend_cutoff = "2021-12-01T00:00:00+08:00"
holidays = ["2022-13-01"]
publicity_days = 0
`)
	_, err := LoadFor(path, nil, ModeConfig)
	if err == nil {
		t.Fatal("bad [results] accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"results.sector_excellent：“优秀”的最低分 80 低于“良好”的 90",
		"results.district_excellent_cap：\"1.5\" 不是优秀名额上限",
		"results.individual_quota：名额不能为负",
		"results.weight_final：权重不能为负",
		"results.weight_sections：考核表中没有“宣传工作”这一部分；可用的：1 组织机构管理",
		"results.coverage_field：考核表中没有字段 \"coverage_rate\"",
		"results.recommend_cutoff：推荐表截止时刻 2021-12-01T00:00:00+08:00 不晚于",
		"results.holidays：\"2022-13-01\" 不是日期",
		"results.publicity_days：必须至少为 1",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}
