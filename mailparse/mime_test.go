package mailparse

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

//go:generate go run ./testdata/gen

type wantAtt struct {
	name, path string
	kind       AttachmentKind
	low        bool
	sameAs     string // testdata file whose bytes the attachment must equal
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	const form = "朝阳区考核表.xlsx"
	tests := []struct {
		file       string
		subject    string
		from       Address
		text       string // substring of Parsed.Text ("" means Text must be empty)
		atts       []wantAtt
		problem    string // substring of one Problem ("" means no problems)
		messageID  string
		wantNoText bool
	}{
		{file: "outlook_gbk.eml", subject: "朝阳区2021年度考核表", from: Address{"朝阳区办公室", "cy@example.cn"},
			text: "您好，附件是考核表。", messageID: "41854f1b@example.cn",
			atts: []wantAtt{{form, form, KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "foxmail_gb18030.eml", subject: "考核表", from: Address{"朝阳区", "cy@example.cn"}, text: "请查收。",
			atts: []wantAtt{{form, form, KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "rfc2231_gbk.eml", subject: "rfc2231 gbk", text: "见附件",
			atts: []wantAtt{{form, form, KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "rfc2231_continuation.eml", subject: "rfc2231 continuation", wantNoText: true,
			atts: []wantAtt{{form, form, KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "raw_gbk_filename.eml", subject: "raw gbk", wantNoText: true,
			atts: []wantAtt{{form, form, KindXLSX, true, "chaoyang.xlsx"}}},
		{file: "forwarded.eml", subject: "转发: 考核表", text: "转发给你",
			atts: []wantAtt{{form, "forwarded/" + form, KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "two_forms.eml", subject: "两份考核表", text: "两个区",
			atts: []wantAtt{{"朝阳区.xlsx", "朝阳区.xlsx", KindXLSX, false, "chaoyang.xlsx"}, {"海淀区.xlsx", "海淀区.xlsx", KindXLSX, false, "haidian.xlsx"}}},
		{file: "zipped.eml", subject: "zipped", wantNoText: true,
			atts: []wantAtt{{"朝阳区.xlsx", "附件.zip/朝阳区.xlsx", KindXLSX, true, "chaoyang.xlsx"}}},
		{file: "unknown_charset.eml", subject: "unknown charset", wantNoText: true, problem: `unknown charset "x-weird"`,
			atts: []wantAtt{{"form.xlsx", "form.xlsx", KindXLSX, false, "chaoyang.xlsx"}}},
		{file: "legacy_xls.eml", subject: "xls", text: "老格式",
			atts: []wantAtt{{"朝阳区.xls", "朝阳区.xls", KindLegacy, false, "legacy.xls"}, {"secret.xlsx", "secret.xlsx", KindEncrypted, false, "encrypted.xlsx"}}},
		{file: "no_attachment.eml", subject: "没有附件", text: "忘了附件\n\na & b"},
		{file: "big5_subject.eml", subject: "台北市考核表", text: "附件在此"},
		{file: "inline_and_others.eml", subject: "inline", text: "inline",
			atts: []wantAtt{
				{"inline.xlsx", "inline.xlsx", KindXLSX, false, "chaoyang.xlsx"},
				{"附件1.png", "附件1.png", KindOther, false, ""},
				{"scan.pdf", "scan.pdf", KindOther, false, ""},
				{"forms.rar", "forms.rar", KindArchive, false, ""},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p, err := Parse(readTestdata(t, tc.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", p.Subject, tc.subject)
			}
			if tc.from.Addr != "" && p.From != tc.from {
				t.Errorf("From = %+v, want %+v", p.From, tc.from)
			}
			if tc.messageID != "" && p.MessageID != tc.messageID {
				t.Errorf("MessageID = %q, want %q", p.MessageID, tc.messageID)
			}
			if want := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC); !p.Date.Equal(want) {
				t.Errorf("Date = %v, want %v", p.Date, want)
			}
			switch {
			case tc.wantNoText && p.Text != "":
				t.Errorf("Text = %q, want empty", p.Text)
			case !tc.wantNoText && !strings.Contains(p.Text, tc.text):
				t.Errorf("Text = %q, want it to contain %q", p.Text, tc.text)
			}
			if tc.problem == "" && len(p.Problems) > 0 {
				t.Errorf("unexpected problems %q", p.Problems)
			}
			if tc.problem != "" && !strings.Contains(strings.Join(p.Problems, "\n"), tc.problem) {
				t.Errorf("problems %q, want one containing %q", p.Problems, tc.problem)
			}
			if len(p.Attachments) != len(tc.atts) {
				t.Fatalf("got %d attachments %v, want %d", len(p.Attachments), names(p.Attachments), len(tc.atts))
			}
			for i, w := range tc.atts {
				a := p.Attachments[i]
				if a.Filename != w.name || a.Path != w.path || a.Kind != w.kind || a.LowConfidenceName != w.low {
					t.Errorf("attachment %d = {%q %q %s low=%v}, want {%q %q %s low=%v}",
						i, a.Filename, a.Path, a.Kind, a.LowConfidenceName, w.name, w.path, w.kind, w.low)
				}
				if w.sameAs != "" && sha256.Sum256(a.Data) != sha256.Sum256(readTestdata(t, w.sameAs)) {
					t.Errorf("attachment %d: bytes differ from testdata/%s (%d vs %d bytes)", i, w.sameAs, len(a.Data), len(readTestdata(t, w.sameAs)))
				}
			}
		})
	}
}

func names(as []Attachment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Path+"("+string(a.Kind)+")")
	}
	return out
}

func TestParseHeaderFields(t *testing.T) {
	raw := "From: \"=?utf-8?B?5pyd6Ziz?=\" <CY@Example.cn>\r\n" +
		"Sender: a@example.cn\r\n" +
		"Reply-To: x@example.cn, =?gb2312?B?v7y6yw==?= <y@example.cn>\r\n" +
		"Return-Path: <bounce@example.cn>\r\n" +
		"To: kaohe@example.cn\r\nCc: c1@example.cn,\r\n c2@example.cn\r\n" +
		"Subject: =?utf-8?B?5rWL6K+V?=\r\n =?utf-8?Q?=0D=0ABcc:_x@evil?= \u202Eend\r\n" +
		"Message-ID:  <abc@example.cn> \r\n" +
		"In-Reply-To: <p1@example.cn>\r\n" +
		"References: <p0@example.cn>\r\n <p1@example.cn>\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"X-Note: =?gb2312?B?v7y6yw==?=\r\n" +
		"Date: not a date\r\n" +
		"\r\nbody\r\n"
	p, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("From", p.From, Address{"朝阳", "CY@Example.cn"})
	check("Sender", p.Sender, []Address{{"", "a@example.cn"}})
	check("ReplyTo", p.ReplyTo, []Address{{"", "x@example.cn"}, {"考核", "y@example.cn"}})
	check("ReturnPath", p.ReturnPath, "bounce@example.cn")
	check("To", p.To, []Address{{"", "kaohe@example.cn"}})
	check("Cc", p.Cc, []Address{{"", "c1@example.cn"}, {"", "c2@example.cn"}})
	check("Subject", p.Subject, "测试 Bcc: x@evil end")
	check("MessageID", p.MessageID, "abc@example.cn")
	check("InReplyTo", p.InReplyTo, "p1@example.cn")
	check("References", p.References, []string{"p0@example.cn", "p1@example.cn"})
	check("Auto-Submitted", p.Header["Auto-Submitted"], []string{"auto-replied"})
	check("X-Note", p.Header["X-Note"], []string{"考核"})
	check("Date", p.Date.IsZero(), true)
	check("Text", p.Text, "body")
}

func TestParseNullReturnPathAndLooseAddresses(t *testing.T) {
	raw := "Return-Path: <>\r\nFrom: 朝阳区 <cy@example.cn>\r\nTo: \xbf\xbc\xba\xcb <k@example.cn>, broken <<\r\n\r\nx"
	p, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.ReturnPath != "" || !reflect.DeepEqual(p.Header["Return-Path"], []string{"<>"}) {
		t.Errorf("ReturnPath %q, header %q", p.ReturnPath, p.Header["Return-Path"])
	}
	if p.From != (Address{"朝阳区", "cy@example.cn"}) {
		t.Errorf("From = %+v", p.From)
	}
	if len(p.To) != 1 || p.To[0] != (Address{"考核", "k@example.cn"}) {
		t.Errorf("To = %+v", p.To)
	}
}

func TestParseRejectsEmpty(t *testing.T) {
	for _, raw := range []string{"", " \r\n "} {
		if _, err := Parse([]byte(raw), Limits{}); err == nil {
			t.Errorf("Parse(%q): want error", raw)
		}
	}
}
