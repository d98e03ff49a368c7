package notice

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/store"
)

const office = "zzjgb@example.org"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func composeOpts() reply.ComposeOptions {
	return reply.ComposeOptions{From: office, FromName: "北京办事处组织机构部", Contact: "王明，电话 67687655", MsgIDDomain: "example.org", Season: 2021}
}

func result(grade string, final float64) reply.ResultNotice {
	return reply.ResultNotice{Agency: "东城区代办处", Grade: grade, Final: final, Cap: 125, Quota: 2,
		RecommendCutoff: time.Date(2022, 4, 15, 16, 0, 0, 0, time.UTC)}
}

// subjects are the subjects of the mail the SMTP server accepted for to.
func subjects(t *testing.T, srv *mailserver.Server, to string) []string {
	t.Helper()
	var out []string
	for _, d := range srv.Deliveries() {
		if d.To[0] != to {
			continue
		}
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Subject)
	}
	return out
}

// TestCorrectionWaitsForTheRecipientsHour: the notices go through the
// outbox, so its per-recipient hourly cap holds a 更正 queued right after
// the notice until the hour has room; nothing is dropped or sent twice.
func TestCorrectionWaitsForTheRecipientsHour(t *testing.T) {
	ctx := context.Background()
	srv, err := mailserver.Start(mailserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddUser(office, "pw"); err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: t0}
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sender := &reply.Sender{Store: st, SMTP: reply.SMTPConfig{Addr: srv.SMTPAddr, TLS: "none", User: office, Password: "pw"},
		From: office, PerRecipientPerHour: 1, Now: clk.Now, Log: zerolog.Nop()}
	to := []string{"dc@example.org"}

	if _, err := Publish(ctx, st, ResultOptions(clk.Now()), []Notice{Result(result("合格", 70), to, composeOpts())}); err != nil {
		t.Fatal(err)
	}
	if n, err := sender.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("first flush: sent %d, %v", n, err)
	}
	clk.Add(5 * time.Minute)
	rep, err := Publish(ctx, st, ResultOptions(clk.Now()), []Notice{Result(result("良好", 80), to, composeOpts())})
	if err != nil || rep.Count(ActionCorrected) != 1 {
		t.Fatalf("publish the change: %v %+v", err, rep)
	}
	if n, err := sender.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("the 更正 went out within the hour: sent %d, %v", n, err)
	}
	clk.Add(time.Hour)
	if n, err := sender.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("after the hour: sent %d, %v", n, err)
	}
	got := subjects(t, srv, "dc@example.org")
	if len(got) != 2 || !strings.Contains(got[0], "考核结果") || !strings.HasPrefix(got[1], "【更正】") {
		t.Fatalf("delivered %q", got)
	}
	if n, err := sender.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("a third flush sent %d, %v", n, err)
	}
}

// TestFailedCommitQueuesNothing: the issue and its mail are one
// transaction; when it fails, neither is kept, and the next run publishes
// the notice once.
func TestFailedCommitQueuesNothing(t *testing.T) {
	ctx := context.Background()
	var fail bool
	diskFull := errors.New("disk full")
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021, Now: func() time.Time { return t0 },
		WriteFault: func() error {
			if fail {
				return diskFull
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := Result(result("合格", 70), []string{"dc@example.org", "dc2@example.org"}, composeOpts())
	fail = true
	if _, err := Publish(ctx, st, ResultOptions(t0), []Notice{n}); !errors.Is(err, diskFull) {
		t.Fatalf("publish on a full disk: %v", err)
	}
	fail = false
	if got := outbox(t, st); len(got) != 0 {
		t.Fatalf("a failed publish left %q in the outbox", got)
	}
	if latest, err := st.LatestNotices(ctx, KindResult); err != nil || len(latest) != 0 {
		t.Fatalf("a failed publish left a record: %v %v", latest, err)
	}
	rep, err := Publish(ctx, st, ResultOptions(t0), []Notice{n})
	if err != nil || rep.Count(ActionFirst) != 1 || rep.Queued() != 2 {
		t.Fatalf("publish again: %v %+v", err, rep)
	}
	if rep, err = Publish(ctx, st, ResultOptions(t0), []Notice{n}); err != nil || rep.Queued() != 0 {
		t.Fatalf("and once more: %v %+v", err, rep)
	}
}

// The 确定名单反馈 rides the same mechanism: once, then one 更正 to the
// agency whose decision changed, saying which person.
func TestFinalListOnceThenCorrection(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	list := func(li reply.Decision) []Notice {
		dc := reply.FinalList{Agency: "东城区代办处", Persons: []reply.FinalPerson{
			{Name: "张伟", FinalDecision: reply.FinalDecision{Decision: reply.DecisionConfirmed}},
			{Name: "李娜", FinalDecision: reply.FinalDecision{Decision: li}}}}
		xc := reply.FinalList{Agency: "西城区代办处", Unit: &reply.FinalDecision{Decision: reply.DecisionConfirmed}}
		return []Notice{FinalList(dc, []string{"dc@example.org"}, composeOpts()), FinalList(xc, []string{"xc@example.org"}, composeOpts())}
	}
	for i, want := range []int{2, 0} {
		rep, err := Publish(ctx, st, FinalListOptions(t0), list(reply.DecisionNotConfirmed))
		if err != nil || rep.Queued() != want {
			t.Fatalf("publish %d: queued %d, want %d (%v)", i+1, rep.Queued(), want, err)
		}
	}
	rep, err := Publish(ctx, st, FinalListOptions(t0.Add(time.Hour)), list(reply.DecisionConfirmed))
	if err != nil || rep.Queued() != 1 || rep.Count(ActionCorrected) != 1 || rep.Outcomes[0].Action != ActionCorrected {
		t.Fatalf("after the change: %v %+v", err, rep)
	}
	if ch := rep.Outcomes[0].Changes; len(ch) != 1 || ch[0].Label != "优秀个人 李娜" || ch[0].After != "确定" {
		t.Errorf("changes %+v", ch)
	}
	// The result notices of the same agencies are another kind: untouched.
	if latest, err := st.LatestNotices(ctx, KindResult); err != nil || len(latest) != 0 {
		t.Errorf("result notices recorded: %v %v", latest, err)
	}
}
