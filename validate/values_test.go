package validate

import (
	"testing"
	"time"

	"kaohe/internal/cst"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in               string
		v                float64
		ok, lenient, pct bool
	}{
		{"3", 3, true, false, false},
		{" 3 ", 3, true, false, false},
		{"2.5", 2.5, true, false, false},
		{"-1", -1, true, false, false},
		{"３", 3, true, true, false},
		{"３分", 3, true, true, false},
		{"6分", 6, true, true, false},
		{"\u00a08\u3000", 8, true, false, false},
		{"1,234人", 1234, true, true, false},
		{"１，２３４", 1234, true, true, false},
		{"85%", 85, true, false, true},
		{"85 %", 85, true, false, true},
		{"８５％", 85, true, true, true},
		{"35个", 35, true, true, false},
		{"6项", 6, true, true, false},
		{"8.5000000000000006E-2", 0.085, true, false, false},
		{"2.9999999999999996", 3, true, false, false},
		{"", 0, false, false, false},
		{"优秀", 0, false, false, false},
		{"三分", 0, false, false, false},
		{"0x10", 0, false, false, false},
		{"Inf", 0, false, false, false},
		{"NaN", 0, false, false, false},
		{"分", 0, false, false, false},
		{"3-4", 0, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			n := parseNumber(c.in)
			if n.OK != c.ok || (c.ok && (n.Value != c.v || n.Lenient != c.lenient || n.Percent != c.pct)) {
				t.Errorf("parseNumber(%q) = %+v, want %v ok=%v lenient=%v pct=%v", c.in, n, c.v, c.ok, c.lenient, c.pct)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2021, 12, 20, 0, 0, 0, 0, cst.Location())
	cases := []struct {
		in       string
		date1904 bool
		ok       bool
		lenient  bool
	}{
		{"2021-12-20", false, true, false},
		{"2021/12/20", false, true, false},
		{"2021年12月20日", false, true, false},
		{"2021 年 12 月 20 日", false, true, false},
		{"２０２１年１２月２０日", false, true, true},
		{"2021.12.20", false, true, false},
		{"20211220", false, true, false},
		{"44550", false, true, false},
		{"44550.0", false, true, false},
		{"43088", true, true, false}, // 44550 − 1462 in the 1904 system
		{"2021-02-30", false, false, false},
		{"十二月某日", false, false, false},
		{"5", false, false, false},
		{"1899-12-31", false, false, false},
		{"", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			d, ok, lenient := parseDate(c.in, c.date1904)
			if ok != c.ok || lenient != c.lenient || (ok && !d.Equal(want)) {
				t.Errorf("parseDate(%q, %v) = %v %v %v", c.in, c.date1904, d, ok, lenient)
			}
		})
	}
}

func TestNormTextAndLabels(t *testing.T) {
	if a, b := normText("代办处盖章：\u3000"), normText("代办处 盖章:"); a != b {
		t.Errorf("%q != %q", a, b)
	}
	if a, b := normText("“直投”代办处（含）"), normText(`"直投"代办处(含)`); a != b {
		t.Errorf("%q != %q", a, b)
	}
	cases := []struct {
		cell, label string
		ok, inline  bool
	}{
		{"职工总数", "职工总数", true, false},
		{"职工总数：", "职工总数", true, false},
		{"职工总数（人）", "职工总数", true, false},
		{"职工总数(人)：1200", "职工总数", true, true},
		{"填报人签字：张三", "填报人签字", true, true},
		{"女职工人数", "女工", false, false},
		{"女工", "女工", true, false},
		{"参加保障活动：  项", "参加保障活动", true, true},
		{"积极组织职工参加《在职职工综合互助保障活动》", "综合", false, false},
		{"综合互助", "综合", false, false},
		{"职工总数 1200人", "职工总数", true, true},
		{"职工总数１２００", "职工总数", true, true},
	}
	for _, c := range cases {
		ok, inline := matchLabel(normText(c.cell), normText(c.label))
		if ok != c.ok || inline != c.inline {
			t.Errorf("matchLabel(%q, %q) = %v %v", c.cell, c.label, ok, inline)
		}
	}
}

func TestInlineValue(t *testing.T) {
	cases := map[string]string{
		"填报人签字：张三":    "张三",
		"考核单位: 东城区 ":  "东城区",
		"职工总数 1,200人": "1,200人",
		"职工总数１２００":    "１２００",
		"职工总数":        "",
	}
	for in, want := range cases {
		if got := inlineValue(in); got != want {
			t.Errorf("inlineValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeFormula(t *testing.T) {
	cases := map[string]bool{
		"SUM(E18:E47)":        true,
		"C8/C6*100":           true,
		"ROUND(C8/C6,3)":      true,
		"SUM(A:A)":            false,
		"SUM(1:1048576)":      false,
		"SUM(A1:XFD1048576)":  false,
		"INDIRECT(\"A1\")":    false,
		"[1]Sheet1!A1":        false,
		"DISPIMG(\"ID_1\",1)": false,
	}
	for f, want := range cases {
		if got := safeFormula(f); got != want {
			t.Errorf("safeFormula(%q) = %v", f, got)
		}
	}
}
