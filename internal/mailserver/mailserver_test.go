package mailserver

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"kaohe/internal/cst"
)

func TestSMTPDeliversIntoIMAP(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddUser("agency@example.org", "pw"); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: office@example.org\r\nTo: agency@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
	c, err := smtp.Dial(s.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "agency@example.org", "wrong")); err == nil {
		t.Error("wrong password accepted")
	}
	if err := c.SendMail("office@example.org", []string{"agency@example.org", "nobody@example.org"}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if d := s.Deliveries(); len(d) != 1 || len(d[0].To) != 2 || !bytes.Equal(d[0].Raw, raw) {
		t.Fatalf("deliveries %+v", d)
	}

	at := time.Date(2021, 12, 20, 9, 30, 0, 0, cst.Location())
	if err := s.Deliver("agency@example.org", raw, at); err != nil {
		t.Fatal(err)
	}
	ic, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("agency@example.org", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := ic.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 2 {
		t.Fatalf("INBOX has %d messages, want 2", sel.NumMessages)
	}
	msgs, err := ic.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{InternalDate: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if !msgs[0].InternalDate.Equal(at) {
		t.Errorf("internal date %v, want %v", msgs[0].InternalDate, at)
	}
}
