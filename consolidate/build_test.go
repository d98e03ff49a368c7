package consolidate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/scoring"
)

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return v
}

func TestBuildWorkbook(t *testing.T) {
	fx := newFixture(100, 3)
	// Verdicts as the results would pass them in: the workbook must show
	// them as given, deciding nothing itself.
	verdicts := map[string]Verdict{}
	for i, a := range fx.in.Roster {
		if i%5 == 4 {
			verdicts[a.Name] = Verdict{Grade: "不合格"}
			continue
		}
		verdicts[a.Name] = Verdict{Grade: gradeLabels[i%3], Rank: 1 + i/2}
	}
	fx.in.Grades = Grades{ByAgency: verdicts}
	f, sum, _ := build(t, fx.in)
	form := fx.in.Form

	wantSheets := []string{"汇总", "明细", "问题清单", "未提交", "名册外来件", "组织机构部", "合规部", "会员服务部", "信息技术部", "业务部", "财务部", "审核部", "公益部", "创贷部", "统计", "名册单位"}
	if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
		t.Fatalf("sheets = %v, want %v", got, wantSheets)
	}

	// 汇总
	rows := sheetRows(t, f, SheetSummary)
	wantHeader := []string{"考核单位", "类型", "状态", "首次提交", "最近提交", "版本数", "自评总分", "核定总分", "差额",
		"组织机构管理", "业务财务管理", "业务拓展", "加分项", "错误数", "警告数", "审核总分", "等级（未审定）", "类内排名", "一票否决", "纸质版收到", "备注", "说明", "原备注", "原纸质版收到"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("汇总 header = %v", rows[0])
	}
	if len(rows) != 1+100 {
		t.Fatalf("汇总 has %d rows, want %d: the roster only", len(rows), 1+100)
	}
	h := rows[0]
	at := rowsByName(rows, 1)
	get := func(name, column string) string {
		r, ok := at[name]
		if !ok {
			t.Fatalf("no 汇总 row for %q", name)
		}
		row := rows[r-1]
		c := col(t, h, column)
		if c >= len(row) {
			return ""
		}
		return row[c]
	}

	t.Run("named agencies", func(t *testing.T) {
		needsFix := agencyName(2)
		rep := fx.entry(needsFix).Report
		checks := []struct{ column, want string }{
			{"状态", "需修改"}, {"类型", "区\n（开发区）"},
			{"自评总分", strconv.FormatFloat(rep.SelfTotal, 'f', -1, 64)},
			{"核定总分", strconv.FormatFloat(rep.VerifiedTotal, 'f', -1, 64)},
			{"差额", strconv.FormatFloat(rep.SelfTotal-rep.VerifiedTotal, 'f', -1, 64)},
			{"业务拓展", strconv.FormatFloat(rep.Sections[2].Verified, 'f', -1, 64)},
			{"错误数", "2"}, {"警告数", "1"}, {"版本数", "3"},
			{"审核总分", strconv.FormatFloat(rep.VerifiedTotal, 'f', -1, 64)},
			{"首次提交", beijing(fx.entry(needsFix).FirstAt).Format("01-02 15:04")},
		}
		for _, c := range checks {
			if got := get(needsFix, c.column); got != c.want {
				t.Errorf("%s %s = %q, want %q", needsFix, c.column, got, c.want)
			}
		}
		if rep.SelfTotal <= rep.VerifiedTotal {
			t.Fatalf("fixture: needs-fix agency should have self > verified")
		}

		accepted := agencyName(15)
		rep = fx.entry(accepted).Report
		if got := num(t, get(accepted, "核定总分")); got != rep.VerifiedTotal {
			t.Errorf("%s 核定总分 = %v, want %v", accepted, got, rep.VerifiedTotal)
		}
		if get(accepted, "状态") != "合格待审" || get(accepted, "差额") != "0" {
			t.Errorf("%s: 状态 %q 差额 %q", accepted, get(accepted, "状态"), get(accepted, "差额"))
		}

		vetoed := agencyName(24)
		if get(vetoed, "状态") != "一票否决" || get(vetoed, "一票否决") != "是" {
			t.Errorf("vetoed %s: 状态 %q 一票否决 %q", vetoed, get(vetoed, "状态"), get(vetoed, "一票否决"))
		}
		late := agencyName(31)
		if get(late, "状态") != "逾期" || get(late, "核定总分") == "" {
			t.Errorf("late %s: 状态 %q 核定总分 %q", late, get(late, "状态"), get(late, "核定总分"))
		}
		missing := agencyName(40)
		if get(missing, "状态") != "未提交" || get(missing, "核定总分") != "" || get(missing, "首次提交") != "" {
			t.Errorf("missing %s: 状态 %q", missing, get(missing, "状态"))
		}
		unreadable := agencyName(43)
		if get(unreadable, "状态") != "无法读取" || get(unreadable, "错误数") != "1" {
			t.Errorf("unreadable %s: 状态 %q 错误数 %q", unreadable, get(unreadable, "状态"), get(unreadable, "错误数"))
		}
		if _, ok := at[fx.unknown[0]]; ok {
			t.Errorf("an unknown sender has a row on 汇总")
		}
		outside := sheetRows(t, f, SheetOutside)
		if all := fmt.Sprint(outside); len(outside) != 1+3 || !strings.Contains(all, fx.unknown[0]) || !strings.Contains(all, "发件地址不在名册中") {
			t.Errorf("名册外来件 = %q", outside)
		}
	})

	t.Run("numbers stored as numbers", func(t *testing.T) {
		r := at[agencyName(15)]
		for _, c := range []string{"自评总分", "核定总分", "版本数", "首次提交", "类内排名"} {
			cell, _ := excelize.CoordinatesToCellName(col(t, h, c)+1, r)
			typ, err := f.GetCellType(SheetSummary, cell)
			if err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
				t.Errorf("%s (%s) has type %v, want a number", c, cell, typ)
			}
		}
	})

	t.Run("formula-looking text kept as text", func(t *testing.T) {
		cell := "A" + strconv.Itoa(at[formulaName])
		if fm, _ := f.GetCellFormula(SheetSummary, cell); fm != "" {
			t.Errorf("%s holds formula %q", cell, fm)
		}
		if v, _ := f.GetCellValue(SheetSummary, cell); v != formulaName {
			t.Errorf("%s = %q, want %q", cell, v, formulaName)
		}
		if typ, _ := f.GetCellType(SheetSummary, cell); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want an inline string", cell, typ)
		}
		issues := sheetRows(t, f, SheetIssues)
		found := false
		for i, r := range issues {
			if len(r) > 6 && strings.HasPrefix(r[6], "=1+1") {
				found = true
				if fm, _ := f.GetCellFormula(SheetIssues, "G"+strconv.Itoa(i+1)); fm != "" {
					t.Errorf("问题清单 G%d holds formula %q", i+1, fm)
				}
			}
		}
		if !found {
			t.Error("the message starting with = is not in 问题清单")
		}
	})

	t.Run("grades and ranks as given", func(t *testing.T) {
		for name, v := range verdicts {
			if got := get(name, "等级（未审定）"); got != v.Grade {
				t.Errorf("%s 等级 = %q, want %q", name, got, v.Grade)
			}
			want := ""
			if v.Rank > 0 {
				want = strconv.Itoa(v.Rank)
			}
			if got := get(name, "类内排名"); got != want {
				t.Errorf("%s 类内排名 = %q, want %q", name, got, want)
			}
		}
		// 统计 counts the same grades, per type.
		stats := sheetRows(t, f, SheetStats)
		counts := map[string][2]int{}
		for _, a := range fx.in.Roster {
			c := counts[verdicts[a.Name].Grade]
			if a.Type == scoring.District {
				c[0]++
			} else {
				c[1]++
			}
			counts[verdicts[a.Name].Grade] = c
		}
		found := 0
		for i, r := range stats {
			if len(r) >= 3 && r[0] == "考核等级" {
				for _, g := range gradeLabels {
					i++
					want := counts[g]
					if stats[i][0] != g || stats[i][1] != strconv.Itoa(want[0]) || stats[i][2] != strconv.Itoa(want[1]) {
						t.Errorf("统计 %s = %v, want %v", g, stats[i], want)
					}
					found++
				}
				if basis := stats[i+1][0]; !strings.Contains(basis, "尚未审定") {
					t.Errorf("统计 basis line = %q", basis)
				}
			}
		}
		if found != len(gradeLabels) {
			t.Errorf("统计 has no table of grades")
		}
	})

	t.Run("未提交", func(t *testing.T) {
		rows := sheetRows(t, f, SheetMissing)
		if !slices.Equal(rows[0], []string{"考核单位", "类型", "邮箱", "有逾期提交", "逾期提交时间", "状态"}) {
			t.Fatalf("未提交 header = %v", rows[0])
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
			late := r[3] == "是"
			if want := r[5] == "逾期"; late != want {
				t.Errorf("%s: 有逾期提交 %q with state %q", r[0], r[3], r[5])
			}
			if !strings.Contains(r[2], "@example.cn；") {
				t.Errorf("%s: 邮箱 %q", r[0], r[2])
			}
		}
		var want []string
		for i := range 100 {
			if i%10 == 0 || i%10 == 1 {
				want = append(want, agencyName(i))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("未提交 = %v, want %v", got, want)
		}
	})

	t.Run("明细", func(t *testing.T) {
		rows := sheetRows(t, f, SheetDetail)
		if len(rows) != 3+100 {
			t.Fatalf("明细 has %d rows", len(rows))
		}
		if rows[0][0] != "标准分" || rows[0][3] != "4" || rows[1][3] != "1.1" || rows[2][3] != "自评" || rows[2][4] != "核定" {
			t.Fatalf("明细 headers: %v / %v / %v", rows[0][:6], rows[1][:6], rows[2][:6])
		}
		ids := form.Indicators()
		last := ids[len(ids)-1]
		if c := 3 + 2*(len(ids)-1); rows[1][c] != last.ID || rows[0][c] != strconv.FormatFloat(last.Cap, 'f', -1, 64) {
			t.Errorf("last indicator column %d: %q cap %q", c, rows[1][c], rows[0][c])
		}
		r := rowsByName(rows, 3)[agencyName(2)] - 1
		rep := fx.entry(agencyName(2)).Report
		for i, ir := range rep.Indicators {
			if got := num(t, rows[r][3+2*i]); got != *ir.Self {
				t.Errorf("明细 %s self = %v, want %v", ir.ID, got, *ir.Self)
			}
			if got := num(t, rows[r][4+2*i]); got != ir.Verified {
				t.Errorf("明细 %s verified = %v, want %v", ir.ID, got, ir.Verified)
			}
		}
	})

	t.Run("问题清单", func(t *testing.T) {
		rows := sheetRows(t, f, SheetIssues)
		if !slices.Equal(rows[0], []string{"考核单位", "文件", "单元格", "指标/栏目", "代码", "严重程度", "说明"}) {
			t.Fatalf("问题清单 header = %v", rows[0])
		}
		n := 0
		for _, e := range fx.in.Entries {
			if e.Known {
				n += len(e.Report.Findings)
			}
		}
		if len(rows) != 1+n {
			t.Fatalf("问题清单 has %d rows, want %d", len(rows), 1+n)
		}
		want := []string{agencyName(2), agencyName(2) + ".xlsx", "考核表!F25", "2.4", "score_not_allowed", "错误"}
		if !slices.Equal(rows[1][:6], want) {
			t.Errorf("first finding = %v, want %v", rows[1][:6], want)
		}
		if rows[3][3] != "覆盖率" || rows[3][5] != "提醒" {
			t.Errorf("field finding = %v", rows[3])
		}
	})

	t.Run("department sheets", func(t *testing.T) {
		scored := 0
		for _, e := range fx.in.Entries {
			if e.Known && len(e.Report.Indicators) > 0 {
				scored++
			}
		}
		for _, dept := range wantSheets[5:14] {
			var n int
			for _, ind := range form.Indicators() {
				if slices.Contains(ind.Departments, dept) {
					n++
				}
			}
			rows := sheetRows(t, f, dept)
			if !slices.Equal(rows[0], []string{"考核单位", "指标", "考核标准", "标准分", "自评分", "核定分", "审核分", "审核意见", "原审核分", "原审核意见"}) {
				t.Fatalf("%s header = %v", dept, rows[0])
			}
			if len(rows) != 1+n*scored {
				t.Errorf("%s has %d rows, want %d", dept, len(rows), 1+n*scored)
			}
		}
		if vis, _ := f.GetColVisible("业务部", "I"); vis {
			t.Error("原审核分 column is visible")
		}
	})

	t.Run("统计", func(t *testing.T) {
		rows := sheetRows(t, f, SheetStats)
		total := 0
		for _, r := range rows[1:14] {
			total += int(num(t, r[1]))
		}
		if total != 90-10 { // scored: all submitted except the unreadable
			t.Errorf("distribution counts %d agencies", total)
		}
		var top []string
		for i, r := range rows {
			if len(r) > 0 && r[0] == "错误最多的指标" {
				for _, r := range rows[i+1:] {
					if len(r) > 2 && r[0] != "" {
						top = append(top, r[0]+"="+r[1])
					}
				}
			}
		}
		if !slices.Equal(top, []string{"2.4=10", "3.3=10"}) {
			t.Errorf("most wrong = %v", top)
		}
	})

	t.Run("summary", func(t *testing.T) {
		want := Summary{Submitted: 90, Accepted: 50, NeedsFix: 10, Late: 10, Missing: 10, Unreadable: 10, Vetoed: 10, Roster: 100, Unknown: 3, PaperMissing: 100}
		if sum != want {
			t.Errorf("summary = %+v, want %+v", sum, want)
		}
		lines := sum.Lines()
		if len(lines) != 4 || lines[0] != "名册 100 家：已提交 90 家，未提交 10 家" ||
			!strings.Contains(lines[1], "合格待审 50 家") || !strings.Contains(lines[1], "需修改 10 家") || !strings.Contains(lines[1], "逾期 10 家") ||
			lines[2] != "纸质版已收 0 家，未收 100 家" || !strings.Contains(lines[3], "名册外来件 3 件") {
			t.Errorf("lines = %q", lines)
		}
	})
}

func TestStatus(t *testing.T) {
	fx := newFixture(10, 0)
	tests := []struct {
		name   string
		entry  *Entry
		vetoed bool
		want   string
	}{
		{"nothing", nil, false, StateMissing},
		{"missing whatever the veto", nil, true, StateMissing},
		{"late", fx.entry(agencyName(1)), false, StateLate},
		{"needs fix", fx.entry(agencyName(2)), false, StateNeedsFix},
		{"unreadable", fx.entry(agencyName(3)), false, StateUnreadable},
		{"accepted", fx.entry(agencyName(5)), false, StateAccepted},
		{"veto beats accepted", fx.entry(agencyName(5)), true, StateVetoed},
		{"received, no report", &Entry{Versions: 1}, false, StateUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(tt.entry, tt.vetoed); got != tt.want {
				t.Errorf("Status = %q, want %q", got, tt.want)
			}
		})
	}
}
