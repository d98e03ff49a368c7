package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// TLSMode says how the IMAP connection is protected.
type TLSMode string

// TLS modes. TLSNone is accepted only for loopback addresses (tests, a local
// Dovecot, an stunnel on the same host).
const (
	TLSImplicit TLSMode = "tls"      // implicit TLS, usually port 993
	TLSStartTLS TLSMode = "starttls" // plain connect, then STARTTLS, usually port 143
	TLSNone     TLSMode = "none"     // cleartext, loopback only
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultMailbox        = "INBOX"
	DefaultDoneMailbox    = "Processed"
	DefaultPollInterval   = time.Minute
	DefaultIdleMax        = 9 * time.Minute
	MaxIdleMax            = 10 * time.Minute // well under the 29 minutes of RFC 2177
	DefaultCommandTimeout = 2 * time.Minute
	DefaultMaxMessageSize = 25 << 20
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
	DefaultAuthBackoff    = 10 * time.Minute
	DefaultDoneKeyword    = "$KaoheDone"
	DefaultReconcileEvery = time.Hour
	DefaultClaimLease     = time.Hour
)

// Config describes the office mailbox and how to watch it.
//
// Zero fields take the defaults above (see WithDefaults). The Password is
// never logged: MarshalZerologObject and String leave it out.
type Config struct {
	Addr      string      // host:port
	TLS       TLSMode     // "tls", "starttls" or "none" (loopback only)
	TLSConfig *tls.Config // optional; tests use it to trust a throw-away CA
	// CAFile, when set, is a PEM file of the CA certificates that signed
	// the server's certificate (imap.ca_file): an office's own CA. It is
	// read at every connection and replaces the system's roots.
	CAFile   string
	User     string
	Password string

	Mailbox string // watched mailbox, default INBOX
	Done    string // where processed mail is moved when the server can MOVE or UIDPLUS, default Processed

	PollInterval   time.Duration // polling period when the server has no IDLE (and retry period after handler errors)
	IdleMax        time.Duration // IDLE is re-issued at least this often; ≤ 10 min
	CommandTimeout time.Duration // watchdog for every command; a body fetch gets more time in proportion to its size
	MaxMessageSize int64         // larger messages are not fetched: the Handler gets Raw == nil

	// Since, when set, makes the Watcher ignore messages whose INTERNALDATE
	// is earlier: they are neither handed over nor marked, so a mailbox with
	// years of old mail can be watched without moving that mail.
	Since time.Time

	// ReconcileEvery makes one pass in this period search the whole
	// mailbox, not only above the cursor, so that a message a missed IDLE
	// notification or a UID race skipped is picked up; the first pass of a
	// session is such a pass. Zero: DefaultReconcileEvery; negative: never.
	ReconcileEvery time.Duration

	// Workers is how many fetched messages are handed to the Handler at
	// once, each on its own goroutine (the Handler must then be safe for
	// concurrent use); they are marked done in UID order afterwards.
	// Zero: 1, one message at a time.
	Workers int

	// OnPoll, when set, is told how long each successful search of the
	// mailbox took (for the poll latency metric).
	OnPoll func(took time.Duration)

	// Gate, when set, is asked before each message is fetched and handed
	// to the Handler. It may block (while intake is paused by a fault of
	// the daemon's own); a non-nil error ends the pass without taking that
	// message or any after it, which stay in the mailbox for the next pass
	// (started at once by Run).
	Gate func(ctx context.Context) error
	// ConsumerID names this consumer of the mailbox: one per data folder,
	// the same across restarts, letters, digits, '-' and '_' only. When it
	// is set and the mailbox keeps custom keywords, each message is claimed
	// with the keyword ClaimPrefix+ConsumerID before it is handed over, and
	// a message another consumer claimed is left to it (see imap_claim.go).
	// Empty: nothing is claimed.
	ConsumerID string

	// ClaimLease is how long a message another consumer claimed may stay
	// unfinished in the mailbox before this one takes it over, the other
	// being presumed gone. Zero: DefaultClaimLease; negative: never.
	ClaimLease time.Duration

	// DoneKeyword is set on processed mail when the server has neither MOVE
	// nor UIDPLUS and accepts custom keywords; otherwise \Seen is set.
	DoneKeyword string

	MinBackoff  time.Duration // first reconnect delay, default 1 s
	MaxBackoff  time.Duration // cap of the reconnect delay, default 5 min
	AuthBackoff time.Duration // delay after an authentication failure, default 10 min, at least 1 min unless AllowFastAuthRetry

	// AllowFastAuthRetry lets tests use an AuthBackoff under one minute.
	AllowFastAuthRetry bool

	Logger zerolog.Logger
	Now    func() time.Time // clock for Status; nil means time.Now
}

// WithDefaults returns a copy with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSImplicit
	}
	if c.Mailbox == "" {
		c.Mailbox = DefaultMailbox
	}
	if c.Done == "" {
		c.Done = DefaultDoneMailbox
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.IdleMax <= 0 {
		c.IdleMax = DefaultIdleMax
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = DefaultCommandTimeout
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.ReconcileEvery == 0 {
		c.ReconcileEvery = DefaultReconcileEvery
	}
	if c.DoneKeyword == "" {
		c.DoneKeyword = DefaultDoneKeyword
	}
	if c.ClaimLease == 0 {
		c.ClaimLease = DefaultClaimLease
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.AuthBackoff <= 0 {
		c.AuthBackoff = DefaultAuthBackoff
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem of the configuration at once (after
// defaults are applied), joined with errors.Join.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("imap: "+format, args...))
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		bad("addr %q: want host:port: %v", c.Addr, err)
	}
	switch c.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if err == nil && !isLoopbackHost(host) {
			bad("tls \"none\" is only allowed for loopback addresses, not %q: use \"tls\" or \"starttls\"", host)
		}
	default:
		bad("tls %q: want \"tls\", \"starttls\" or \"none\"", c.TLS)
	}
	if c.User == "" {
		bad("user is empty")
	}
	if c.Password == "" {
		bad("password is empty")
	}
	if strings.EqualFold(c.Mailbox, c.Done) {
		bad("done mailbox %q must differ from the watched mailbox", c.Done)
	}
	if c.IdleMax > MaxIdleMax {
		bad("idle max %v is above %v", c.IdleMax, MaxIdleMax)
	}
	if c.MaxBackoff < c.MinBackoff {
		bad("max backoff %v is below min backoff %v", c.MaxBackoff, c.MinBackoff)
	}
	if c.AuthBackoff < time.Minute && !c.AllowFastAuthRetry {
		bad("auth backoff %v is below one minute: providers lock accounts that retry faster", c.AuthBackoff)
	}
	if strings.ContainsAny(c.DoneKeyword, " ()[]{}%*\"\\") {
		bad("done keyword %q is not an IMAP atom", c.DoneKeyword)
	}
	if !validConsumerID(c.ConsumerID) {
		bad("consumer id %q: want at most 64 letters, digits, '-' or '_'", c.ConsumerID)
	}
	return errors.Join(errs...)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// MarshalZerologObject logs the configuration without the password.
func (c Config) MarshalZerologObject(e *zerolog.Event) {
	e.Str("addr", c.Addr).Str("tls", string(c.TLS)).Str("user", c.User).
		Str("mailbox", c.Mailbox).Str("done", c.Done)
}

// String describes the configuration without the password.
func (c Config) String() string {
	return fmt.Sprintf("imap %s (%s) user=%s mailbox=%s done=%s", c.Addr, c.TLS, c.User, c.Mailbox, c.Done)
}
