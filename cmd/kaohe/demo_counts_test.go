package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/mailparse"
	"kaohe/reclist"
	"kaohe/store"
	"kaohe/validate"
)

// TestDemoCountsAddUp: over the demo's campaign, every summary's parts add
// up, in the workbook, the staff's summary mail and the console table:
// 已提交 is the sum of its states, 已提交 + 未提交 is the roster, and the
// 名册外来件 are counted beside the agencies, never as one.
func TestDemoCountsAddUp(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	res, err := playDemo(context.Background(), demoOptions{Out: out, Agencies: demo.MinAgencies, Log: io.Discard}, &stdout, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	roster := len(res.Scenario.Agencies)
	parts := 0
	for _, p := range s.Parts() {
		parts += p.N
	}
	if s.Roster != roster || s.Submitted != parts || s.Submitted+s.Missing != roster || s.Unknown < 1 {
		t.Errorf("summary %+v: parts %d, roster %d", s, parts, roster)
	}

	t.Run("workbook", func(t *testing.T) {
		f, err := excelize.OpenFile(filepath.Join(out, "汇总.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows(consolidate.SheetSummary)
		byState := map[string]int{}
		for _, r := range rows[1:] {
			byState[r[2]]++
		}
		if len(rows)-1 != roster {
			t.Errorf("汇总 has %d rows for a roster of %d", len(rows)-1, roster)
		}
		for _, p := range s.Parts() {
			if byState[p.State] != p.N {
				t.Errorf("汇总 has %d rows %s, the summary says %d", byState[p.State], p.State, p.N)
			}
		}
		if byState[consolidate.StateMissing] != s.Missing {
			t.Errorf("汇总 has %d rows 未提交, the summary says %d", byState[consolidate.StateMissing], s.Missing)
		}
		outside, _ := f.GetRows(consolidate.SheetOutside)
		if len(outside)-1 != s.Unknown {
			t.Errorf("名册外来件 has %d rows, the summary says %d", len(outside)-1, s.Unknown)
		}
		// A stranger is on no agency's sheet.
		for _, sheet := range f.GetSheetList() {
			if sheet == consolidate.SheetOutside {
				continue
			}
			rows, _ := f.GetRows(sheet)
			for _, r := range rows {
				if len(r) > 0 && strings.Contains(r[0], "@") {
					t.Errorf("%s lists %s", sheet, r[0])
				}
			}
		}
	})

	t.Run("summary mail", func(t *testing.T) {
		var text string
		for _, m := range res.Staff {
			p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
			if err == nil && strings.Contains(p.Text, "已提交的") {
				text = p.Text
			}
		}
		if text == "" {
			t.Fatal("no staff mail with the summary")
		}
		head := regexp.MustCompile(`名册 (\d+) 家：已提交 (\d+) 家，未提交 (\d+) 家`).FindStringSubmatch(text)
		if head == nil {
			t.Fatalf("no count line in:\n%s", text)
		}
		n := func(s string) int { v, _ := strconv.Atoi(s); return v }
		if n(head[1]) != roster || n(head[2])+n(head[3]) != roster {
			t.Errorf("mail says %q for a roster of %d", head[0], roster)
		}
		line := text[strings.Index(text, "已提交的"):]
		line, _, _ = strings.Cut(line, "\n")
		sum := 0
		for _, m := range regexp.MustCompile(`(\d+) 家`).FindAllStringSubmatch(line, -1)[1:] {
			sum += n(m[1])
		}
		if sum != n(head[2]) {
			t.Errorf("mail: parts %d ≠ 已提交 %s in %q", sum, head[2], line)
		}
		if !strings.Contains(text, consolidate.OutsideLabel+" "+strconv.Itoa(s.Unknown)+" 件") {
			t.Errorf("mail does not count the 名册外来件 apart:\n%s", text)
		}
	})

	t.Run("paper forms", func(t *testing.T) {
		// The staff's review (demo.Scenario.Review) records five paper
		// forms: four of accepted agencies (a date cell, 2022/1/5, 1月5日,
		// 是) and the late agency's.
		if s.PaperReceived != 5 || s.PaperReceived != len(res.Scenario.Review.Paper) || s.PaperReceived+s.PaperMissing != roster {
			t.Errorf("paper forms: %d received, %d missing, roster %d; the review records %d", s.PaperReceived, s.PaperMissing, roster, len(res.Scenario.Review.Paper))
		}
		f, err := excelize.OpenFile(filepath.Join(out, "汇总.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows(consolidate.SheetSummary)
		col := slices.Index(rows[0], "纸质版收到")
		filled := 0
		for _, r := range rows[1:] {
			if col >= 0 && col < len(r) && r[col] != "" {
				filled++
			}
		}
		if col < 0 || filled != s.PaperReceived {
			t.Errorf("汇总 has %d 纸质版收到 cells filled (column %d), the summary says %d", filled, col, s.PaperReceived)
		}
		stats, _ := f.GetRows(consolidate.SheetStats)
		counts := map[string]string{}
		for _, r := range stats {
			if len(r) >= 2 {
				counts[r[0]] = r[1]
			}
		}
		if counts["已收"] != strconv.Itoa(s.PaperReceived) || counts["未收"] != strconv.Itoa(s.PaperMissing) {
			t.Errorf("统计 says 已收 %q 未收 %q, the summary %d and %d", counts["已收"], counts["未收"], s.PaperReceived, s.PaperMissing)
		}
		// The last summary mail went out before the review: it counts no
		// paper form yet, and its two counts make the roster.
		var last string
		for _, m := range res.Staff {
			if p, err := mailparse.Parse(m.Raw, mailparse.Limits{}); err == nil && strings.Contains(p.Text, "纸质版已收") {
				last = p.Text
			}
		}
		if !strings.Contains(last, fmt.Sprintf("纸质版已收 0 家，未收 %d 家", roster)) {
			t.Errorf("the last summary mail does not count the paper forms:\n%s", last)
		}
	})

	t.Run("staff review by mail", func(t *testing.T) {
		// Three replies to staff say 导入: the staff workbook's, the
		// approved results workbook's, and (since the demo plays the
		// recommendations) the staff workbook's again with the
		// 主任办公会's decisions in 推荐名单. The first says what was
		// imported: two 审核分 with their 审核意见 and the veto's 备注 are
		// three reviews, one veto, five paper forms.
		var replies []string
		for _, m := range res.Staff {
			if p, err := mailparse.Parse(m.Raw, mailparse.Limits{}); err == nil && strings.Contains(p.Subject, "导入") {
				replies = append(replies, p.Text)
			}
		}
		if len(replies) != 3 {
			t.Fatalf("%d replies to staff say 导入, want 3", len(replies))
		}
		// The decisions: every row of 推荐名单, one per unit and person
		// of the three 推荐表 (demo.FillDecisions).
		if want := fmt.Sprintf("推荐名单的主任办公会决定 %d 条", recommendedRows(t, out)); !strings.Contains(replies[2], want) {
			t.Errorf("the decisions' 导入 reply does not say %q:\n%s", want, replies[2])
		}
		// The 主任办公会 moved one 优秀个人 between two agencies
		// (demo.ApproveResults).
		if !strings.Contains(replies[1], "已审定") || strings.Count(replies[1], "名额 ") != 2 {
			t.Errorf("the results' 导入 reply does not say what was approved:\n%s", replies[1])
		}
		for _, want := range []string{"审核意见 3 条", "一票否决 1 个", "纸质版收到 5 家"} {
			if !strings.Contains(replies[0], want) {
				t.Errorf("the 导入 reply does not say %q:\n%s", want, replies[0])
			}
		}
		if s.Vetoed != 1 {
			t.Errorf("%d agencies vetoed, the review vetoes 1", s.Vetoed)
		}
	})

	t.Run("results", func(t *testing.T) {
		// Every roster agency gets one result notice: each has an address.
		if len(res.Results) != roster {
			t.Errorf("%d result notices for a roster of %d", len(res.Results), roster)
		}
		f, err := excelize.OpenFile(filepath.Join(out, ResultsWorkbookName))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows("考核结果")
		h := rows[0]
		agencyCol, gradeCol, quotaCol := slices.Index(h, "考核单位"), slices.Index(h, "等级"), slices.Index(h, "优秀个人名额")
		grades, quotas, quota := map[string]string{}, 0, map[string]int{}
		fails := 0
		for _, r := range rows[1:] {
			if agencyCol >= len(r) || r[agencyCol] == "" || r[agencyCol] == "合计" {
				continue
			}
			grades[r[agencyCol]] = r[gradeCol]
			q, _ := strconv.Atoi(r[quotaCol])
			quotas += q
			quota[r[agencyCol]] = q
			if r[gradeCol] == "不合格" {
				fails++
			}
		}
		// 不合格 are the agencies that sent nothing (3), late (1),
		// unreadable (1) and vetoed (1): 6 of 16.
		if len(grades) != roster || quotas != 30 || fails != s.Missing+s.Late+s.Unreadable+s.Vetoed || fails != 6 {
			t.Errorf("考核结果: %d agencies, quotas add up to %d (want 30), %d 不合格 (want %d)", len(grades), quotas, fails, s.Missing+s.Late+s.Unreadable+s.Vetoed)
		}
		for _, m := range res.Results {
			p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			agency := strings.TrimSuffix(p.Subject[strings.LastIndex(p.Subject, "（")+len("（"):], "）")
			if g, ok := grades[agency]; !ok || !strings.Contains(p.Text, "考核等级："+g) {
				t.Errorf("notice %q does not say the approved grade %q", p.Subject, g)
			}
			if q := quota[agency]; q > 0 && !strings.Contains(p.Text, fmt.Sprintf("可推荐优秀个人 %d 名", q)) {
				t.Errorf("notice %q does not give the approved quota %d", p.Subject, q)
			}
			// The staff's review reaches the agencies it is about.
			rv := res.Scenario.Review
			if agency == rv.Veto && !strings.Contains(p.Text, "一票否决") {
				t.Errorf("the vetoed agency's notice does not say why it failed:\n%s", p.Text)
			}
			if agency == rv.Scores[0].Agency && !strings.Contains(p.Text, rv.Scores[0].Comment) {
				t.Errorf("%s's notice lacks the reviewer's note %q:\n%s", agency, rv.Scores[0].Comment, p.Text)
			}
		}
	})

	t.Run("console", func(t *testing.T) {
		counts := map[string]int{}
		for _, line := range strings.Split(stdout.String(), "\n") {
			cells := strings.Split(line, "│")
			if len(cells) == 4 {
				v, err := strconv.Atoi(strings.TrimSpace(cells[2]))
				if err == nil {
					counts[strings.TrimSpace(cells[1])] = v
				}
			}
		}
		sum := 0
		for _, p := range s.Parts() {
			sum += counts[p.State]
		}
		if counts["已提交"] != sum || counts["已提交"]+counts["未提交"] != counts["代办处（名册）"] || counts["代办处（名册）"] != roster ||
			counts[consolidate.OutsideLabel] != s.Unknown {
			t.Errorf("console table %v does not add up:\n%s", counts, stdout.String())
		}
		// One 确定名单反馈 per agency that sent a 推荐表: the demo's three.
		if counts["确定名单反馈"] != len(res.Finals) || len(res.Finals) != 3 {
			t.Errorf("console counts %d 确定名单反馈, %d were sent, want 3", counts["确定名单反馈"], len(res.Finals))
		}
	})
}

// TestDemoRecommendations: the demo's three 推荐表 are answered each with
// its receipt and the findings their roles call for (none; over_quota;
// publicity_too_short), the two with findings with an annotated copy in
// 批注表; the 主任办公会's decisions are imported, and each proposing
// agency gets one 确定名单反馈 that confirms what the decisions confirm.
func TestDemoRecommendations(t *testing.T) {
	out := t.TempDir()
	res, err := playDemo(context.Background(), demoOptions{Out: out, Agencies: demo.MinAgencies, Log: io.Discard}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Scenario
	if len(res.Recommended) != 3 || len(sc.Recommendations) != 3 {
		t.Fatalf("%d 推荐表 mailed, the scenario plans %d; want 3", len(res.Recommended), len(sc.Recommendations))
	}
	want := map[string]validate.Code{} // agency → the one finding's code, "" for none
	email := map[string]string{}
	for _, a := range sc.Agencies {
		email[a.Name] = a.Email
	}
	for _, r := range sc.Recommendations {
		want[r.Agency] = map[demo.RecommendRole]validate.Code{demo.RecommendGood: "",
			demo.RecommendOverQuota: validate.CodeOverQuota, demo.RecommendShortPublicity: validate.CodePublicityTooShort}[r.Role]
	}

	// The receipts, numbered in 回执 and, with findings, in 批注表.
	receipts := map[string]string{} // agency → the receipt's file number
	for _, name := range dirNames(t, filepath.Join(out, "回执")) {
		if strings.Contains(name, "推荐表_回执") {
			for agency := range want {
				if strings.Contains(name, agency) {
					receipts[agency] = name[:strings.Index(name, "-")]
				}
			}
		}
	}
	annotated := dirNames(t, filepath.Join(out, "批注表"))
	for agency, code := range want {
		n, ok := receipts[agency]
		if !ok {
			t.Errorf("no 推荐表 回执 for %s in 回执/", agency)
			continue
		}
		copied := slices.ContainsFunc(annotated, func(f string) bool { return strings.HasPrefix(f, n+"-") && strings.Contains(f, "推荐表") })
		if copied != (code != "") {
			t.Errorf("%s's receipt %s: annotated copy %v, findings %q", agency, n, copied, code)
		}
	}

	// The findings as stored with each agency's current 推荐表.
	st, err := store.Open(filepath.Join(out, "data"), store.Options{ReadOnly: true, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	props, err := st.CurrentProposals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != len(want) {
		t.Errorf("%d current 推荐表, want %d", len(props), len(want))
	}
	persons := map[string]int{}
	for _, p := range props {
		var codes []validate.Code
		for _, f := range p.Findings {
			codes = append(codes, f.Code)
		}
		if w := want[p.Agency]; (w == "" && len(codes) != 0) || (w != "" && !slices.Equal(codes, []validate.Code{w})) {
			t.Errorf("%s's 推荐表: findings %v, want %q", p.Agency, codes, w)
		}
		persons[p.Agency] = len(p.Persons)
	}

	// The final lists: one per proposing agency. The good agency's unit
	// and persons are confirmed; the over-quota agency's unit and its
	// persons up to the quota; the short 公示's nothing.
	if len(res.Finals) != len(want) {
		t.Errorf("%d 确定名单反馈, want one per proposing agency (%d)", len(res.Finals), len(want))
	}
	got := map[string]string{}
	for _, m := range res.Finals {
		p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got[m.To[0]] = p.Text
	}
	for _, r := range sc.Recommendations {
		text, ok := got[email[r.Agency]]
		if !ok {
			t.Errorf("%s got no 确定名单反馈", r.Agency)
			continue
		}
		unit := strings.Contains(text, "贵单位确定为优秀单位")
		confirmed := regexp.MustCompile(`确定为优秀个人（(\d+) 名）`).FindStringSubmatch(text)
		n := 0
		if confirmed != nil {
			n, _ = strconv.Atoi(confirmed[1])
		}
		switch r.Role {
		case demo.RecommendGood:
			if !unit || n != persons[r.Agency] {
				t.Errorf("%s (good): unit %v, %d persons of %d confirmed:\n%s", r.Agency, unit, n, persons[r.Agency], text)
			}
		case demo.RecommendOverQuota:
			if !unit || n != persons[r.Agency]-1 || !strings.Contains(text, demo.NoteOverQuota) {
				t.Errorf("%s (over quota): unit %v, %d of %d persons confirmed, want all but one with %q:\n%s", r.Agency, unit, n, persons[r.Agency], demo.NoteOverQuota, text)
			}
		case demo.RecommendShortPublicity:
			if unit || n != 0 || !strings.Contains(text, demo.NoteShortPublicity) {
				t.Errorf("%s (short 公示): unit %v, %d persons confirmed, want none with %q:\n%s", r.Agency, unit, n, demo.NoteShortPublicity, text)
			}
		}
	}
}

// recommendedRows is the number of rows of 推荐名单 in the demo's staff
// workbook.
func recommendedRows(t *testing.T, out string) int {
	t.Helper()
	f, err := excelize.OpenFile(filepath.Join(out, "汇总.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(reclist.SheetList)
	if err != nil || len(rows) < 2 {
		t.Fatalf("汇总.xlsx: %s has %d rows (%v)", reclist.SheetList, len(rows), err)
	}
	return len(rows) - 1
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
