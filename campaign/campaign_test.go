package campaign

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/internal/cst"
	"kaohe/mailparse"
	"kaohe/outbox"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
)

var testCutoff = time.Date(2022, 1, 6, 0, 0, 0, 0, cst.Location())

type env struct {
	t     *testing.T
	dir   string
	clock time.Time
	st    *store.Store
	c     *Campaign
	r     *roster.Roster
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir(), clock: testCutoff.Add(-10 * 24 * time.Hour)}
	r, _, err := roster.Parse("r.csv", []byte("考核单位,类型,邮箱\n朝阳区代办处,区,cy@example.org\n海淀区代办处,区,hd@example.org\n市建工局代办处,局,jg@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	e.r = r
	e.open()
	return e
}

// open (re)starts the campaign on the same data folder, as a restarted
// daemon would.
func (e *env) open() {
	if e.st != nil {
		e.st.Close()
	}
	st, err := store.Open(e.dir, store.Options{Now: func() time.Time { return e.clock }})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.st = st
	e.c = New(st, Config{
		Form: templates.MustLoad(2021), Roster: e.r, Cutoff: testCutoff, ReminderDays: []int{7, 3, 1},
		ReminderTime: cst.TimeOfDay{Hour: 9}, DailySummaryTime: cst.TimeOfDay{Hour: 17}, Staff: []string{"staff@office.example.org"},
		Compose: reply.ComposeOptions{From: "zzjgb@office.example.org", FromName: "办事处", MsgIDDomain: "office.example.org"},
		Now:     func() time.Time { return e.clock }, Log: zerolog.Nop(),
	})
}

func (e *env) mails(kind string) []outbox.Item {
	items, err := e.st.OutboxByState(context.Background(), store.StatePending, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []outbox.Item
	for _, it := range items {
		if it.Kind == kind {
			out = append(out, it)
		}
	}
	return out
}

// submit stores an on-time accepted form of agency.
func (e *env) submit(agency, sender string, at time.Time) {
	ctx := context.Background()
	m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: agency + "@x", Hash: strings.Repeat("ab", 32)[:60] + "0001", Sender: sender, ReceivedAt: at})
	if err != nil {
		e.t.Fatal(err)
	}
	rep := &assess.Report{Form: "2021", Unit: agency, Status: assess.StatusAccepted, AgencyType: "district"}
	if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Hash: strings.Repeat("cd", 32), Report: rep}}}); err != nil {
		e.t.Fatal(err)
	}
}

func TestRemindersOncePerAgencyAndDay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit("市建工局代办处", "jg@example.org", e.clock)
	end := testCutoff.Add(2 * 24 * time.Hour)
	restarts := 0
	for ; e.clock.Before(end); e.clock = e.clock.Add(time.Hour) {
		if err := e.c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if e.clock.Hour() == 3 { // a restart in the middle of every day
			e.open()
			restarts++
		}
	}
	got := map[string]int{}
	for _, m := range e.mails(store.KindReminder) {
		got[m.To]++
	}
	if got["cy@example.org"] != 3 || got["hd@example.org"] != 3 {
		t.Errorf("reminders per agency %v, want 3 each (7, 3 and 1 days before)", got)
	}
	if got["jg@example.org"] != 0 {
		t.Errorf("an agency that submitted got %d reminders", got["jg@example.org"])
	}
	if restarts < 10 {
		t.Fatalf("only %d restarts", restarts)
	}
	for _, m := range e.mails(store.KindReminder) {
		if !strings.Contains(string(m.Raw), "Content-Disposition: attachment") {
			t.Errorf("reminder to %s without the blank form", m.To)
		}
	}
}

func TestLateStartSkipsStaleReminders(t *testing.T) {
	e := newEnv(t)
	e.clock = testCutoff.Add(-5*24*time.Hour + 10*time.Hour) // 7-day reminder's day long past
	if err := e.c.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(store.KindReminder)); n != 0 {
		t.Errorf("%d stale reminders sent by a daemon started late", n)
	}
	e.clock = testCutoff.Add(time.Hour)
	if err := e.c.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(store.KindReminder)); n != 0 {
		t.Errorf("%d reminders after the cut-off", n)
	}
}

func TestSummariesDailyAndAfterCutoff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clock = time.Date(2022, 1, 3, 16, 0, 0, 0, cst.Location())
	for i := 0; i < 6; i++ { // 16:00 … 21:00
		if err := e.c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		e.clock = e.clock.Add(time.Hour)
	}
	if n := len(e.mails(store.KindConsolidated)); n != 1 {
		t.Fatalf("%d summaries on one day, want 1", n)
	}
	e.clock = testCutoff.Add(10 * time.Minute)
	e.open()
	for i := 0; i < 3; i++ {
		if err := e.c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sums := e.mails(store.KindConsolidated)
	if len(sums) != 2 {
		t.Fatalf("%d summaries, want the daily one and one after the cut-off", len(sums))
	}
	if !strings.Contains(string(sums[1].Raw), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
		t.Error("the summary does not carry the workbook")
	}
	// Nothing was sent in this test: every summary shows the backlog.
	for _, s := range sums {
		if !strings.Contains(decodedText(t, s.Raw), "待发送的邮件") {
			t.Errorf("the summary does not show the send backlog:\n%s", decodedText(t, s.Raw))
		}
	}
}

func TestStaffNoticesAreBatched(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, sender := range []string{"a@elsewhere.example", "b@elsewhere.example", "c@elsewhere.example"} {
		m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: sender, Hash: strings.Repeat("0", 63) + string(rune('1'+i)), Sender: sender, ReceivedAt: e.clock})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeUnknownSender}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d notices for three events, want one batched notice", len(notices))
	}
	// Nothing new: no new notice, even an hour later.
	e.clock = e.clock.Add(2 * time.Hour)
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(store.KindStaffNotice)); n != 1 {
		t.Errorf("%d notices without new events", n)
	}
	if _, err := e.st.Submissions(ctx, store.SubmissionFilter{}); err != nil {
		t.Fatal(err)
	}
}

func decodedText(t *testing.T, raw []byte) string {
	t.Helper()
	p, err := mailparse.Parse(raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Text
}
