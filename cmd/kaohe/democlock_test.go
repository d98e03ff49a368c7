package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/mailparse"
)

// checkDemoClock: every receipt is dated after the mail it answers, and
// every staff summary after each mail answered before it, the last one
// after the last mail of the scenario.
func checkDemoClock(t *testing.T, sc *demo.Scenario, res *demoResult) {
	t.Helper()
	arrived := map[string]time.Time{}
	for _, m := range sc.Mails {
		p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		arrived[p.MessageID] = m.At
	}
	all := append(append(append([]mailserver.Delivery(nil), res.Replies...), res.Reminders...), res.Staff...)
	slices.SortFunc(all, func(a, b mailserver.Delivery) int { return a.At.Compare(b.At) })
	var answeredSoFar time.Time
	var lastSummary time.Time
	for _, d := range all {
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if at, ok := arrived[p.InReplyTo]; ok {
			if !p.Date.After(at) {
				t.Errorf("receipt %q dated %v, not after its mail's arrival %v", p.Subject, p.Date, at)
			}
			answeredSoFar = maxTime(answeredSoFar, at)
		}
		if strings.HasPrefix(p.Subject, "2021年度考核表汇总") {
			if !p.Date.After(answeredSoFar) {
				t.Errorf("summary %q dated %v, before a mail it counts (%v)", p.Subject, p.Date, answeredSoFar)
			}
			lastSummary = p.Date
		}
	}
	if last := sc.Mails[len(sc.Mails)-1].At; !lastSummary.After(last) {
		t.Errorf("last summary dated %v, not after the last mail (%v)", lastSummary, last)
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkTableWidths: every line of the console table takes the same number
// of terminal columns.
func checkTableWidths(t *testing.T, out string) {
	t.Helper()
	var widths []int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "┌") || strings.HasPrefix(line, "│") || strings.HasPrefix(line, "└") {
			widths = append(widths, displayWidth(line))
		}
	}
	if len(widths) < 3 {
		t.Fatalf("no table in the output:\n%s", out)
	}
	for i, w := range widths {
		if w != widths[0] {
			t.Errorf("table line %d is %d columns wide, the first %d:\n%s", i, w, widths[0], out)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "abc": 3, "已提交": 6, "代办处（名册）": 14, "ＡＢ": 4, "│ x │": 5} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// Two runs of the demo send the same mails in the same order under the
// same Message-IDs and file names. One Message-ID is left out: the 导入
// reply's derives from the staff member's mail, whose workbook carries a
// token keyed by the data folder's own random key (a key in the source
// would let anyone who reads it forge a review for a --keep demo); its
// number and file name are compared.
func TestDemoIsRepeatable(t *testing.T) {
	t.Parallel()
	run := func() []string {
		out := t.TempDir()
		res, err := playDemo(context.Background(), demoOptions{Out: out, Agencies: demo.MinAgencies, Log: io.Discard}, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if res.Panics != 0 {
			t.Errorf("%d panics recovered", res.Panics)
		}
		var ids []string
		for _, d := range append(append(append(append(res.Replies, res.Reminders...), res.Staff...), res.Results...), res.Finals...) {
			p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(p.Subject, "导入") {
				ids = append(ids, "导入 reply")
				continue
			}
			ids = append(ids, p.MessageID)
		}
		entries, err := os.ReadDir(filepath.Join(out, "回执"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ids = append(ids, e.Name())
		}
		return ids
	}
	first, second := run(), run()
	if !slices.Equal(first, second) {
		t.Errorf("two runs differ:\n%v\n%v", first, second)
	}
}
