package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/internal/cst"
	"kaohe/mailparse"
)

func TestDemoCampaign(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var stdout, logs bytes.Buffer
	res, err := playDemo(context.Background(), demoOptions{Out: out, Agencies: demo.MinAgencies, Log: &logs}, &stdout, io.Discard)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, logs.String())
	}
	sc := res.Scenario
	answered := len(res.Recommended) // each 推荐表 is answered
	for _, m := range sc.Mails {
		if m.Answered {
			answered++
		}
	}
	if len(res.Replies) != answered {
		t.Errorf("%d replies, want one per answered mail (%d)", len(res.Replies), answered)
	}
	if res.Panics != 0 {
		t.Errorf("%d panics recovered", res.Panics)
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("a panic was logged:\n%s", logs.String())
	}

	// Every reply answers one incoming mail; none answers the auto-reply.
	incoming := map[string]demo.Mail{}
	for _, m := range append(slices.Clone(sc.Mails), res.Recommended...) {
		p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		incoming[p.MessageID] = m
	}
	answeredIDs := map[string]bool{}
	var annotated *mailparse.Attachment
	for _, r := range res.Replies {
		p, err := mailparse.Parse(r.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatalf("reply is not MIME: %v", err)
		}
		m, ok := incoming[p.InReplyTo]
		if !ok {
			t.Errorf("reply %q answers no incoming mail (In-Reply-To %q)", p.Subject, p.InReplyTo)
			continue
		}
		if !m.Answered {
			t.Errorf("the auto-reply %q was answered", m.What)
		}
		if answeredIDs[p.InReplyTo] {
			t.Errorf("two replies to %q", m.What)
		}
		answeredIDs[p.InReplyTo] = true
		if !strings.HasPrefix(strings.TrimPrefix(p.Subject, "推荐表 "), "回执：") || p.Header["Auto-Submitted"] == nil {
			t.Errorf("reply subject %q, Auto-Submitted %v", p.Subject, p.Header["Auto-Submitted"])
		}
		if strings.Contains(m.What, "有错误") {
			for i := range p.Attachments {
				if p.Attachments[i].Kind == mailparse.KindXLSX {
					annotated = &p.Attachments[i]
				}
			}
		}
	}
	if annotated == nil {
		t.Fatal("no annotated workbook came back with a reply to a form with errors")
	}
	x, err := excelize.OpenReader(bytes.NewReader(annotated.Data))
	if err != nil {
		t.Fatal(err)
	}
	comments, _ := x.GetComments(x.GetSheetName(0))
	if len(comments) == 0 {
		t.Error("annotated workbook has no comments")
	}
	x.Close()

	// The staff workbook lists the late and the missing agencies.
	wb, err := excelize.OpenFile(filepath.Join(out, "汇总.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	missingRows, _ := wb.GetRows(consolidate.SheetMissing)
	var listed []string
	for _, row := range missingRows {
		if len(row) > 0 {
			listed = append(listed, row[0])
		}
	}
	for _, name := range sc.Missing {
		if !slices.Contains(listed, name) {
			t.Errorf("未提交 sheet lacks %s: %v", name, listed)
		}
	}
	summary, _ := wb.GetRows(consolidate.SheetSummary)
	states := map[string]string{}
	for _, row := range summary {
		if len(row) > 2 {
			states[row[0]] = row[2]
		}
	}
	for _, name := range sc.Late {
		if states[name] != consolidate.StateLate {
			t.Errorf("%s is %q on 汇总, want 逾期", name, states[name])
		}
	}
	// Accepted forms await the review; staff vetoed one after the
	// deadline.
	for _, name := range sc.Accepted {
		want := consolidate.StateAccepted
		if name == sc.Review.Veto {
			want = consolidate.StateVetoed
		}
		if states[name] != want {
			t.Errorf("%s is %q on 汇总, want %s", name, states[name], want)
		}
	}
	for _, name := range sc.Unreadable {
		if states[name] != consolidate.StateUnreadable {
			t.Errorf("%s is %q on 汇总, want 无法读取", name, states[name])
		}
	}
	if res.Summary.Missing != len(sc.Missing)-len(sc.Late) || res.Summary.Late != len(sc.Late) {
		t.Errorf("summary %+v, scenario missing %v late %v", res.Summary, sc.Missing, sc.Late)
	}
	// Staff get a summary on each reminder day (the summary is due at
	// 09:00 in the demo) and one after the cut-off, and notices between.
	summaries := 0
	for _, m := range res.Staff {
		if p, err := mailparse.Parse(m.Raw, mailparse.Limits{}); err == nil && strings.HasPrefix(p.Subject, "2021年度考核表汇总") {
			summaries++
		}
	}
	if summaries != 4 || len(res.Staff) <= summaries {
		t.Errorf("staff got %d mails with %d summaries, want 4 summaries and notices", len(res.Staff), summaries)
	}
	// The last reminder, the day before the cut-off, goes to every agency
	// with nothing on time by then (the late one too).
	lastDay := 0
	for _, m := range res.Reminders {
		if p, err := mailparse.Parse(m.Raw, mailparse.Limits{}); err == nil && p.Date.Equal(time.Date(2022, 1, 5, 9, 0, 0, 0, cst.Location())) {
			lastDay++
		}
	}
	if want := res.Summary.Missing + res.Summary.Late; lastDay != want {
		t.Errorf("%d reminders on the last day, want %d", lastDay, want)
	}
	checkDemoClock(t, sc, res)
	checkTableWidths(t, stdout.String())
	if !strings.Contains(stdout.String(), "已发回执") {
		t.Errorf("no summary table:\n%s", stdout.String())
	}
}
