package pipeline

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/outbox"
	"kaohe/roster"
	"kaohe/store"
)

const (
	ourServer = "mx.office.example.org"
	scamSubj  = "您的账户已冻结，请致电 400-000-0000 解冻"
)

// hostileForm is 朝阳区's form with a score above its cap and an extra
// sheet of phishing text, a hyperlink formula and a DDE formula.
func hostileForm(t *testing.T) []byte {
	t.Helper()
	v := sample.Good("朝阳区代办处", true)
	for _, p := range sample.Problems(testForm, true) {
		if p.Code == "score_above_cap" {
			v = v.Spoil(p)
			break
		}
	}
	data, err := sample.Workbook(testForm, v)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.NewSheet("重要通知"); err != nil {
		t.Fatal(err)
	}
	steps := []error{
		x.SetCellStr("重要通知", "A1", "紧急通知：考核系统升级，请立即登录 http://evil.example/login 重新验证账户"),
		x.SetCellFormula("重要通知", "A2", `HYPERLINK("http://evil.example/login","点击登录")`),
		x.SetCellFormula("重要通知", "A3", `cmd|' /C calc'!A0`),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func authResults(fields ...string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString("Authentication-Results: " + f + "\r\n")
	}
	return b.String()
}

// sent is the outbox split by what the suite asserts on.
type sent struct {
	foreignNotices []outbox.Item // KindForeignNotice
	toOthers       []outbox.Item // any mail to an address other than chaoyang's: the hostile senders'
	all            []outbox.Item
}

func (f *fixture) sent() sent {
	var s sent
	for _, it := range f.outbox() {
		s.all = append(s.all, it)
		switch {
		case it.Kind == store.KindForeignNotice:
			s.foreignNotices = append(s.foreignNotices, it)
		case it.To != "chaoyang@example.org":
			s.toOthers = append(s.toOthers, it)
		}
	}
	return s
}

// TestHostileSenders: no stranger can replace an agency's submission, have
// the office forward its payload, or make the office write to a third
// party whose address it forged.
func TestHostileSenders(t *testing.T) {
	t.Parallel()
	hostile := hostileForm(t)
	aligned := func(int) string {
		return authResults(fmt.Sprintf("%s; dkim=pass header.d=third.example; spf=pass smtp.mailfrom=bounce@third.example", ourServer))
	}
	type mail struct{ raw []byte }
	forged := func(n int, headers func(i int) string) []mail {
		var out []mail
		for i := range n {
			out = append(out, mail{raw: mailSpec{from: fmt.Sprintf("<victim%02d@third.example>", i), subject: scamSubj,
				msgID: fmt.Sprintf("scam%d@x", i), headers: headers(i), body: "请拨打客服电话 400-000-0000"}.raw()})
		}
		return out
	}
	rows := []struct {
		name       string
		edit       func(*Config)
		mails      []mail
		outcome    store.Outcome
		notices    int // KindForeignNotice to chaoyang@example.org
		toSenders  int // mails to the hostile senders
		wantKind   string
		noSubject  bool // replies to senders must not echo their subject
		currentOK  bool // 朝阳区's accepted submission must stay current
		foreignSub int  // submissions stored under no agency naming 朝阳区
	}{
		{
			name:    "stranger naming 朝阳区 with an extra sheet",
			mails:   []mail{{raw: mailSpec{from: "mallory <mallory@evil.example>", subject: "朝阳区考核表（更正）", msgID: "m1@evil.example", attachment: hostile}.raw()}},
			outcome: store.OutcomeForeign, notices: 1, toSenders: 0, currentOK: true, foreignSub: 1,
		},
		{
			name: "stranger naming 朝阳区, its domain authenticated",
			mails: []mail{{raw: mailSpec{from: "mallory <mallory@evil.example>", subject: "朝阳区考核表（更正）", msgID: "m2@evil.example", attachment: hostile,
				headers: authResults(ourServer + "; spf=pass smtp.mailfrom=mallory@evil.example")}.raw()}},
			outcome: store.OutcomeForeign, notices: 1, toSenders: 1, wantKind: store.KindUnknownReply, noSubject: true, currentOK: true, foreignSub: 1,
		},
		{
			name:    "full-width look-alike of chaoyang's address",
			mails:   []mail{{raw: mailSpec{from: "朝阳区 <ｃhaoyang@example.org>", subject: "考核表", msgID: "m3@x", attachment: hostile}.raw()}},
			outcome: store.OutcomeForeign, notices: 1, toSenders: 0, currentOK: true, foreignSub: 1,
		},
		{
			name:    "100 forged third parties, no Authentication-Results",
			mails:   forged(100, func(int) string { return "" }),
			outcome: store.OutcomeUnknownSender, toSenders: 0, currentOK: true,
		},
		{
			name: "100 forged third parties, DKIM pass for another domain",
			mails: forged(100, func(int) string {
				return authResults(ourServer + "; dkim=pass header.d=other.example; spf=softfail smtp.mailfrom=third.example")
			}),
			outcome: store.OutcomeUnknownSender, toSenders: 0, currentOK: true,
		},
		{
			name: "forged pass below our server's failing field",
			edit: func(c *Config) { c.AuthServID = ourServer },
			mails: forged(20, func(int) string {
				// Ours on top; the sender's own fields, with our id, below.
				return authResults(ourServer+"; spf=fail smtp.mailfrom=third.example", "relay.evil.example; none", ourServer+"; dkim=pass header.d=third.example")
			}),
			outcome: store.OutcomeUnknownSender, toSenders: 0, currentOK: true,
		},
		{
			name:    "forged pass under another authserv-id than ours",
			edit:    func(c *Config) { c.AuthServID = ourServer },
			mails:   forged(20, func(int) string { return authResults("mx.evil.example; dkim=pass header.d=third.example") }),
			outcome: store.OutcomeUnknownSender, toSenders: 0, currentOK: true,
		},
		{
			name:    "third parties authenticated and aligned",
			mails:   forged(3, aligned),
			outcome: store.OutcomeUnknownSender, toSenders: 3, wantKind: store.KindUnknownReply, noSubject: true, currentOK: true,
		},
		{
			name:    "authenticated, but unknown senders are not answered",
			edit:    func(c *Config) { c.ReplyUnknownSenders = false },
			mails:   forged(3, aligned),
			outcome: store.OutcomeUnknownSender, toSenders: 0, currentOK: true,
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, row.edit)
			first := f.handle(mailSpec{from: "张三 <chaoyang@example.org>", subject: "考核表", msgID: "genuine@example.org", attachment: f.good}.raw(), received)
			if first.Outcome != store.OutcomeProcessed {
				t.Fatalf("genuine form: %s", first.Outcome)
			}
			before := f.current(t, "朝阳区代办处")
			baseline := len(f.outbox())
			for _, m := range row.mails {
				f.clock = f.clock.Add(gap)
				got := f.handle(m.raw, received.Add(gap))
				if got.Outcome != row.outcome {
					t.Fatalf("outcome %s, want %s", got.Outcome, row.outcome)
				}
			}
			s := f.sent()
			if n := len(s.all) - baseline - len(s.foreignNotices) - len(s.toOthers); n != 0 {
				t.Errorf("%d other mails queued", n)
			}
			if len(s.foreignNotices) != row.notices {
				t.Errorf("%d foreign notices, want %d", len(s.foreignNotices), row.notices)
			}
			for _, it := range s.foreignNotices {
				if it.To != "chaoyang@example.org" {
					t.Errorf("foreign notice to %s", it.To)
				}
				checkNoAttachments(t, it.Raw)
				p, err := mailparse.Parse(it.Raw, mailparse.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(p.Text, "evil.example/login") || strings.Contains(p.Subject, "更正") {
					t.Errorf("the notice relays the stranger's words:\n%s", p.Text)
				}
			}
			if len(s.toOthers) != row.toSenders {
				t.Errorf("%d mails to the hostile senders, want %d", len(s.toOthers), row.toSenders)
			}
			for _, it := range s.toOthers {
				if it.Kind != row.wantKind {
					t.Errorf("mail to %s of kind %s, want %s", it.To, it.Kind, row.wantKind)
				}
				checkNoAttachments(t, it.Raw)
				p, err := mailparse.Parse(it.Raw, mailparse.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if row.noSubject {
					for _, echo := range []string{"冻结", "400-000-0000", "更正", "mallory"} {
						if strings.Contains(p.Subject, echo) || strings.Contains(p.Text, echo) {
							t.Errorf("reply to %s echoes %q: %s\n%s", it.To, echo, p.Subject, p.Text)
						}
					}
				}
			}
			if row.currentOK {
				after := f.current(t, "朝阳区代办处")
				if after.ID != before.ID || after.Status != "accepted" || after.Version != 1 {
					t.Errorf("朝阳区's current submission changed: %+v → %+v", before.ID, after)
				}
				if all, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{Agency: "朝阳区代办处"}); len(all) != 1 {
					t.Errorf("朝阳区 has %d submissions, want 1", len(all))
				}
			}
			foreign := 0
			subs, err := f.st.Submissions(f.ctx, store.SubmissionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range subs {
				if sub.Agency == "" && strings.Contains(sub.Unit, "朝阳区") {
					foreign++
					if sub.Current {
						t.Error("a 名册外来件 submission is current")
					}
				}
			}
			if foreign != row.foreignSub {
				t.Errorf("%d submissions held under no agency, want %d", foreign, row.foreignSub)
			}
		})
	}
}

const gap = 3 * time.Minute

func (f *fixture) current(t *testing.T, agency string) store.Submission {
	t.Helper()
	subs, err := f.st.Submissions(f.ctx, store.SubmissionFilter{Agency: agency, Current: true})
	if err != nil || len(subs) != 1 {
		t.Fatalf("current submission of %s: %v, %d", agency, err, len(subs))
	}
	return subs[0]
}

func checkNoAttachments(t *testing.T, raw []byte) {
	t.Helper()
	p, err := mailparse.Parse(raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 0 || bytes.Contains(raw, []byte("spreadsheetml")) {
		t.Errorf("mail to %v carries attachments", p.To)
	}
}

// TestNoUsableSender: a mail nobody can be answered is recorded as such,
// released for the move to Processed at once (no retry, no quarantine),
// and nothing is queued.
func TestNoUsableSender(t *testing.T) {
	t.Parallel()
	good, err := sample.Workbook(testForm, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name string
		raw  []byte
	}{
		{"bare MIME part", []byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n考核表见附件\r\n")},
		{"header only", []byte("Subject: 考核表\r\nMessage-ID: <h1@x>\r\n\r\n")},
		{"empty From", []byte("From: \r\nSubject: x\r\nMessage-ID: <h2@x>\r\n\r\nbody\r\n")},
		{"From without address", []byte("From: 张三\r\nSubject: x\r\nMessage-ID: <h3@x>\r\n\r\nbody\r\n")},
		{"malformed From", []byte("From: <@>\r\nSubject: x\r\nMessage-ID: <h4@x>\r\n\r\nbody\r\n")},
		{"From without domain", []byte("From: clerk@\r\nSubject: x\r\nMessage-ID: <h5@x>\r\n\r\nbody\r\n")},
		{"empty angle brackets", []byte("From: 张三 <>\r\nSubject: x\r\nMessage-ID: <h6@x>\r\n\r\nbody\r\n")},
		{"form naming 朝阳区 without From", mailSpec{subject: "考核表", msgID: "h7@x", attachment: good}.raw()},
	}
	f := newFixture(t, nil)
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			uid := uint32(100 + i)
			err := f.p.Handle(f.ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: uid, InternalDate: received, Size: int64(len(row.raw)), Raw: row.raw})
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			msgs, _ := f.st.Messages(f.ctx, store.MessageFilter{})
			var m *store.Message
			for i := range msgs {
				if msgs[i].UID == uid {
					m = &msgs[i]
				}
			}
			if m == nil || m.Outcome != store.OutcomeNoSender {
				t.Fatalf("message %+v, want outcome %s", m, store.OutcomeNoSender)
			}
			if n := len(f.outbox()); n != 0 {
				t.Errorf("%d mails queued", n)
			}
		})
	}
	subs, _ := f.st.Submissions(f.ctx, store.SubmissionFilter{})
	if len(subs) != 1 || subs[0].Agency != "" {
		t.Errorf("the form without a sender: %+v, want one submission under no agency", subs)
	}
}

// TestSharedAddressNamingAnotherAgency: an address two agencies share files
// a form under the sharer it names; a second form in the same mail naming
// an agency that did not register the address is held as 名册外来件, not
// filed under the sharer nor under the agency it names.
func TestSharedAddressNamingAnotherAgency(t *testing.T) {
	t.Parallel()
	r, _, err := roster.Parse("roster.csv", []byte("考核单位,类型,邮箱\n"+
		"朝阳区代办处,区,chaoyang@example.org\n"+
		"海淀区教育工会代办处,产业工会,shared@example.org\n"+
		"海淀区卫生工会代办处,产业工会,shared@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(c *Config) { c.Roster = r })
	own, err := sample.Workbook(testForm, sample.Good("海淀区教育工会", false))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("From: <shared@example.org>\r\nTo: <" + office + ">\r\nSubject: 考核表\r\nMessage-ID: <two@x>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n")
	for i, data := range [][]byte{own, f.good} {
		fmt.Fprintf(&b, "--zz\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"form%d.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			i, base64.StdEncoding.EncodeToString(data))
	}
	b.WriteString("--zz--\r\n")
	m := f.handle([]byte(b.String()), received)
	if m.Outcome != store.OutcomeProcessed || m.Agency != "海淀区教育工会代办处" {
		t.Fatalf("outcome %s agency %q", m.Outcome, m.Agency)
	}
	subs, err := f.st.Submissions(f.ctx, store.SubmissionFilter{MessageID: m.ID})
	if err != nil || len(subs) != 2 {
		t.Fatalf("%d submissions, %v", len(subs), err)
	}
	byFile := map[string]string{}
	for _, s := range subs {
		byFile[s.Filename] = s.Agency
	}
	if byFile["form0.xlsx"] != "海淀区教育工会代办处" || byFile["form1.xlsx"] != "" {
		t.Errorf("filed as %v", byFile)
	}
	kinds := map[string][]string{}
	for _, it := range f.outbox() {
		kinds[it.Kind] = append(kinds[it.Kind], it.To)
	}
	if fmt.Sprint(kinds[store.KindForeignNotice]) != "[chaoyang@example.org]" || fmt.Sprint(kinds[store.KindReply]) != "[shared@example.org]" {
		t.Errorf("outbox %v", kinds)
	}
}
