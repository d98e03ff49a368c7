package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

type attachment struct {
	name, contentType string
	data              []byte
}

// letter is one mail as a clerk would write it.
type letter struct {
	fromName, from, to string
	subject, text      string
	date               time.Time
	msgID              string
	header             map[string]string // extra fields, e.g. Auto-Submitted
	attachments        []attachment
}

// outlook writes the letter the way Outlook and most webmail do: UTF-8,
// RFC 2047 subject, RFC 2231 filenames. The multipart boundary derives from
// the Message-ID, so that the same scenario gives the same bytes, hence the
// same receipts, in every run.
func (l letter) outlook() ([]byte, error) {
	var h mail.Header
	h.SetDate(l.date)
	h.SetAddressList("From", []*mail.Address{{Name: l.fromName, Address: l.from}})
	h.SetAddressList("To", []*mail.Address{{Address: l.to}})
	h.SetSubject(l.subject)
	h.SetMessageID(l.msgID)
	for _, k := range slices.Sorted(maps.Keys(l.header)) {
		h.Set(k, l.header[k])
	}
	sum := sha256.Sum256([]byte(l.msgID))
	h.SetContentType("multipart/mixed", map[string]string{"boundary": "----=_Part_" + hex.EncodeToString(sum[:12])})
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	th.Set("Content-Disposition", "inline")
	tw, err := w.CreatePart(th.Header)
	if err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(l.text)); err != nil {
		return nil, err
	}
	tw.Close()
	for _, a := range l.attachments {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", a.contentType)
		ah.SetFilename(a.name)
		aw, err := w.CreatePart(ah.Header)
		if err != nil {
			return nil, err
		}
		if _, err := aw.Write(a.data); err != nil {
			return nil, err
		}
		aw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// foxmail writes the letter as Foxmail on Chinese Windows does: GB18030
// text, RFC 2047 GB18030 words even inside the quoted filename parameter.
func (l letter) foxmail() ([]byte, error) {
	enc := func(s string) string {
		b, _ := simplifiedchinese.GB18030.NewEncoder().String(s)
		return "=?GB18030?B?" + base64.StdEncoding.EncodeToString([]byte(b)) + "?="
	}
	boundary := "----=_NextPart_000_0001_01D7F6A1.4C3B2E10"
	var b strings.Builder
	fmt.Fprintf(&b, "Date: %s\r\n", l.date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: \"%s\" <%s>\r\n", enc(l.fromName), l.from)
	fmt.Fprintf(&b, "To: <%s>\r\n", l.to)
	fmt.Fprintf(&b, "Subject: %s\r\n", enc(l.subject))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", l.msgID)
	b.WriteString("X-Mailer: Foxmail 7.2.23.121[cn]\r\nMime-Version: 1.0\r\n")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n", boundary)
	body, _ := simplifiedchinese.GB18030.NewEncoder().String(l.text)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain;\r\n\tcharset=\"GB18030\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
		boundary, wrap76(base64.StdEncoding.EncodeToString([]byte(body))))
	for _, a := range l.attachments {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: application/octet-stream;\r\n\tname=\"%s\"\r\n", boundary, enc(a.name))
		fmt.Fprintf(&b, "Content-Disposition: attachment;\r\n\tfilename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			enc(a.name), wrap76(base64.StdEncoding.EncodeToString(a.data)))
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return []byte(b.String()), nil
}

// forward wraps an earlier mail as a message/rfc822 part, as a clerk who
// forwards a colleague's mail "as attachment" does.
func (l letter) forward(inner []byte) ([]byte, error) {
	boundary := "fwd-" + strings.ReplaceAll(l.msgID, "@", ".")
	var b strings.Builder
	fmt.Fprintf(&b, "Date: %s\r\n", l.date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.BEncoding.Encode("utf-8", l.fromName), l.from)
	fmt.Fprintf(&b, "To: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", l.to, mime.BEncoding.Encode("utf-8", l.subject), l.msgID)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
		boundary, wrap76(base64.StdEncoding.EncodeToString([]byte(l.text))))
	fmt.Fprintf(&b, "--%s\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n%s\r\n--%s--\r\n",
		boundary, strings.TrimRight(string(inner), "\r\n"), boundary)
	return []byte(b.String()), nil
}

// Base64Lines encodes data as a MIME body does: base64 in lines of 76.
func Base64Lines(data []byte) string { return wrap76(base64.StdEncoding.EncodeToString(data)) }

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}
