package mailparse

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseTextCharsets(t *testing.T) {
	const rare = "𠀀姓名䶮" // GB18030 four-byte and Ext-A characters
	g := gbk(t, rare)
	tests := []struct {
		name, ct, cte, body, want, problem string
	}{
		{"gb2312 label with gb18030 text", "text/plain; charset=gb2312", "8bit", g, rare, ""},
		{"GB2312 upper", "text/plain; charset=\"GB2312\"", "8bit", g, rare, ""},
		{"gbk", "text/plain; charset=gbk", "8bit", g, rare, ""},
		{"euc-cn", "text/plain; charset=euc-cn", "8bit", g, rare, ""},
		{"GB_2312-80", "text/plain; charset=GB_2312-80", "8bit", g, rare, ""},
		{"cp936", "text/plain; charset=cp936", "8bit", g, rare, ""},
		{"no charset raw gbk", "text/plain", "8bit", g, rare, ""},
		{"no content type", "", "8bit", "hello", "hello", ""},
		{"utf-8 qp", "text/plain; charset=utf-8", "quoted-printable", "=E4=BD=A0=E5=A5=BD=\r\n!", "你好!", ""},
		{"base64 without padding and with junk", "text/plain; charset=utf-8", "base64", "5L2g5a \r\n W9\t*", "你好", ""},
		{"big5", "text/plain; charset=big5", "8bit", "\xa5x\xa5_", "台北", ""},
		{"x-weird skipped", "text/plain; charset=x-weird", "8bit", "abc", "", `unknown charset "x-weird"`},
		{"unknown transfer encoding", "text/plain", "x-uuencode", "abc", "abc", "unknown Content-Transfer-Encoding"},
		{"control characters removed", "text/plain", "8bit", "a\x00b\x1bc\u202Ed\r\ne", "abcd\ne", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := "Subject: t\r\n"
			if tc.ct != "" {
				raw += "Content-Type: " + tc.ct + "\r\n"
			}
			raw += "Content-Transfer-Encoding: " + tc.cte + "\r\n\r\n" + tc.body
			p, err := Parse([]byte(raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Text != tc.want {
				t.Errorf("Text = %q, want %q", p.Text, tc.want)
			}
			if tc.problem != "" && !problemsContain(p, tc.problem) || tc.problem == "" && len(p.Problems) > 0 {
				t.Errorf("problems %q, want %q", p.Problems, tc.problem)
			}
		})
	}
}

func TestParseTextChoice(t *testing.T) {
	html := "Content-Type: text/html; charset=utf-8\r\n\r\n<p>网页</p><script>x()</script>"
	plain := "Content-Type: text/plain; charset=utf-8\r\n\r\n纯文本"
	plain2 := "Content-Type: text/plain; charset=utf-8\r\n\r\n第二段"
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"plain preferred over earlier html", []string{html, plain}, "纯文本"},
		{"first plain wins", []string{plain, plain2}, "纯文本"},
		{"html only", []string{html}, "网页"},
		{"attachment text is not body", []string{"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nfile", plain2}, "第二段"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(mailWith(tc.parts...), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Text != tc.want {
				t.Errorf("Text = %q, want %q", p.Text, tc.want)
			}
		})
	}
}

func TestParseTextCap(t *testing.T) {
	body := strings.Repeat("考", 1000) // 3000 bytes
	p, err := Parse([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"+body), Limits{MaxTextBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Text) != 999 || !utf8.ValidString(p.Text) {
		t.Errorf("capped text: %d bytes, valid %v", len(p.Text), utf8.ValidString(p.Text))
	}
}

func TestParseDamagedParts(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	truncated := "From: a@example.cn\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n" +
		"Content-Type: text/plain\r\n\r\nhi\r\n--BB\r\n" + mimeAttachment("ok.xlsx", xlsx) + "--BB\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBBQ"
	p, err := Parse([]byte(truncated), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "hi" || len(p.Attachments) != 1 || p.Attachments[0].Filename != "ok.xlsx" ||
		!problemsContain(p, "unreadable, skipped") || !problemsContain(p, "without its final boundary") {
		t.Errorf("text %q attachments %v problems %q", p.Text, names(p.Attachments), p.Problems)
	}
	noBoundary := "Content-Type: multipart/mixed\r\n\r\nbody"
	p, err = Parse([]byte(noBoundary), Limits{})
	if err != nil || !problemsContain(p, "without boundary") {
		t.Errorf("err %v problems %v", err, p.Problems)
	}
}

func TestParseInlineAndTNEF(t *testing.T) {
	p, err := Parse(readTestdata(t, "inline_and_others.eml"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, a := range p.Attachments {
		got = append(got, a.Inline)
	}
	if want := []bool{true, true, false, false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Inline flags %v, want %v", got, want)
	}

	tnef := mailWith("Content-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\neJ8+IgEAAA==")
	p, err = Parse(tnef, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "winmail.dat" || p.Attachments[0].Kind != KindOther || !problemsContain(p, "TNEF") {
		t.Errorf("attachments %v problems %q", names(p.Attachments), p.Problems)
	}
}

func TestParseNameOnlyInContentType(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	g := gbk(t, formName)
	tests := []struct {
		name, ct string
		low      bool
	}{
		{"rfc2047 name", `application/vnd.ms-excel; name="` + b64word("gb2312", g) + `"`, false},
		{"rfc2231 name", `application/octet-stream; name*=gbk''` + pct(g), false},
		{"raw gbk name", `application/octet-stream; name=` + g, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			part := "Content-Type: " + tc.ct + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(xlsx)
			p, err := Parse(mailWith(part), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attachments) != 1 || p.Attachments[0].Filename != formName || p.Attachments[0].LowConfidenceName != tc.low {
				t.Errorf("attachments %+v", names(p.Attachments))
			}
		})
	}
}

func TestMisreadGBK(t *testing.T) {
	// Chinese characters whose GBK bytes happen to be valid UTF-8.
	var name []rune
	for r := rune(0x4E00); r < 0x9FA5 && len(name) < 3; r++ {
		b := gbk(t, string(r))
		if len(b) == 2 && b[0] >= 0xC2 && b[0] <= 0xDF && b[1] >= 0x80 && b[1] <= 0xBF {
			name = append(name, r)
		}
	}
	want := string(name) + ".xlsx"
	_, got, low := ParseContentDisposition(`attachment; filename="` + gbk(t, want) + `"`)
	if got != want || !low {
		t.Errorf("raw GBK that is valid UTF-8: got %q low=%v, want %q", got, low, want)
	}
	for _, keep := range []string{"Café.xlsx", "报表.xlsx", "naïve résumé.xlsx"} {
		if _, got, low := ParseContentDisposition(`attachment; filename="` + keep + `"`); got != keep || low {
			t.Errorf("%q: got %q low=%v", keep, got, low)
		}
	}
}

func TestParseLongAndDamagedText(t *testing.T) {
	long := strings.Repeat("考核", 200000) // 1.2 MB
	p, err := Parse([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"+long), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Text) < DefaultLimits().MaxTextBytes-3 || len(p.Text) > DefaultLimits().MaxTextBytes || !strings.HasPrefix(p.Text, "考核考核") {
		t.Errorf("long text: %d bytes", len(p.Text))
	}

	p, err = Parse([]byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nok =ZZ bad\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Text, "ok") {
		t.Errorf("damaged qp: text %q problems %q", p.Text, p.Problems)
	}
}

func TestParseDamagedHeader(t *testing.T) {
	raw := "Subject: =?utf-8?B?5rWL6K+V?=\r\nContent-Type: multipart/mixed; boundary=BB\r\nthis line has no colon\r\n\r\n--BB\r\n" +
		mimeAttachment("a.xlsx", readTestdata(t, "chaoyang.xlsx")) + "--BB--\r\n"
	p, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "测试" || len(p.Attachments) != 1 || !problemsContain(p, "header damaged") {
		t.Errorf("subject %q attachments %v problems %q", p.Subject, names(p.Attachments), p.Problems)
	}
	if _, err := Parse([]byte(" leading space is not a header\r\n\r\nbody"), Limits{}); err == nil {
		t.Error("unreadable header: want error")
	}
}

func TestParseMediaTypeSanitized(t *testing.T) {
	tests := []struct{ ct, want string }{
		{"Application/VND.ms-Excel; name=a.xls", "application/vnd.ms-excel"},
		{"application/x\x1b[31mred; name=a.xls", "application/octet-stream"},
		{"xlsx; name=a.xls", "application/octet-stream"},
		{"/; name=a.xls", "application/octet-stream"},
	}
	for _, tc := range tests {
		p, err := Parse(mailWith("Content-Type: "+tc.ct+"\r\n\r\nx"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attachments) != 1 || p.Attachments[0].ContentType != tc.want {
			t.Errorf("%q: attachments %+v", tc.ct, p.Attachments)
		}
	}
}
