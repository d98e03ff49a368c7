// Command trial builds and delivers the mail of the fault trial against a
// real Dovecot and Postfix (see README.md here): a roster and good forms of n
// agencies, a corpus of malformed mail, and an APPEND of a folder of .eml
// files to an IMAP mailbox.
package main

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"kaohe/internal/sample"
	"kaohe/templates"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: trial forms|corpus|append ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "forms":
		err = forms(os.Args[2:])
	case "corpus":
		err = corpus(os.Args[2:])
	case "append":
		err = appendDir(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "trial:", err)
		os.Exit(1)
	}
}

const office = "zzjgb@trial.example.org"

// forms writes roster.csv and one good form mail per agency into -o.
func forms(args []string) error {
	fs := flag.NewFlagSet("forms", flag.ExitOnError)
	n := fs.Int("n", 100, "agencies")
	out := fs.String("o", "forms", "output folder")
	prefix := fs.String("id", "trial", "Message-ID prefix (unique per run)")
	fs.Parse(args)
	form, err := templates.Load(2021)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ags := sample.RandomAgencies(*n, 2021)
	var roster bytes.Buffer
	roster.WriteString("考核单位,类型,邮箱,联系人\n")
	for i, a := range ags {
		kind := "局总公司"
		if a.District {
			kind = "区"
		}
		fmt.Fprintf(&roster, "%s,%s,%s,%s\n", a.Name, kind, a.Email, a.Contact)
		v := sample.Good(a.Name, a.District)
		v.Date = "2021-12-14"
		data, err := sample.Workbook(form, v)
		if err != nil {
			return err
		}
		raw := formMail(a, fmt.Sprintf("%s.%03d@mail.example.org", *prefix, i), data)
		if err := os.WriteFile(filepath.Join(*out, fmt.Sprintf("%03d.eml", i)), raw, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(*out, "roster.csv"), roster.Bytes(), 0o644)
}

func formMail(a sample.Agency, msgID string, xlsx []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: =?UTF-8?B?%s?= <%s>\r\n", base64.StdEncoding.EncodeToString([]byte(a.Contact)), a.Email)
	fmt.Fprintf(&b, "To: %s\r\n", office)
	fmt.Fprintf(&b, "Subject: =?UTF-8?B?%s?=\r\n", base64.StdEncoding.EncodeToString([]byte(a.Name+"2021年度考核表")))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Date(2021, 12, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n", msgID)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n\r\n")
	b.WriteString("--=_b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString([]byte("您好，附件是我单位2021年度考核表，请查收。\n" + a.Contact))))
	b.WriteString("--=_b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n")
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename*=UTF-8''%s\r\n", pct(a.Name+"考核表.xlsx"))
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString(xlsx)))
	b.WriteString("--=_b1--\r\n")
	return b.Bytes()
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

func pct(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// appendDir APPENDs every .eml of a folder, in name order, to a mailbox.
func appendDir(args []string) error {
	fs := flag.NewFlagSet("append", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:10143", "IMAP address (plain)")
	user := fs.String("user", "kaohe", "")
	pass := fs.String("pass", "trialpw", "")
	mbox := fs.String("mailbox", "INBOX", "")
	fs.Parse(args)
	var files []string
	for _, d := range fs.Args() {
		m, _ := filepath.Glob(filepath.Join(d, "*.eml"))
		files = append(files, m...)
	}
	sort.Strings(files)
	c, err := imapclient.DialInsecure(*addr, &imapclient.Options{TLSConfig: &tls.Config{}})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(*user, *pass).Wait(); err != nil {
		return err
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		cmd := c.Append(*mbox, int64(len(raw)), &imap.AppendOptions{Time: time.Now()})
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append %s: %w", f, err)
		}
	}
	fmt.Printf("appended %d messages to %s\n", len(files), *mbox)
	return c.Logout().Wait()
}
