package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/mailparse"
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
	})
}
