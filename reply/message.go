package reply

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"kaohe/internal/cst"
	"kaohe/internal/display"
)

// Mail is one composed message, ready for the outbox.
type Mail struct {
	MessageID string // with angle brackets; deterministic from the caller's key
	Kind      string // KindReceipt, KindUnknownSender, …
	From      string // the envelope and header sender
	To        string // the one recipient, envelope and header
	Subject   string
	Raw       []byte // the complete RFC 5322 message, CRLF line ends
	// Warnings lists what was left out (an annotated workbook that could
	// not be written), for the caller's log.
	Warnings []string
}

// Kinds of mail, also the middle part of their Message-IDs.
const (
	KindReceipt       = "reply"
	KindUnknownSender = "unknown"
	KindQuarantined   = "held" // the receipt of a message staff must look at by hand
	KindStaffNotice   = "notice"
	KindReminder      = "reminder"
	KindConsolidated  = "summary"
	KindForeignNotice = "foreign"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// envelope is what goes into the top-level header.
type envelope struct {
	kind       string
	msgID      string
	from       string
	fromName   string
	to         string
	toName     string
	subject    string
	date       time.Time
	inReplyTo  []string
	references []string
	autoReply  bool // Auto-Submitted: auto-replied, else auto-generated
}

type attachment struct {
	name        string
	contentType string
	data        []byte
}

// build writes the message: multipart/mixed of a multipart/alternative
// (text, HTML) and the attachments, with boundaries derived from the
// Message-ID so that composing again gives identical bytes.
func build(e envelope, text, html string, atts []attachment) (Mail, error) {
	if err := checkAddress(e.from); err != nil {
		return Mail{}, fmt.Errorf("from: %w", err)
	}
	if err := checkAddress(e.to); err != nil {
		return Mail{}, fmt.Errorf("to: %w", err)
	}
	if normMsgID(e.msgID) == "" {
		return Mail{}, fmt.Errorf("invalid message-id %q", e.msgID)
	}
	var h mail.Header
	// go-message writes fields in reverse order of addition.
	h.Set("Content-Type", "multipart/mixed; boundary=\""+boundary(e.msgID, "mixed")+"\"")
	h.Set("MIME-Version", "1.0")
	h.Set("X-Auto-Response-Suppress", "All")
	if e.autoReply {
		h.Set("Auto-Submitted", "auto-replied")
	} else {
		h.Set("Auto-Submitted", "auto-generated")
	}
	if len(e.references) > 0 {
		h.Set("References", strings.Join(e.references, " "))
	}
	if len(e.inReplyTo) > 0 {
		h.Set("In-Reply-To", strings.Join(e.inReplyTo, " "))
	}
	h.Set("Message-Id", e.msgID)
	h.SetSubject(display.Clean(e.subject, maxSubjectRunes*2))
	h.SetAddressList("To", []*mail.Address{{Name: display.Clean(e.toName, maxNameRunes), Address: e.to}})
	h.SetAddressList("From", []*mail.Address{{Name: display.Clean(e.fromName, maxNameRunes), Address: e.from}})
	h.SetDate(e.date.In(cst.Location()))

	var buf bytes.Buffer
	mw, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return Mail{}, fmt.Errorf("write header: %w", err)
	}
	var alt message.Header
	alt.Set("Content-Type", "multipart/alternative; boundary=\""+boundary(e.msgID, "alt")+"\"")
	aw, err := mw.CreatePart(alt)
	if err != nil {
		return Mail{}, err
	}
	for _, p := range []struct{ ct, body string }{{"text/plain; charset=UTF-8", text}, {"text/html; charset=UTF-8", html}} {
		var ph message.Header
		ph.Set("Content-Type", p.ct)
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := aw.CreatePart(ph)
		if err != nil {
			return Mail{}, err
		}
		if _, err := pw.Write([]byte(crlf(p.body))); err != nil {
			return Mail{}, err
		}
		if err := pw.Close(); err != nil {
			return Mail{}, err
		}
	}
	if err := aw.Close(); err != nil {
		return Mail{}, err
	}
	for _, a := range atts {
		ct, cd := attachmentParams(a.contentType, cleanFilename(a.name, "attachment.bin"))
		var ah message.Header
		ah.Set("Content-Transfer-Encoding", "base64")
		ah.Set("Content-Disposition", cd)
		ah.Set("Content-Type", ct)
		pw, err := mw.CreatePart(ah)
		if err != nil {
			return Mail{}, fmt.Errorf("attachment: %w", err)
		}
		if _, err := pw.Write(a.data); err != nil {
			return Mail{}, err
		}
		if err := pw.Close(); err != nil {
			return Mail{}, err
		}
	}
	if err := mw.Close(); err != nil {
		return Mail{}, err
	}
	subject, _ := h.Subject()
	return Mail{MessageID: e.msgID, Kind: e.kind, From: e.from, To: e.to, Subject: subject, Raw: buf.Bytes()}, nil
}

// crlf turns the line ends of a rendered body into CRLF.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
