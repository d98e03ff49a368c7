// Package mailserver is a small mail system on loopback for the demo and
// the tests: go-imap's in-memory IMAP server with one account per address,
// and a go-smtp server that delivers what it receives into the recipients'
// INBOXes, so that replies can be read like real mail.
package mailserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Delivery is one mail the SMTP side accepted.
type Delivery struct {
	From string
	To   []string
	Raw  []byte
	At   time.Time
}

// Server is the IMAP and SMTP pair. Create it with Start; Close it.
type Server struct {
	IMAPAddr, SMTPAddr string

	mem  *imapmemserver.Server
	imap *imapserver.Server
	smtp *smtp.Server
	now  func() time.Time

	mu         sync.Mutex
	users      map[string]*imapmemserver.User // by lower-case address
	passwords  map[string]string
	deliveries []Delivery
	// Refuse makes the SMTP server answer DATA with this error (tests).
	refuse *smtp.SMTPError
}

// Options configure Start.
type Options struct {
	// Caps are the IMAP capabilities; nil: IMAP4rev1 with MOVE and UIDPLUS.
	Caps imap.CapSet
	// Now stamps deliveries; nil: time.Now.
	Now func() time.Time
	// IMAPAddr and SMTPAddr to listen on; "": 127.0.0.1 on a free port.
	IMAPAddr, SMTPAddr string
}

// Start listens on loopback.
func Start(opts Options) (*Server, error) {
	s := &Server{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}, passwords: map[string]string{}, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	caps := opts.Caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}}
	}
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true, // loopback only
		Logger:       log.New(io.Discard, "", 0),
	})
	imapLn, err := net.Listen("tcp", orLoopback(opts.IMAPAddr))
	if err != nil {
		return nil, fmt.Errorf("imap listen: %w", err)
	}
	go s.imap.Serve(imapLn)
	s.IMAPAddr = imapLn.Addr().String()

	s.smtp = smtp.NewServer(backend{s})
	s.smtp.Domain = "localhost"
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)
	s.smtp.AllowInsecureAuth = true
	s.smtp.MaxMessageBytes = 50 << 20
	s.smtp.ReadTimeout = time.Minute
	s.smtp.WriteTimeout = time.Minute
	smtpLn, err := net.Listen("tcp", orLoopback(opts.SMTPAddr))
	if err != nil {
		s.imap.Close()
		return nil, fmt.Errorf("smtp listen: %w", err)
	}
	go s.smtp.Serve(smtpLn)
	s.SMTPAddr = smtpLn.Addr().String()
	return s, nil
}

func orLoopback(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

// Close stops both servers.
func (s *Server) Close() error {
	return errors.Join(s.smtp.Close(), s.imap.Close())
}

// AddUser creates an account whose login is its address, with an INBOX.
func (s *Server) AddUser(addr, password string) error {
	key := strings.ToLower(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[key]; ok {
		return nil
	}
	u := imapmemserver.NewUser(addr, password)
	if err := u.Create("INBOX", nil); err != nil {
		return err
	}
	s.mem.AddUser(u)
	s.users[key], s.passwords[key] = u, password
	return nil
}

// Deliver puts raw into the INBOX of addr with the given server receipt
// time (INTERNALDATE), as a mail provider would on arrival.
func (s *Server) Deliver(addr string, raw []byte, at time.Time) error {
	s.mu.Lock()
	u, ok := s.users[strings.ToLower(addr)]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no mailbox for %s", addr)
	}
	_, err := u.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: at})
	return err
}

// Deliveries returns what the SMTP side accepted so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// RefuseData makes the SMTP server refuse every DATA with err; nil accepts again.
func (s *Server) RefuseData(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = err
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ss.s.mu.Lock()
		defer ss.s.mu.Unlock()
		if p, ok := ss.s.passwords[strings.ToLower(username)]; ok && p == password {
			return nil
		}
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	refuse := ss.s.refuse
	ss.s.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	at := ss.s.now()
	ss.s.mu.Lock()
	ss.s.deliveries = append(ss.s.deliveries, Delivery{From: ss.from, To: append([]string(nil), ss.to...), Raw: raw, At: at})
	ss.s.mu.Unlock()
	for _, to := range ss.to {
		// Mail to an address without a mailbox is kept in Deliveries only.
		_ = ss.s.Deliver(to, raw, at)
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
