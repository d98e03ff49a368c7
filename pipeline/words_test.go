package pipeline

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"kaohe/store"
)

// A question without a form is answered with a receipt that says there is
// no form, attaches the blank one and says the question went to staff;
// a form with only a covering note says nothing of staff.
func TestQuestionWithoutFormGetsBlankForm(t *testing.T) {
	f := newFixture(t, nil)
	at := time.Date(2021, 12, 16, 6, 20, 0, 0, time.UTC)
	m := f.handle(mailSpec{from: "<chaoyang@example.org>", subject: "请问", msgID: "q@x",
		body: "您好，请问今年的考核表在哪里下载？谢谢。\r\n朝阳区代办处"}.raw(), at)
	if m.Outcome != store.OutcomeNoForm {
		t.Fatalf("outcome %s", m.Outcome)
	}
	f.handle(mailSpec{from: "<jiangong@example.org>", subject: "考核表", msgID: "f@x", attachment: f.good}.raw(), at)
	items := f.outbox()
	if len(items) != 2 {
		t.Fatalf("%d replies, want 2", len(items))
	}
	for _, it := range items {
		text, atts := receiptParts(t, it.Raw)
		said := strings.Contains(text, "已转给工作人员")
		if it.To == "chaoyang@example.org" {
			if !strings.Contains(text, "状态：无考核表") || !said || len(atts) != 1 || atts[0] != testForm.Title+".xlsx" {
				t.Errorf("question receipt: said %v, attachments %v:\n%s", said, atts, text)
			}
		} else if said || !strings.Contains(text, "状态：") {
			t.Errorf("a covering note was said to go to staff:\n%s", text)
		}
	}
}

func receiptParts(t *testing.T, raw []byte) (text string, atts []string) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(p.Body)
				text = string(b)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			atts = append(atts, name)
		}
	}
	return text, atts
}
