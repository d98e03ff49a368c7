package notice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/reply"
	"kaohe/store"
)

var t0 = time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// composed records every mail the mechanism asked for.
type composed struct {
	calls []string // agency|to|revision|changes
}

// plain is a stand-in notice: its mail states the facts and the revision,
// so a test can read what went out from the outbox.
func (c *composed) plain(agency string, to []string, facts ...Fact) Notice {
	return Notice{Agency: agency, To: to, Facts: facts, Compose: func(addr string, rev Revision, key string) (reply.Mail, error) {
		var changes []string
		for _, ch := range rev.Changes {
			changes = append(changes, ch.Label+":"+ch.Before+"->"+ch.After)
		}
		c.calls = append(c.calls, fmt.Sprintf("%s|%s|%d|%s", agency, addr, rev.Number, strings.Join(changes, ",")))
		id := reply.MessageID("test", key, "example.org")
		raw := fmt.Sprintf("Message-ID: %s\r\nTo: %s\r\nSubject: r%d\r\n\r\n%v\r\n", id, addr, rev.Number, facts)
		return reply.Mail{MessageID: id, To: addr, Raw: []byte(raw)}, nil
	}}
}

func outbox(t *testing.T, st *store.Store) []string {
	t.Helper()
	items, err := st.OutboxByState(context.Background(), store.StatePending, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		subj := ""
		for _, l := range strings.Split(string(it.Raw), "\r\n") {
			if s, ok := strings.CutPrefix(l, "Subject: "); ok {
				subj = s
			}
		}
		out = append(out, it.To+" "+subj)
	}
	slices.Sort(out)
	return out
}

func fact(label, value string) Fact { return Fact{Label: label, Value: value} }

var opts = Options{Kind: "result", MailKind: store.KindResultNotice, Now: t0}

func TestPublishOnceThenCorrection(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var c composed
	list := func(grade string) []Notice {
		return []Notice{
			c.plain("东城区代办处", []string{"dc@example.org"}, fact("等级", "优秀"), fact("名额", "3")),
			c.plain("西城区代办处", []string{"xc1@example.org", "XC2@example.org", "xc1@EXAMPLE.org"}, fact("等级", grade), fact("名额", "1")),
			c.plain("朝阳区代办处", nil, fact("等级", "合格")),
		}
	}
	rep, err := Publish(ctx, st, opts, list("良好"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(ActionFirst) != 2 || rep.Count(ActionNoAddress) != 1 || rep.Queued() != 3 {
		t.Fatalf("first publish: %+v", rep)
	}
	want := []string{"XC2@example.org r1", "dc@example.org r1", "xc1@example.org r1"}
	if got := outbox(t, st); !slices.Equal(got, want) {
		t.Fatalf("outbox after the first publish:\n got %q\nwant %q", got, want)
	}

	// The same content again: nothing new, not even composed.
	c.calls = nil
	rep, err = Publish(ctx, st, opts, list("良好"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Queued() != 0 || rep.Count(ActionUnchanged) != 2 || len(c.calls) != 0 {
		t.Fatalf("second publish queued %d, composed %q: %+v", rep.Queued(), c.calls, rep)
	}
	if got := outbox(t, st); len(got) != 3 {
		t.Fatalf("outbox after publishing twice: %q", got)
	}

	// One agency's grade changes: one 更正 to each of its addresses only.
	rep, err = Publish(ctx, st, opts, list("优秀"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(ActionCorrected) != 1 || rep.Queued() != 2 {
		t.Fatalf("after the change: %+v", rep)
	}
	wantCalls := []string{"西城区代办处|xc1@example.org|2|等级:良好->优秀", "西城区代办处|XC2@example.org|2|等级:良好->优秀"}
	if !slices.Equal(c.calls, wantCalls) {
		t.Fatalf("composed %q, want %q", c.calls, wantCalls)
	}
	want = []string{"XC2@example.org r1", "XC2@example.org r2", "dc@example.org r1", "xc1@example.org r1", "xc1@example.org r2"}
	if got := outbox(t, st); !slices.Equal(got, want) {
		t.Fatalf("outbox after the 更正:\n got %q\nwant %q", got, want)
	}
	// And the corrected state is stable.
	if rep, err = Publish(ctx, st, opts, list("优秀")); err != nil || rep.Queued() != 0 {
		t.Fatalf("publishing the corrected results again: %v %+v", err, rep)
	}
	// Changing back is a change too: a second 更正.
	if rep, err = Publish(ctx, st, opts, list("良好")); err != nil || rep.Queued() != 2 || rep.Outcomes[1].Revision != 3 {
		t.Fatalf("changing back: %v %+v", err, rep)
	}
}

func TestPublishNewAddressGetsLatestIssueOnly(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var c composed
	one := c.plain("东城区代办处", []string{"dc@example.org"}, fact("等级", "合格"))
	if _, err := Publish(ctx, st, opts, []Notice{one}); err != nil {
		t.Fatal(err)
	}
	changed := c.plain("东城区代办处", []string{"dc@example.org"}, fact("等级", "良好"))
	if _, err := Publish(ctx, st, opts, []Notice{changed}); err != nil {
		t.Fatal(err)
	}
	c.calls = nil
	two := c.plain("东城区代办处", []string{"dc@example.org", "new@example.org"}, fact("等级", "良好"))
	rep, err := Publish(ctx, st, opts, []Notice{two})
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Outcomes[0]; o.Action != ActionNewAddress || !slices.Equal(o.To, []string{"new@example.org"}) || o.Revision != 2 {
		t.Fatalf("outcome %+v", o)
	}
	// The newcomer reads the 更正 as the others did, changes and all.
	if want := []string{"东城区代办处|new@example.org|2|等级:合格->良好"}; !slices.Equal(c.calls, want) {
		t.Fatalf("composed %q, want %q", c.calls, want)
	}
	if rep, err = Publish(ctx, st, opts, []Notice{two}); err != nil || rep.Queued() != 0 {
		t.Fatalf("again: %v %+v", err, rep)
	}
}

func TestDryRunRecordsNothing(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var c composed
	n := c.plain("东城区代办处", []string{"dc@example.org"}, fact("等级", "合格"))
	dry := opts
	dry.DryRun = true
	rep, err := Publish(ctx, st, dry, []Notice{n})
	if err != nil || rep.Queued() != 1 || rep.Count(ActionFirst) != 1 {
		t.Fatalf("dry run: %v %+v", err, rep)
	}
	if got := outbox(t, st); len(got) != 0 {
		t.Fatalf("dry run queued %q", got)
	}
	if rep, err = Publish(ctx, st, opts, []Notice{n}); err != nil || rep.Queued() != 1 {
		t.Fatalf("real run after the dry run: %v %+v", err, rep)
	}
}

// A second publisher that decided on the same revision records nothing and
// queues nothing: the revision is taken.
func TestConcurrentPublisherLoses(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m := store.OutgoingMail{MessageID: "<a@example.org>", Kind: store.KindResultNotice, To: "dc@example.org", Raw: []byte("x")}
	n := store.PublishedNotice{Kind: "result", Agency: "东城区代办处", Revision: 1, ContentKey: "k1", Facts: "[]", Recipients: []string{m.To}}
	if err := st.PublishNotice(ctx, n, []store.OutgoingMail{m}); err != nil {
		t.Fatal(err)
	}
	m2 := m
	m2.MessageID = "<b@example.org>"
	n.ContentKey = "k2"
	if err := st.PublishNotice(ctx, n, []store.OutgoingMail{m2}); !errors.Is(err, store.ErrNoticeRevision) {
		t.Fatalf("second revision 1: %v", err)
	}
	if got := outbox(t, st); len(got) != 1 {
		t.Fatalf("outbox %q", got)
	}
}

func TestDiff(t *testing.T) {
	got := Diff([]Fact{fact("等级", "合格"), fact("名额", "1"), fact("备注", "无")}, []Fact{fact("等级", "良好"), fact("名额", "1"), fact("排名", "3")})
	want := []Change{{Label: "等级", Before: "合格", After: "良好"}, {Label: "排名", After: "3"}, {Label: "备注", Before: "无"}}
	if !slices.Equal(got, want) {
		t.Fatalf("Diff = %+v, want %+v", got, want)
	}
}
