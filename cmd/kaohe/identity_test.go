package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/demo"
	"kaohe/mailparse"
)

// TestServeOnceHostileSenders runs the daemon over a mailbox holding an
// agency's form, a stranger's form naming that agency, forged third-party
// senders with a scam subject and mail without a usable sender, and counts
// what the SMTP server received: the agency gets its receipt and one
// notice, the strangers and third parties nothing, staff hear of it all,
// and every message leaves the inbox in one run.
func TestServeOnceHostileSenders(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	var mails [][]byte
	mails = append(mails, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1))
	mails = append(mails, testMail(t, "mallory@evil.example", "朝阳区代办处", 2))
	mails = append(mails, testMail(t, "ｃhaoyang@example.org", "朝阳区代办处", 3))
	for i := range 20 {
		mails = append(mails, fmt.Appendf(nil, "From: <victim%02d@third.example>\r\nTo: <%s>\r\nSubject: =?utf-8?b?5oKo55qE6LSm5oi35bey5Ya757uT?=\r\n"+
			"Message-ID: <scam%d@third.example>\r\n\r\n请致电 400-000-0000\r\n", i, demo.Office, i))
	}
	noSender := [][]byte{
		[]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n考核表\r\n"),
		[]byte("Subject: header only\r\nMessage-ID: <ho@x>\r\n\r\n"),
		[]byte("From: <@>\r\nSubject: malformed\r\nMessage-ID: <mf@x>\r\n\r\nbody\r\n"),
		[]byte("From: \r\nSubject: empty\r\nMessage-ID: <ef@x>\r\n\r\nbody\r\n"),
	}
	mails = append(mails, noSender...)
	for i, raw := range mails {
		if err := srv.Deliver(demo.Office, raw, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "INBOX"); n != 0 {
		t.Errorf("%d messages left in INBOX", n)
	}
	if n := countMailbox(t, srv.IMAPAddr, demo.Office, "Processed"); int(n) != len(mails) {
		t.Errorf("%d messages in Processed, want %d", n, len(mails))
	}
	var toAgency, toStaff []mailparse.Parsed
	for _, d := range srv.Deliveries() {
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		switch d.To[0] {
		case "chaoyang@example.org":
			toAgency = append(toAgency, *p)
		case demo.Staff:
			toStaff = append(toStaff, *p)
		default:
			t.Errorf("mail to %s: %q", d.To[0], p.Subject)
		}
	}
	// The receipt, and one notice for each form sent in its name.
	if len(toAgency) != 3 {
		t.Fatalf("%d mails to chaoyang, want the receipt and 2 notices", len(toAgency))
	}
	notices := 0
	for _, p := range toAgency {
		if strings.Contains(p.Text, "没有登记为贵单位的报送") {
			notices++
			if len(p.Attachments) != 0 {
				t.Error("a notice carries an attachment")
			}
		}
	}
	if notices != 2 {
		t.Errorf("%d notices to chaoyang, want 2", notices)
	}
	staffText := ""
	for _, p := range toStaff {
		staffText += p.Text
	}
	for _, want := range []string{"名册外来件", "mallory@evil.example", "没有有效发件地址的邮件"} {
		if !strings.Contains(staffText, want) {
			t.Errorf("staff were not told %q:\n%s", want, staffText)
		}
	}
	// 朝阳区's own form is the one that counts.
	out := filepath.Join(t.TempDir(), "汇总.xlsx")
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"consolidate", "-o", out}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "已提交 1 家") {
		t.Errorf("consolidate: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}
