package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaohe/internal/cst"
	"kaohe/templates"
)

// Config is every setting of kaohe. Build one with Default or Load; a Config
// is a value and may be copied freely.
type Config struct {
	DataDir  string // state: SQLite database, archive of raw mail, workbooks
	Roster   string // path of the roster of agencies (CSV or xlsx); "" = none
	IMAP     IMAP
	SMTP     SMTP
	Reply    Reply
	Campaign Campaign
	Limits   Limits
	HTTP     HTTP
	Log      Log
	Results  Results // [results]: the final results and the 优秀个人 quota

	// origin maps a key ("imap.addr") to where its value came from; keys
	// absent from it hold their default. loadErrs are problems found while
	// reading values, reported again by ValidateFor.
	origin   map[string]origin
	loadErrs []error
}

// IMAP is the mailbox agencies write to.
type IMAP struct {
	Addr           string // host:port
	TLS            TLSMode
	CAFile         string // PEM certificates of the CA that signed the server's certificate; "" = the system's roots
	User           string
	Password       Secret
	Mailbox        string // where agencies' mail arrives
	Done           string // where processed mail is moved
	SentFolder     string // optional: a copy of each reply is APPENDed here
	PollInterval   time.Duration
	IdleMax        time.Duration // IDLE is restarted after this long
	CommandTimeout time.Duration
	MaxMessageSize int64 // bytes; larger messages are not fetched
	MaxAttempts    int   // processing attempts before a message is quarantined
}

// SMTP is the server replies are sent through.
type SMTP struct {
	Addr                string // host:port
	TLS                 TLSMode
	CAFile              string // as IMAP.CAFile
	User                string // "" = no authentication
	Password            Secret
	Timeout             time.Duration
	PerRecipientPerHour int // at most this many mails to one address per hour
	PerDay              int // at most this many mails per day in all
}

// Reply is how replies look.
type Reply struct {
	From            string // the office's address, may be "名字 <addr>"
	ContactNames    string // named in the signature of every reply
	ContactPhone    string
	UnknownSenders  bool   // reply to senders who are not in the roster
	TemplateDir     string // optional folder overriding the built-in mail templates
	MessageIDDomain string // "" = the domain of From; see MessageIDDomain
	// AuthServID is the authserv-id with which the receiving mail server
	// signs its Authentication-Results fields; "" trusts the topmost ones.
	AuthServID string
}

// Campaign is this year's assessment.
type Campaign struct {
	FormYear         int           // the form (templates.Years) agencies fill in
	FormFile         string        // a form definition on disk; when set, it is the form and its year wins over FormYear
	Season           int           // the campaign year rows are kept under; 0: the form's year (see SeasonYear)
	Cutoff           time.Time     // mail received at or after this instant is late
	ReminderDays     []int         // remind agencies that have not submitted this many days before the cut-off
	ReminderTime     cst.TimeOfDay // Beijing time
	DailySummaryTime cst.TimeOfDay // Beijing time; staff get the day's summary then
	Staff            []string      // staff addresses receiving notices and summaries
}

// SeasonYear is the season the campaign runs as: Season, or else the
// year of the form in effect (the form file's, when one is set). Each
// season of a data folder keeps its own submissions, versions, reviews,
// vetoes and reminders.
func (c Campaign) SeasonYear() int {
	if c.Season != 0 {
		return c.Season
	}
	if c.FormFile != "" {
		if f, err := templates.LoadFile(c.FormFile); err == nil {
			return f.Year
		}
	}
	return c.FormYear
}

// Limits bound the work one message may cause.
type Limits struct {
	MaxAttachmentSize int64 // bytes, decoded
	MaxUnzipSize      int64 // bytes, the workbook's uncompressed parts in all
	WorkerMemory      int64 // bytes, the memory limit of the worker reading a workbook
	WorkerCPUSeconds  int
	WorkerTimeout     time.Duration // wall-clock limit of one worker run
}

// HTTP is the health and metrics endpoint.
type HTTP struct {
	Listen            string        // host:port; "" disables the endpoint
	UnhealthyAfter    time.Duration // unhealthy when no poll succeeded for this long
	MailboxAlertAfter time.Duration // alert when mail waits unprocessed this long
}

// Log is the logger's setup.
type Log struct {
	Level  string // trace, debug, info, warn, error
	Format string // json, console, auto (console on a terminal, else json)
}

// TLSMode is how a mail connection is secured.
type TLSMode string

const (
	TLS      TLSMode = "tls"      // TLS from the first byte (IMAPS 993, SMTPS 465)
	StartTLS TLSMode = "starttls" // plain connection upgraded with STARTTLS (143, 587)
	NoTLS    TLSMode = "none"     // plain text: only to loopback addresses
)

// Secret is a password. It prints as "********" (or "" when empty) through
// fmt, %v, %#v, JSON and text marshalling; convert with string(s) to use it.
type Secret string

const redacted = "********"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the password.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText keeps encoders (JSON, TOML, zerolog) from printing the password.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseTimeOfDay reads "09:00" or "09:00:00" (seconds must be 00).
func ParseTimeOfDay(s string) (cst.TimeOfDay, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil && t.Second() == 0 {
			return cst.TimeOfDay{Hour: t.Hour(), Minute: t.Minute()}, nil
		}
	}
	return cst.TimeOfDay{}, fmt.Errorf("%q 不是时刻，应写成 \"09:00\" 这样的 24 小时制时间", s)
}

// Size units accepted by ParseSize.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// ParseSize reads a byte count: "25MiB", "20MB", "512 KiB", "1048576".
// KB/MB/GB are decimal (1000), KiB/MiB/GiB binary (1024); case does not matter.
func ParseSize(s string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult := map[string]int64{
		"": 1, "b": 1,
		"k": 1000, "kb": 1000, "m": 1000 * 1000, "mb": 1000 * 1000, "g": 1000 * 1000 * 1000, "gb": 1000 * 1000 * 1000,
		"kib": KiB, "mib": MiB, "gib": GiB,
	}[unit]
	if num == "" || mult == 0 {
		return 0, fmt.Errorf("%q 不是大小，应写成 \"25MiB\"、\"20MB\" 或字节数", orig)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q 不是大小，应写成 \"25MiB\"、\"20MB\" 或字节数", orig)
	}
	return int64(f * float64(mult)), nil
}

// FormatSize writes n in the largest binary unit that divides it.
func FormatSize(n int64) string {
	switch {
	case n != 0 && n%GiB == 0:
		return fmt.Sprintf("%dGiB", n/GiB)
	case n != 0 && n%MiB == 0:
		return fmt.Sprintf("%dMiB", n/MiB)
	case n != 0 && n%KiB == 0:
		return fmt.Sprintf("%dKiB", n/KiB)
	}
	return strconv.FormatInt(n, 10)
}

// Default returns the settings kaohe uses for everything not set.
func Default() Config {
	return Config{
		IMAP: IMAP{
			TLS:            TLS,
			Mailbox:        "INBOX",
			Done:           "Processed",
			PollInterval:   time.Minute,
			IdleMax:        10 * time.Minute,
			CommandTimeout: 2 * time.Minute,
			MaxMessageSize: 25 * MiB,
			MaxAttempts:    5,
		},
		SMTP: SMTP{
			TLS:                 StartTLS,
			Timeout:             time.Minute,
			PerRecipientPerHour: 5,
			PerDay:              100,
		},
		Reply: Reply{
			ContactNames:   "王明、孙梦艺",
			ContactPhone:   "67687655",
			UnknownSenders: true,
		},
		Campaign: Campaign{
			FormYear:         2021,
			Cutoff:           time.Date(2022, 1, 6, 0, 0, 0, 0, cst.Location()),
			ReminderDays:     []int{7, 3, 1},
			ReminderTime:     cst.TimeOfDay{Hour: 9},
			DailySummaryTime: cst.TimeOfDay{Hour: 17},
		},
		Limits: Limits{
			MaxAttachmentSize: 20 * MiB,
			MaxUnzipSize:      100 * MiB,
			WorkerMemory:      512 * MiB,
			WorkerCPUSeconds:  20,
			WorkerTimeout:     30 * time.Second,
		},
		HTTP: HTTP{
			Listen:            "127.0.0.1:8025",
			UnhealthyAfter:    15 * time.Minute,
			MailboxAlertAfter: 30 * time.Minute,
		},
		Log:     Log{Level: "info", Format: "auto"},
		Results: DefaultResults(),
	}
}

// Form loads the campaign's form: the definition of FormFile when one is
// set, else the built-in form of FormYear.
func (c Campaign) Form() (*templates.Form, error) {
	if c.FormFile != "" {
		return templates.LoadFile(c.FormFile)
	}
	return templates.Load(c.FormYear)
}
