package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// corpusMail is one malformed mail of the corpus; answerable says whether
// the office can and should reply (a usable roster From, not an auto-reply).
type corpusMail struct {
	name       string
	answerable bool
	raw        func(a sample.Agency, form []byte) string
}

// corpus writes about forty malformed mails shaped after what real mail
// clients, broken gateways and list software send, plus a few good forms,
// into -o, and an index (index.tsv: file, answerable, name).
func corpus(args []string) error {
	fs := flag.NewFlagSet("corpus", flag.ExitOnError)
	out := fs.String("o", "corpus", "output folder")
	n := fs.Int("n", 100, "agencies in the roster (as forms -n)")
	good := fs.Int("good", 5, "good forms to add")
	prefix := fs.String("id", "corpus", "Message-ID prefix")
	fs.Parse(args)
	form, err := templates.Load(2021)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ags := sample.RandomAgencies(*n, 2021)
	var index bytes.Buffer
	for i, m := range corpusMails {
		a := ags[i%len(ags)]
		v := sample.Good(a.Name, a.District)
		v.Date = "2021-12-14"
		data, err := sample.Workbook(form, v)
		if err != nil {
			return err
		}
		raw := m.raw(a, data)
		raw = strings.ReplaceAll(raw, "@@ID@@", fmt.Sprintf("%s.%02d@mail.example.org", *prefix, i))
		f := fmt.Sprintf("c%02d.eml", i)
		if err := os.WriteFile(filepath.Join(*out, f), []byte(raw), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&index, "%s\t%v\t%s\t%s\n", f, m.answerable, a.Email, m.name)
	}
	for i := 0; i < *good; i++ {
		a := ags[len(ags)-1-i]
		v := sample.Good(a.Name, a.District)
		v.Date = "2021-12-14"
		data, err := sample.Workbook(form, v)
		if err != nil {
			return err
		}
		f := fmt.Sprintf("g%02d.eml", i)
		if err := os.WriteFile(filepath.Join(*out, f), formMail(a, fmt.Sprintf("%s.good%02d@mail.example.org", *prefix, i), data), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&index, "%s\ttrue\t%s\tgood form\n", f, a.Email)
	}
	return os.WriteFile(filepath.Join(*out, "index.tsv"), index.Bytes(), 0o644)
}

const xlsxCT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func b64(data []byte) string { return wrap(base64.StdEncoding.EncodeToString(data)) }

func hdr(from, subject string) string {
	return "From: " + from + "\r\nTo: " + office + "\r\nSubject: " + subject +
		"\r\nDate: Mon, 20 Dec 2021 10:00:00 +0800\r\nMessage-ID: <@@ID@@>\r\nMIME-Version: 1.0\r\n"
}

func withForm(from, subject string, form []byte) string {
	return hdr(from, subject) + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件是考核表\r\n" +
		"--b\r\nContent-Type: " + xlsxCT + "; name=form.xlsx\r\nContent-Disposition: attachment; filename=form.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64(form) + "--b--\r\n"
}

var corpusMails = []corpusMail{
	{"header only, no blank line", true, func(a sample.Agency, _ []byte) string {
		return strings.TrimSuffix(hdr("<"+a.Email+">", "kaohe"), "\r\n")
	}},
	{"header only, blank line, no body", true, func(a sample.Agency, _ []byte) string { return hdr(a.Email, "考核表") + "\r\n" }},
	{"bare MIME part: xlsx, no From", false, func(_ sample.Agency, f []byte) string {
		return "Content-Type: " + xlsxCT + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(f)
	}},
	{"bare MIME part: text, no From, no Date", false, func(sample.Agency, []byte) string {
		return "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n"
	}},
	{"malformed From: unclosed angle", false, func(a sample.Agency, _ []byte) string { return hdr(a.Email+" <", "x") + "\r\nbody\r\n" }},
	{"malformed From: double angle", true, func(a sample.Agency, f []byte) string { return withForm("<<"+a.Email+">>", "kaohe", f) }},
	{"From: name and address without angles", true, func(a sample.Agency, f []byte) string {
		return withForm("=?utf-8?B?5byg5LiJ?= "+a.Email, "kaohe", f)
	}},
	{"8-bit UTF-8 From name", true, func(a sample.Agency, f []byte) string {
		return withForm("李四 <"+a.Email+">", "考核表 8bit 主题", f)
	}},
	{"missing From, with form", false, func(_ sample.Agency, f []byte) string {
		return strings.Replace(withForm("x", "kaohe", f), "From: x\r\n", "", 1)
	}},
	{"empty From", false, func(_ sample.Agency, _ []byte) string { return hdr("", "empty from") + "\r\nbody\r\n" }},
	{"From: empty group", false, func(_ sample.Agency, _ []byte) string {
		return hdr("undisclosed-recipients:;", "group") + "\r\nbody\r\n"
	}},
	{"broken base64 attachment", true, func(a sample.Agency, f []byte) string {
		s := withForm(a.Email, "kaohe", f)
		i := strings.Index(s, "base64\r\n\r\n") + 200
		return s[:i] + "!!!%%%***not base64***" + s[i:]
	}},
	{"truncated base64 attachment", true, func(a sample.Agency, f []byte) string {
		s := withForm(a.Email, "kaohe", f)
		i := strings.Index(s, "base64\r\n\r\n") + 3001
		return s[:i] + "\r\n--b--\r\n"
	}},
	{"random bytes named .xlsx", true, func(a sample.Agency, _ []byte) string {
		junk := bytes.Repeat([]byte{0x50, 0x4b, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef}, 500)
		return withForm(a.Email, "kaohe", junk)
	}},
	{"utf-8 body labelled gb2312", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "=?gb2312?B?v7y6y7Ht?=") + "Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n您好，考核表随后发送\r\n"
	}},
	{"unknown charset", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "=?x-unknown?B?v7y6y7Ht?=") + "Content-Type: text/plain; charset=x-unknown-8bit\r\n\r\n\xbf\xbc\xba\xcb\r\n"
	}},
	{"GBK subject with invalid bytes", true, func(a sample.Agency, f []byte) string {
		return withForm(a.Email, "=?GBK?B?"+base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x81, 0x20})+"?=", f)
	}},
	{"unterminated encoded word subject", true, func(a sample.Agency, f []byte) string { return withForm(a.Email, "=?utf-8?Q?broken", f) }},
	{"RFC 2231 filename with bogus charset", true, func(a sample.Agency, f []byte) string {
		return strings.Replace(withForm(a.Email, "kaohe", f), "filename=form.xlsx", "filename*=bogus''%B9%FA.xlsx", 1)
	}},
	{"form nested three multiparts deep", true, func(a sample.Agency, f []byte) string {
		return hdr(a.Email, "nested") + "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/related; boundary=m\r\n\r\n" +
			"--m\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nplain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--i--\r\n" +
			"--m\r\nContent-Type: multipart/mixed; boundary=d\r\n\r\n--d\r\nContent-Type: " + xlsxCT + "; name=\"form.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(f) + "--d--\r\n--m--\r\n--o--\r\n"
	}},
	{"multipart without boundary parameter", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "no boundary") + "Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n"
	}},
	{"multipart never closed", true, func(a sample.Agency, f []byte) string {
		return strings.TrimSuffix(withForm(a.Email, "unclosed", f), "--b--\r\n")
	}},
	{"forwarded message/rfc822 with the form", true, func(a sample.Agency, f []byte) string {
		inner := withForm(a.Email, "inner", f)
		return hdr(a.Email, "Fw: kaohe") + "Content-Type: multipart/mixed; boundary=fw\r\n\r\n--fw\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n--fw\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--fw--\r\n"
	}},
	{"TNEF winmail.dat", true, func(a sample.Agency, _ []byte) string {
		tnef := append([]byte{0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00}, bytes.Repeat([]byte{1, 2, 3, 0, 0x90}, 300)...)
		return hdr(a.Email, "kaohe") + "Content-Type: multipart/mixed; boundary=t\r\n\r\n--t\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--t\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Disposition: attachment; filename=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(tnef) + "--t--\r\n"
	}},
	{"raw GBK bytes in Subject and From name", true, func(a sample.Agency, f []byte) string {
		return withForm("\xc0\xee\xcb\xc4 <"+a.Email+">", "\xbf\xbc\xba\xcb\xb1\xed", f)
	}},
	{"100 KB single body line", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "long line") + "Content-Type: text/plain\r\n\r\n" + strings.Repeat("x", 100000) + "\r\n"
	}},
	{"10 KB unfolded Subject", true, func(a sample.Agency, f []byte) string { return withForm(a.Email, strings.Repeat("考核", 1700), f) }},
	{"NUL bytes in body", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "nul") + "Content-Type: text/plain\r\n\r\nab\x00cd\x00\r\n"
	}},
	{"bad quoted-printable", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "qp") + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=E4=B8=\r\n=\r\n"
	}},
	{"x-uuencode attachment", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "uue") + "Content-Type: multipart/mixed; boundary=u\r\n\r\n--u\r\nContent-Type: application/octet-stream; name=form.xlsx\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 form.xlsx\r\nM4$L#!!0``\r\n`\r\nend\r\n--u--\r\n"
	}},
	{"Content-Type without subtype", true, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "ct") + "Content-Type: text\r\n\r\nbody\r\n"
	}},
	{"two From fields", true, func(a sample.Agency, f []byte) string {
		return "From: " + a.Email + "\r\n" + withForm("someone@elsewhere.example", "two from", f)
	}},
	{"From with two addresses", true, func(a sample.Agency, f []byte) string {
		return withForm(a.Email+", other@elsewhere.example", "two addrs", f)
	}},
	{"malformed Date", true, func(a sample.Agency, f []byte) string {
		return strings.Replace(withForm(a.Email, "date", f), "Mon, 20 Dec 2021 10:00:00 +0800", "yesterday at noon", 1)
	}},
	{"no Message-ID", true, func(a sample.Agency, f []byte) string {
		return strings.Replace(withForm(a.Email, "no id", f), "Message-ID: <@@ID@@>\r\n", "", 1)
	}},
	{"LF-only line endings", true, func(a sample.Agency, f []byte) string {
		return strings.ReplaceAll(withForm(a.Email, "lf", f), "\r\n", "\n")
	}},
	{"empty xlsx attachment", true, func(a sample.Agency, _ []byte) string { return withForm(a.Email, "empty", nil) }},
	{"garbage .xls as octet-stream", true, func(a sample.Agency, _ []byte) string {
		junk := append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, bytes.Repeat([]byte{7}, 3000)...)
		return hdr(a.Email, "xls") + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream; name=form.xls\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(junk) + "--b--\r\n"
	}},
	{"auto-reply from a roster address", false, func(a sample.Agency, _ []byte) string {
		return hdr(a.Email, "Auto: out of office") + "Auto-Submitted: auto-replied\r\nContent-Type: text/plain\r\n\r\naway\r\n"
	}},
	{"Content-Transfer-Encoding base64 on a multipart", true, func(a sample.Agency, f []byte) string {
		return strings.Replace(withForm(a.Email, "cte", f), "boundary=b\r\n", "boundary=b\r\nContent-Transfer-Encoding: base64\r\n", 1)
	}},
	{"stranger with form, no Authentication-Results", false, func(_ sample.Agency, f []byte) string {
		return withForm("mallory@evil.example", "kaohe", f)
	}},
}
