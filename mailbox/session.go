package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/rs/zerolog"

	"kaohe/internal/fault"
	"kaohe/internal/mailtls"
)

// Errors the Watcher classifies for its backoff. Both are permanent
// (fault.WithTemporary): every new session fails the same way until a person
// changes a setting, so the Watcher retries them slowly instead of giving up.
var (
	// ErrAuthFailed: the server refused the credentials. Retried slowly
	// (Config.AuthBackoff) so that the provider does not lock the
	// account; fix the password or 授权码.
	ErrAuthFailed = fault.WithTemporary(errors.New("imap authentication failed"), false)
	// ErrUnsafeLogin: 163/126-style refusal of SELECT ("Unsafe Login"),
	// normally because the ID command was not sent or was rejected.
	ErrUnsafeLogin = fault.WithTemporary(errors.New("imap server refused the mailbox as an unsafe login (ID command missing or rejected)"), false)
)

// clientID is what the ID command tells the server (163/126 require one).
var clientID = imap.IDData{Name: "kaohe", Version: "1.0", Vendor: "kaohe"}

// imapSession is one logged-in connection with the watched mailbox
// selected. It is used by a single goroutine.
type imapSession struct {
	cfg      Config
	log      zerolog.Logger
	c        *imapclient.Client
	caps     imap.CapSet
	sel      *imap.SelectData
	stopCtx  func() bool
	keywords bool // PERMANENTFLAGS has \*: custom keywords are kept
	// condstore: the mailbox was selected with CONDSTORE and keeps
	// mod-sequences, so a claim can be stored UNCHANGEDSINCE.
	condstore bool
	claims    ClaimMode // how messages are claimed in this session
}

// do runs f under a watchdog of d; on expiry the client is closed and the
// error wraps ErrCommandTimeout.
func (s *imapSession) do(op string, d time.Duration, f func() error) error {
	wd := startWatchdog(d, func() { s.c.Close() })
	err := f()
	if wd.stop() {
		return fmt.Errorf("%s: %w (after %v)", op, ErrCommandTimeout, d)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// close ends the session: LOGOUT when graceful, then closes the connection.
func (s *imapSession) close(graceful bool) {
	if graceful {
		_ = s.do("logout", 5*time.Second, func() error { return s.c.Logout().Wait() })
	}
	s.c.Close()
	if s.stopCtx != nil {
		s.stopCtx()
	}
}

// errandSession is a connection of its own for one errand that changes
// nothing (a check, a look at what waits): cfg with its defaults and
// validated, then dialled. The caller closes the session.
func errandSession(ctx context.Context, cfg Config) (*imapSession, Config, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, cfg, err
	}
	s, err := dialSession(ctx, cfg, cfg.Logger, nil)
	return s, cfg, err
}

// dialSession connects, logs in, sends ID when offered and reads the
// capabilities. onExists, if set, is called (on the client's reader
// goroutine; it must not block) when the server reports EXISTS.
func dialSession(ctx context.Context, cfg Config, log zerolog.Logger, onExists func()) (*imapSession, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("imap addr %q: %w", cfg.Addr, err)
	}
	tlsConfig, err := mailtls.ClientConfig(cfg.TLSConfig, cfg.CAFile, cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap.%w", err)
	}
	var conn net.Conn
	if cfg.TLS == TLSImplicit {
		dialer := &net.Dialer{Timeout: cfg.CommandTimeout, KeepAlive: 15 * time.Second}
		if conn, err = dialer.DialContext(ctx, "tcp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("connect %s: %w", cfg.Addr, err)
		}
		if tlsConfig.NextProtos == nil {
			tlsConfig.NextProtos = []string{"imap"}
		}
		hctx, cancel := context.WithTimeout(ctx, cfg.CommandTimeout)
		tconn, err := mailtls.Handshake(hctx, mailtls.IMAP, cfg.Addr, conn, tlsConfig)
		cancel()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", cfg.Addr, err)
		}
		conn = tconn
	} else {
		// A server that speaks TLS from the first byte (993) would leave
		// us waiting for its greeting until the command timeout: Plain
		// finds out within seconds and names the setting to change.
		d := mailtls.Dial{Service: mailtls.IMAP, Addr: cfg.Addr, Mode: string(cfg.TLS), Timeout: cfg.CommandTimeout, TLS: tlsConfig}
		if conn, err = d.Plain(ctx); err != nil {
			return nil, fmt.Errorf("connect %s: %w", cfg.Addr, err)
		}
	}

	opts := &imapclient.Options{TLSConfig: tlsConfig}
	if onExists != nil {
		opts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					onExists()
				}
			},
		}
	}
	if log.GetLevel() <= zerolog.TraceLevel {
		opts.DebugWriter = newTraceWriter(log)
	}

	s := &imapSession{cfg: cfg, log: log}
	if cfg.TLS == TLSStartTLS {
		wd := startWatchdog(cfg.CommandTimeout, func() { conn.Close() })
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		s.c, err = imapclient.NewStartTLS(conn, opts)
		stop()
		if wd.stop() {
			err = fmt.Errorf("%w: %v", ErrCommandTimeout, err)
		}
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls with %s: %w", cfg.Addr, mailtls.Classify(mailtls.IMAP, cfg.Addr, string(cfg.TLS), err))
		}
	} else {
		s.c = imapclient.New(conn, opts)
	}
	s.stopCtx = context.AfterFunc(ctx, func() { s.c.Close() })

	if err := s.login(); err != nil {
		s.close(false)
		return nil, err
	}
	return s, nil
}

func (s *imapSession) login() error {
	t := s.cfg.CommandTimeout
	if err := s.do("greeting", t, s.c.WaitGreeting); err != nil {
		return err
	}
	err := s.do("login", t, func() error { return s.c.Login(s.cfg.User, s.cfg.Password).Wait() })
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) && ierr.Code != imap.ResponseCodeUnavailable {
			return fmt.Errorf("login as %s: %w: %w", s.cfg.User, ErrAuthFailed, ierr)
		}
		return err // network trouble or a temporary server failure: normal backoff
	}
	if err := s.do("capability", t, func() error {
		s.caps = s.c.Caps()
		if s.caps == nil {
			return errors.New("no capability list")
		}
		return nil
	}); err != nil {
		return err
	}
	if s.caps.Has(imap.CapID) {
		err := s.do("id", t, func() error { _, err := s.c.ID(&clientID).Wait(); return err })
		var ierr *imap.Error
		switch {
		case errors.As(err, &ierr):
			s.log.Warn().Err(err).Msg("server rejected the ID command; continuing")
		case err != nil:
			return err
		}
	}
	return nil
}

// hasMove and hasUIDPlus decide how processed mail is marked done.
func (s *imapSession) hasMove() bool    { return s.caps.Has(imap.CapMove) }
func (s *imapSession) hasUIDPlus() bool { return s.caps.Has(imap.CapUIDPlus) }

// usesDoneMailbox reports whether processed mail leaves the watched
// mailbox (MOVE, or COPY + UID EXPUNGE).
func (s *imapSession) usesDoneMailbox() bool { return s.hasMove() || s.hasUIDPlus() }

// doneMailboxExists lists the Done mailbox.
func (s *imapSession) doneMailboxExists() (bool, error) {
	var found bool
	err := s.do("list "+s.cfg.Done, s.cfg.CommandTimeout, func() error {
		l, err := s.c.List("", s.cfg.Done, nil).Collect()
		for _, d := range l {
			if strings.EqualFold(d.Mailbox, s.cfg.Done) || d.Mailbox == s.cfg.Done {
				found = true
			}
		}
		return err
	})
	return found, err
}

// ensureDoneMailbox creates the Done mailbox when it is missing.
func (s *imapSession) ensureDoneMailbox() error {
	ok, err := s.doneMailboxExists()
	if err != nil || ok {
		return err
	}
	err = s.do("create "+s.cfg.Done, s.cfg.CommandTimeout, func() error { return s.c.Create(s.cfg.Done, nil).Wait() })
	var ierr *imap.Error
	if errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err == nil {
		s.log.Info().Str("done", s.cfg.Done).Msg("created the done mailbox")
	}
	return err
}

// selectMailbox selects the watched mailbox (EXAMINE when readOnly).
func (s *imapSession) selectMailbox(readOnly bool) error {
	condstore := s.caps.Has(imap.CapCondStore)
	sel := func() error {
		return s.do("select "+s.cfg.Mailbox, s.cfg.CommandTimeout, func() error {
			var err error
			s.sel, err = s.c.Select(s.cfg.Mailbox, &imap.SelectOptions{ReadOnly: readOnly, CondStore: condstore}).Wait()
			return err
		})
	}
	err := sel()
	var ierr *imap.Error
	if condstore && errors.As(err, &ierr) && !strings.Contains(strings.ToLower(ierr.Text), "unsafe login") {
		// A server that lists CONDSTORE yet refuses the SELECT parameter
		// still serves the mailbox: claims are then read back instead.
		s.log.Warn().Err(err).Msg("server refused SELECT (CONDSTORE); selecting without it")
		condstore = false
		err = sel()
	}
	if errors.As(err, &ierr) && strings.Contains(strings.ToLower(ierr.Text), "unsafe login") {
		return fmt.Errorf("%w: %v", ErrUnsafeLogin, err)
	}
	if err != nil {
		return err
	}
	for _, f := range s.sel.PermanentFlags {
		if f == imap.FlagWildcard {
			s.keywords = true
		}
	}
	s.condstore = condstore && s.sel.HighestModSeq != 0
	s.claims = s.claimMode()
	if s.sel.UIDValidity == 0 {
		s.log.Warn().Msg("server reports UIDVALIDITY 0: UIDs may not be stable, rely on Message-ID and hash dedup")
	}
	return nil
}
