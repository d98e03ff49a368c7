package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/internal/cst"
	"kaohe/internal/sample"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/outbox"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

const office = "zzjgb@office.example.org"

var (
	testForm   = templates.MustLoad(2021)
	received   = time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	testCutoff = time.Date(2022, 1, 6, 0, 0, 0, 0, cst.Location())
)

type fixture struct {
	t     *testing.T
	st    *store.Store
	p     *Pipeline
	uid   uint32
	ctx   context.Context
	good  []byte
	cfg   Config
	clock time.Time
	// alternate, when set, decides the write faults of faultFixture.
	alternate func() error
	// panics is how many panics the test provokes: any other count fails
	// it (monitor.Metrics promises tests that none goes unnoticed).
	panics uint64
}

func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(t.TempDir(), store.Options{Now: func() time.Time { return f.clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	r, _, err := roster.Parse("roster.csv", []byte("考核单位,类型,邮箱\n朝阳区代办处,区,chaoyang@example.org\n市建工局代办处,局,jiangong@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	good, err := sample.Workbook(testForm, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	f.good = good
	f.cfg = Config{
		Form: testForm, Cutoff: testCutoff, Roster: r, Reader: assess.InProcess,
		Compose:             reply.ComposeOptions{From: office, FromName: "办事处", Contact: "联系人：王明", MsgIDDomain: "office.example.org", Form: testForm},
		Own:                 []string{office},
		ReplyUnknownSenders: true, RepliesPerSenderPerHour: 5, MaxAttempts: 3,
		Now: func() time.Time { return f.clock }, Log: zerolog.Nop(),
	}
	if edit != nil {
		edit(&f.cfg)
	}
	f.p = New(st, f.cfg)
	t.Cleanup(func() {
		if n := f.p.cfg.Metrics.Panics(); n != f.panics {
			t.Errorf("%d panics recovered, want %d", n, f.panics)
		}
	})
	return f
}

// handle feeds one raw mail as the next UID and returns the stored message.
func (f *fixture) handle(raw []byte, at time.Time) store.Message {
	f.t.Helper()
	f.uid++
	if err := f.p.Handle(f.ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid, InternalDate: at, Size: int64(len(raw)), Raw: raw}); err != nil {
		f.t.Fatalf("handle: %v", err)
	}
	msgs, err := f.st.Messages(f.ctx, store.MessageFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.UID == f.uid {
			return m
		}
	}
	return msgs[len(msgs)-1]
}

func (f *fixture) outbox() []outbox.Item {
	items, err := f.st.OutboxByState(f.ctx, store.StatePending, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

type mailSpec struct {
	from, subject, msgID string
	headers              string
	attachment           []byte
	filename             string
	contentType          string // of the whole mail when there is no attachment
	body                 string
}

func (m mailSpec) raw() []byte {
	var b strings.Builder
	if m.from != "" {
		fmt.Fprintf(&b, "From: %s\r\n", m.from)
	}
	fmt.Fprintf(&b, "To: <%s>\r\n", office)
	if m.subject != "" {
		fmt.Fprintf(&b, "Subject: %s\r\n", m.subject)
	}
	if m.msgID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.msgID)
	}
	b.WriteString(m.headers)
	b.WriteString("MIME-Version: 1.0\r\n")
	if m.attachment == nil {
		ct := m.contentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		body := m.body
		if body == "" {
			body = "请问考核表什么时候截止？"
		}
		fmt.Fprintf(&b, "Content-Type: %s\r\n\r\n%s\r\n", ct, body)
		return []byte(b.String())
	}
	name := m.filename
	if name == "" {
		name = "form.xlsx"
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件是考核表\r\n")
	fmt.Fprintf(&b, "--zz\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", name)
	b.WriteString(base64.StdEncoding.EncodeToString(m.attachment))
	b.WriteString("\r\n--zz--\r\n")
	return []byte(b.String())
}

// TestHostileMail feeds the bad-input list of the field notes and checks
// each outcome: processed with a reply, processed without, or kept for staff.
func TestHostileMail(t *testing.T) {
	good, err := sample.Workbook(testForm, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := sample.Workbook(testForm, sample.Good("某街道工会", false))
	if err != nil {
		t.Fatal(err)
	}
	claimsChaoyang := good // unit 朝阳区代办处, sent from an unknown address
	from := "张三 <chaoyang@example.org>"
	cases := []struct {
		name        string
		mail        mailSpec
		raw         []byte // instead of mail
		wantOutcome store.Outcome
		wantReplyTo string // "" = no reply
	}{
		{"correct form", mailSpec{from: from, subject: "考核表", msgID: "a1@x", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"auto-replied", mailSpec{from: from, subject: "自动回复", msgID: "a2@x", headers: "Auto-Submitted: auto-replied\r\n"}, nil, store.OutcomeAutomated, ""},
		{"auto-generated", mailSpec{from: from, subject: "x", msgID: "a3@x", headers: "Auto-Submitted: auto-generated\r\n"}, nil, store.OutcomeAutomated, ""},
		{"auto-notified", mailSpec{from: from, subject: "x", msgID: "a3b@x", headers: "Auto-Submitted: auto-notified\r\n"}, nil, store.OutcomeAutomated, ""},
		{"Auto-Submitted No", mailSpec{from: from, subject: "考核表", msgID: "a4@x", headers: "Auto-Submitted: No\r\n", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"Auto-Submitted no (comment)", mailSpec{from: from, subject: "考核表", msgID: "a5@x", headers: "Auto-Submitted: no (sent by a person)\r\n", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"precedence bulk", mailSpec{from: from, subject: "通知", msgID: "a6@x", headers: "Precedence: bulk\r\n"}, nil, store.OutcomeAutomated, ""},
		{"precedence junk", mailSpec{from: from, subject: "通知", msgID: "a6b@x", headers: "Precedence: junk\r\n"}, nil, store.OutcomeAutomated, ""},
		{"list mail", mailSpec{from: from, subject: "周报", msgID: "a7@x", headers: "List-Id: <news.example.org>\r\nList-Unsubscribe: <mailto:u@x>\r\n"}, nil, store.OutcomeAutomated, ""},
		{"null return path", mailSpec{from: from, subject: "x", msgID: "a8@x", headers: "Return-Path: <>\r\n"}, nil, store.OutcomeAutomated, ""},
		{"mailer-daemon", mailSpec{from: "MAILER-DAEMON@example.org", subject: "Undelivered Mail", msgID: "a9@x"}, nil, store.OutcomeAutomated, ""},
		{"postmaster", mailSpec{from: "postmaster@example.org", subject: "x", msgID: "a10@x"}, nil, store.OutcomeAutomated, ""},
		{"noreply", mailSpec{from: "noreply@example.org", subject: "x", msgID: "a11@x"}, nil, store.OutcomeAutomated, ""},
		{"list owner", mailSpec{from: "owner-list@example.org", subject: "x", msgID: "a11b@x"}, nil, store.OutcomeAutomated, ""},
		{"auto response suppress", mailSpec{from: from, subject: "Automatic reply: 考核表", msgID: "a12@x", headers: "X-Auto-Response-Suppress: All\r\n"}, nil, store.OutcomeAutomated, ""},
		{"delivery status report", mailSpec{from: "mailer@example.org", subject: "系统退信", msgID: "a13@x", contentType: "multipart/report; report-type=delivery-status; boundary=r", body: "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r--"}, nil, store.OutcomeAutomated, ""},
		{"own address", mailSpec{from: office, subject: "回执：考核表", msgID: "a14@x"}, nil, store.OutcomeAutomated, ""},
		{"answer to our own reply, no attachment", mailSpec{from: from, subject: "退信：回执", msgID: "a15@x", headers: "In-Reply-To: <kaohe-reply-0123456789abcdef01234567@office.example.org>\r\n"}, nil, store.OutcomeAutomated, ""},
		{"question without attachment", mailSpec{from: from, subject: "请问", msgID: "a16@x"}, nil, store.OutcomeNoForm, "chaoyang@example.org"},
		{"legacy xls", mailSpec{from: from, subject: "考核表", msgID: "a17@x", attachment: []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 600)), filename: "考核表.xls"}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		// A form naming an agency from an address not registered for it is
		// held as 名册外来件; the agency is told (see TestHostileSenders),
		// the stranger gets nothing unless its domain is authenticated.
		{"stranger naming a roster agency", mailSpec{from: "someone@elsewhere.example.com", subject: "考核表", msgID: "a18@x", attachment: claimsChaoyang}, nil, store.OutcomeForeign, ""},
		{"stranger", mailSpec{from: "someone@elsewhere.example.com", subject: "考核表", msgID: "a19@x", attachment: stranger}, nil, store.OutcomeUnknownSender, ""},
		{"authenticated stranger", mailSpec{from: "someone@elsewhere.example.com", subject: "考核表", msgID: "a19b@x", attachment: stranger,
			headers: "Authentication-Results: mx.office.example.org; spf=pass smtp.mailfrom=someone@elsewhere.example.com\r\n"}, nil, store.OutcomeUnknownSender, "someone@elsewhere.example.com"},
		{"no From", mailSpec{subject: "考核表", msgID: "a19c@x", attachment: good}, nil, store.OutcomeNoSender, ""},
		{"reply-to elsewhere is ignored", mailSpec{from: from, subject: "考核表", msgID: "a20@x", headers: "Reply-To: <thief@evil.example.com>\r\n", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"no message-id", mailSpec{from: from, subject: "考核表", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"header injection in subject", mailSpec{from: from, subject: "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("考核表\r\nBcc: thief@evil.example.com")) + "?=", msgID: "a21@x", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"huge subject", mailSpec{from: from, subject: strings.Repeat("长", 10000), msgID: "a22@x"}, nil, store.OutcomeNoForm, "chaoyang@example.org"},
		{"thousand references", mailSpec{from: from, subject: "考核表", msgID: "a23@x", headers: "References: " + manyRefs(1000) + "\r\n", attachment: good}, nil, store.OutcomeProcessed, "chaoyang@example.org"},
		{"bare LF and NUL", mailSpec{}, []byte("From: <chaoyang@example.org>\nSubject: x\x00y\nMessage-ID: <a24@x>\n\nbody\x00\n"), store.OutcomeNoForm, "chaoyang@example.org"},
		{"not a mail at all", mailSpec{}, []byte("\x00\x01\x02"), store.OutcomeUnparseable, ""},
	}
	f := newFixture(t, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			raw := c.raw
			if raw == nil {
				raw = c.mail.raw()
			}
			f.clock = f.clock.Add(time.Hour) // each case in its own rate window
			m := f.handle(raw, received)
			if m.Outcome != c.wantOutcome {
				t.Errorf("outcome %q, want %q", m.Outcome, c.wantOutcome)
			}
			var replies []outbox.Item
			for _, it := range f.outbox() {
				if (it.Kind == store.KindReply || it.Kind == store.KindUnknownReply) && it.RelatedMessage == m.ID {
					replies = append(replies, it)
				}
			}
			switch {
			case c.wantReplyTo == "" && len(replies) > 0:
				t.Errorf("replied to %s", replies[0].To)
			case c.wantReplyTo != "" && len(replies) != 1:
				t.Fatalf("%d replies, want 1", len(replies))
			case c.wantReplyTo != "":
				if replies[0].To != c.wantReplyTo {
					t.Errorf("reply to %s, want %s", replies[0].To, c.wantReplyTo)
				}
				checkReplyHeaders(t, replies[0].Raw)
			}
		})
	}
}

func manyRefs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " <ref%d@example.org>", i)
	}
	return b.String()
}

// checkReplyHeaders: one recipient, threading capped, nothing injected.
func checkReplyHeaders(t *testing.T, raw []byte) {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	h := string(head)
	if strings.Contains(strings.ToLower(h), "\nbcc:") || strings.Contains(h, "thief@") {
		t.Errorf("injected header:\n%s", h)
	}
	p, err := mailparse.Parse(raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.To) != 1 || len(p.Cc) != 0 {
		t.Errorf("recipients To %v Cc %v", p.To, p.Cc)
	}
	if len(p.References) > 12 {
		t.Errorf("%d references copied", len(p.References))
	}
	if len([]rune(p.Subject)) > 300 {
		t.Errorf("subject of %d characters", len([]rune(p.Subject)))
	}
}

func TestDuplicatesAndRedelivery(t *testing.T) {
	f := newFixture(t, nil)
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "dup@x", attachment: f.good}.raw()
	first := f.handle(raw, received)
	// The same mail again under a new UID (a UIDVALIDITY reset, a second
	// delivery): recorded once, answered once.
	second := f.handle(raw, received)
	if first.ID != second.ID {
		t.Errorf("the same mail was recorded twice (%d, %d)", first.ID, second.ID)
	}
	if n := len(f.outbox()); n != 1 {
		t.Errorf("%d replies queued, want 1", n)
	}
	// The same Message-ID with other content is another message.
	other := mailSpec{from: "<chaoyang@example.org>", subject: "考核表（改）", msgID: "dup@x", attachment: f.good}.raw()
	third := f.handle(other, received.Add(time.Hour))
	if third.ID == first.ID {
		t.Error("different content under the same Message-ID was taken for a duplicate")
	}
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{Agency: "朝阳区代办处"})
	if len(subs) != 2 || subs[1].Version != 2 {
		t.Errorf("submissions %d (want 2, versions 1 and 2)", len(subs))
	}
}

func TestRateLimitPerSender(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.RepliesPerSenderPerHour = 2 })
	var outcomes []string
	for i := 0; i < 4; i++ {
		m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "问", msgID: fmt.Sprintf("r%d@x", i)}.raw(), received)
		outcomes = append(outcomes, string(m.Outcome))
	}
	want := []string{string(store.OutcomeNoForm), string(store.OutcomeNoForm), string(store.OutcomeRateLimited), string(store.OutcomeRateLimited)}
	if strings.Join(outcomes, ",") != strings.Join(want, ",") {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
	if n := len(f.outbox()); n != 2 {
		t.Errorf("%d replies, want 2", n)
	}
}

// Messages from one sender handled at once cannot together pass the cap:
// all of them are past the early check before any result is saved, and the
// store's check in the saving transaction holds the line.
func TestRateLimitHoldsForConcurrentMessages(t *testing.T) {
	const n, limit = 8, 3
	arrived := make(chan struct{}, n)
	allIn := make(chan struct{})
	go func() {
		for range n {
			<-arrived
		}
		close(allIn)
	}()
	f := newFixture(t, func(c *Config) {
		c.RepliesPerSenderPerHour = limit
		c.Reader = func(ctx context.Context, data []byte, o validate.Options) (*validate.Submission, []validate.Finding, error) {
			arrived <- struct{}{}
			<-allIn // every message is read, none answered yet
			return assess.InProcess(ctx, data, o)
		}
	})
	errs := make(chan error, n)
	for i := range n {
		raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: fmt.Sprintf("c%d@x", i), attachment: f.good}.raw()
		go func() {
			errs <- f.p.Handle(f.ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), InternalDate: received, Size: int64(len(raw)), Raw: raw})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(f.outbox()); got != limit {
		t.Errorf("%d replies queued, want %d", got, limit)
	}
	msgs, err := f.st.Messages(f.ctx, store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[store.Outcome]int{}
	for _, m := range msgs {
		outcomes[m.Outcome]++
	}
	if outcomes[store.OutcomeProcessed] != limit || outcomes[store.OutcomeRateLimited] != n-limit {
		t.Errorf("outcomes %v, want %d processed and %d rate_limited", outcomes, limit, n-limit)
	}
	// Every form is kept whatever happened to its reply.
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if len(subs) != n {
		t.Errorf("%d submissions stored, want %d", len(subs), n)
	}
}

func TestUnknownSendersWithoutReply(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ReplyUnknownSenders = false })
	stranger, _ := sample.Workbook(testForm, sample.Good("某街道工会", false))
	m := f.handle(mailSpec{from: "<x@elsewhere.example.com>", subject: "考核表", msgID: "u@x", attachment: stranger}.raw(), received)
	if m.Outcome != store.OutcomeUnknownSender || len(f.outbox()) != 0 {
		t.Errorf("outcome %s, %d replies", m.Outcome, len(f.outbox()))
	}
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if len(subs) != 1 || subs[0].Sender != "x@elsewhere.example.com" {
		t.Errorf("the stranger's form was not kept for staff: %+v", subs)
	}
}

func TestFailingMessageIsQuarantinedNotLost(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Reader = func(context.Context, []byte, validate.Options) (*validate.Submission, []validate.Finding, error) {
			panic("crafted workbook")
		}
	})
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "q@x", attachment: f.good}.raw()
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 7, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	for attempt := 1; attempt <= 3; attempt++ {
		err := f.p.Handle(f.ctx, fetched)
		if attempt < 3 && err == nil {
			t.Fatalf("attempt %d succeeded", attempt)
		}
		if attempt == 3 && err != nil {
			t.Fatalf("after the last attempt the message is not released: %v", err)
		}
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeQuarantined || !strings.Contains(msgs[0].LastError, "crafted workbook") {
		t.Fatalf("messages %+v", msgs)
	}
	f.panics = 3 // checked when the test ends
	if archived, err := f.st.ReadArchived(msgs[0].Hash); err != nil || !bytes.Equal(archived, raw) {
		t.Errorf("raw mail not archived: %v", err)
	}
	// Once quarantined, the message is done: the next pass releases it at once.
	if err := f.p.Handle(f.ctx, fetched); err != nil {
		t.Errorf("quarantined message offered again: %v", err)
	}
}

func TestTooLargeIsRecordedWithoutBody(t *testing.T) {
	f := newFixture(t, nil)
	// Without a header nobody can be told: kept for staff.
	if err := f.p.Handle(f.ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 9, InternalDate: received, Size: 90 << 20}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Outcome != store.OutcomeTooLarge || msgs[0].Size != 90<<20 || len(f.outbox()) != 0 {
		t.Errorf("messages %+v, outbox %d", msgs, len(f.outbox()))
	}
	// With its header the sender is told, once, even when offered twice.
	head := []byte("From: 张三 <chaoyang@example.org>\r\nSubject: 考核表和照片\r\nMessage-ID: <big@x>\r\n")
	big := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 10, InternalDate: received, Size: 60 << 20, Header: head}
	for i := 0; i < 2; i++ {
		if err := f.p.Handle(f.ctx, big); err != nil {
			t.Fatal(err)
		}
	}
	items := f.outbox()
	if len(items) != 1 || items[0].To != "chaoyang@example.org" {
		t.Fatalf("outbox %d items", len(items))
	}
	p, err := mailparse.Parse(items[0].Raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.InReplyTo != "big@x" || !strings.Contains(p.Text, "过大") {
		t.Errorf("reply In-Reply-To %q, text:\n%s", p.InReplyTo, p.Text)
	}
	msgs, _ = f.st.Messages(f.ctx, store.MessageFilter{Sender: "chaoyang@example.org"})
	if len(msgs) != 1 || msgs[0].Agency != "朝阳区代办处" || msgs[0].Outcome != store.OutcomeTooLarge {
		t.Errorf("messages %+v", msgs)
	}
}

func TestLateSubmissionIsKeptAndMarked(t *testing.T) {
	f := newFixture(t, nil)
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "补交", msgID: "late@x", attachment: f.good}.raw(), testCutoff.Add(time.Minute))
	if m.OnTime || m.Outcome != store.OutcomeProcessed {
		t.Errorf("on time %v outcome %s", m.OnTime, m.Outcome)
	}
	items := f.outbox()
	if len(items) != 1 || !bytes.Contains(items[0].Raw, []byte("=E9=80=BE=E6=9C=9F")) && !bytes.Contains(items[0].Raw, []byte("逾期")) {
		t.Errorf("the reply does not say 逾期")
	}
}

// A reader that cannot start is the machine's fault, not the agency's: the
// message stays for a retry and nobody is told their file is unreadable.
func TestUnavailableReaderLeavesTheMessageForLater(t *testing.T) {
	down := true
	f := newFixture(t, func(c *Config) {
		c.Reader = func(ctx context.Context, data []byte, o validate.Options) (*validate.Submission, []validate.Finding, error) {
			if down {
				return nil, nil, errors.New("workbook reader unavailable")
			}
			return assess.InProcess(ctx, data, o)
		}
	})
	raw := mailSpec{from: "<chaoyang@example.org>", subject: "考核表", msgID: "down@x", attachment: f.good}.raw()
	fetched := mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: 3, InternalDate: received, Size: int64(len(raw)), Raw: raw}
	if err := f.p.Handle(f.ctx, fetched); err == nil {
		t.Fatal("the message was released while no reader could run")
	}
	if n := len(f.outbox()); n != 0 {
		t.Fatalf("%d replies while the reader was down", n)
	}
	down = false
	if err := f.p.Handle(f.ctx, fetched); err != nil {
		t.Fatal(err)
	}
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if len(subs) != 1 || subs[0].Status != "accepted" || len(f.outbox()) != 1 {
		t.Errorf("after the reader came back: %d submissions, %d replies", len(subs), len(f.outbox()))
	}
}
