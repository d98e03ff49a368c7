package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"kaohe/ingest"
	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

// Reader reads a workbook: validate.Read in this process, or a sandbox
// pool's TryRead. An error means the reader itself is unavailable (not
// that the workbook is bad): the message is then retried later.
type Reader func(data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error)

// InProcess is the Reader that runs validate.Read in this process.
func InProcess(data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error) {
	sub, fs := validate.Read(data, opts)
	return sub, fs, nil
}

// Config is what the pipeline needs besides the store.
type Config struct {
	Form   *templates.Form
	Cutoff time.Time
	Roster *roster.Roster // nil: no roster, every sender unknown
	Reader Reader         // nil: validate.Read in this process

	MIME         ingest.Limits
	MaxFileSize  int64 // bytes of one workbook
	MaxUnzipSize int64 // uncompressed bytes of one workbook

	Compose reply.ComposeOptions // From, FromName, Contact, MsgIDDomain, Templates
	// Own lists the office's addresses: mail from them is never answered.
	Own                     []string
	ReplyUnknownSenders     bool
	RepliesPerSenderPerHour int // 0: no cap
	MaxAttempts             int // failures before a message is quarantined; 0: 5

	// AuthServID, when set, is the authserv-id of our receiving server's
	// Authentication-Results fields; see authres.Check.
	AuthServID string

	Now     func() time.Time
	Log     zerolog.Logger
	Metrics *monitor.Metrics
}

// Pipeline processes incoming mail. Create it with New.
type Pipeline struct {
	cfg     Config
	store   *store.Store
	handled atomic.Uint64
}

// Handled counts the messages this pipeline committed, so the daemon knows
// when a batch changed something.
func (p *Pipeline) Handled() uint64 { return p.handled.Load() }

// New returns a pipeline writing to st.
func New(st *store.Store, cfg Config) *Pipeline {
	if cfg.Reader == nil {
		cfg.Reader = InProcess
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Metrics == nil {
		cfg.Metrics = &monitor.Metrics{}
	}
	if cfg.Roster == nil {
		cfg.Roster = &roster.Roster{}
	}
	return &Pipeline{cfg: cfg, store: st}
}

// Handle processes one fetched message. It returns nil once the message and
// everything decided about it are committed (or it was already), so the
// caller may mark it done on the server; an error leaves it for a retry. A
// message that keeps failing is quarantined after MaxAttempts and then
// counts as done: kept for staff, never retried forever, never dropped.
func (p *Pipeline) Handle(ctx context.Context, m ingest.Fetched) error {
	start := p.cfg.Now()
	log := p.cfg.Log.With().Str("mailbox", m.Mailbox).Uint32("uid", m.UID).Uint32("uidvalidity", m.UIDValidity).Logger()
	if m.Raw == nil {
		return p.tooLarge(ctx, m, log)
	}
	hash, err := p.store.Archive(m.Raw)
	if err != nil {
		log.Error().Err(err).Msg("archive message")
		return fmt.Errorf("archive: %w", err)
	}
	parsed, perr := ingest.Parse(m.Raw, p.cfg.MIME)
	if perr != nil {
		log.Warn().Err(perr).Msg("message could not be parsed; kept in the archive")
	}
	rec := store.Message{Hash: hash, Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID,
		ReceivedAt: m.InternalDate, Size: int64(len(m.Raw))}
	if parsed != nil {
		rec.MessageID, rec.Sender, rec.SenderName, rec.Subject = parsed.MessageID, parsed.From.Addr, parsed.From.Name, parsed.Subject
	}
	rec, dup, err := p.store.RecordMessage(ctx, rec)
	if err != nil {
		log.Error().Err(err).Msg("record message")
		return fmt.Errorf("record: %w", err)
	}
	log = log.With().Int64("msg", rec.ID).Str("message_id", rec.MessageID).Str("sender", rec.Sender).Logger()
	if dup && rec.Outcome != store.OutcomeReceived {
		log.Info().Str("outcome", string(rec.Outcome)).Msg("already processed")
		return nil
	}
	if rec.Outcome == store.OutcomeQuarantined {
		return nil
	}

	res, err := p.safeProcess(ctx, rec, parsed, m)
	if err == nil {
		err = p.save(ctx, &res)
	}
	if err != nil {
		return p.failed(ctx, rec, err, log)
	}
	p.cfg.Metrics.Message(string(res.Outcome))
	p.handled.Add(1)
	ev := log.Info().Str("outcome", string(res.Outcome)).Str("agency", res.Agency).Bool("on_time", res.OnTime).
		Int("attachments", len(res.Attachments)).Int("findings", countFindings(res)).Int("replies", len(res.Outbox)).
		Dur("took", p.cfg.Now().Sub(start))
	if parsed != nil && len(parsed.Problems) > 0 {
		ev = ev.Strs("mime_problems", parsed.Problems)
	}
	ev.Msg("message processed")
	return nil
}

// safeProcess runs process and turns a panic into an error, so that one
// message can never take the daemon down.
func (p *Pipeline) safeProcess(ctx context.Context, rec store.Message, parsed *ingest.Parsed, m ingest.Fetched) (res store.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			p.cfg.Metrics.Panic()
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return p.process(ctx, rec, parsed, m)
}

// failed counts a failed attempt; after MaxAttempts the message is
// quarantined and reported done.
func (p *Pipeline) failed(ctx context.Context, rec store.Message, cause error, log zerolog.Logger) error {
	attempts, err := p.store.NoteAttempt(ctx, rec.ID, cause)
	if err != nil {
		log.Error().Err(err).AnErr("cause", cause).Msg("processing failed and the attempt could not be recorded")
		return cause
	}
	if attempts < p.cfg.MaxAttempts {
		log.Error().Err(cause).Int("attempts", attempts).Msg("processing failed, will retry")
		return cause
	}
	if err := p.store.Quarantine(ctx, rec.ID, cause.Error()); err != nil {
		log.Error().Err(err).Msg("quarantine")
		return cause
	}
	p.cfg.Metrics.Message(string(store.OutcomeQuarantined))
	log.Error().Err(cause).Int("attempts", attempts).Msg("message quarantined after repeated failures")
	return nil
}

// tooLarge records a message above the size limit: the watcher fetched
// only its header. Its identity is its place in the mailbox and its size;
// its sender, when known, is told to send the form alone.
func (p *Pipeline) tooLarge(ctx context.Context, m ingest.Fetched, log zerolog.Logger) error {
	key := fmt.Sprintf("too-large:%s:%d:%d:%d", m.Mailbox, m.UIDValidity, m.UID, m.Size)
	sum := sha256.Sum256(append([]byte(key), m.Header...))
	rec := store.Message{Hash: hex.EncodeToString(sum[:]), Mailbox: m.Mailbox,
		UIDValidity: m.UIDValidity, UID: m.UID, ReceivedAt: m.InternalDate, Size: m.Size}
	var parsed *ingest.Parsed
	if len(m.Header) > 0 {
		parsed, _ = ingest.Parse(append(append([]byte(nil), m.Header...), "\r\n"...), p.cfg.MIME)
	}
	if parsed != nil {
		rec.MessageID, rec.Sender, rec.SenderName, rec.Subject = parsed.MessageID, parsed.From.Addr, parsed.From.Name, parsed.Subject
	}
	rec, dup, err := p.store.RecordMessage(ctx, rec)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if dup && rec.Outcome != store.OutcomeReceived {
		return nil
	}
	res := store.Result{MessageID: rec.ID, Outcome: store.OutcomeTooLarge, OnTime: p.onTime(m.InternalDate)}
	if parsed != nil {
		if ag, ok := p.cfg.Roster.BySender(parsed.From.Addr); ok {
			res.Agency = ag.Name
		}
		parsed.Attachments = nil
		if err := p.answer(ctx, &res, rec, parsed, m, []reply.Attachment{{Filename: "（整封邮件）", Kind: reply.AttachTooLarge}}); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if res.Outcome != store.OutcomeRateLimited && res.Outcome != store.OutcomeAutomated {
			res.Outcome = store.OutcomeTooLarge
		}
	}
	if err := p.save(ctx, &res); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	p.cfg.Metrics.Message(string(res.Outcome))
	p.handled.Add(1)
	log.Warn().Int64("size", m.Size).Int("replies", len(res.Outbox)).Msg("message above the size limit: not read, kept for staff")
	return nil
}

// save stores res. When the store finds its reply over the recipient's
// cap (another message to the same address was saved meanwhile), the reply
// is dropped and the message counts as rate_limited, as if the cap had been
// met when it was checked.
func (p *Pipeline) save(ctx context.Context, res *store.Result) error {
	err := p.store.SaveResult(ctx, *res)
	if !errors.Is(err, store.ErrReplyCapped) {
		return err
	}
	res.Outbox = slices.DeleteFunc(res.Outbox, func(m store.OutgoingMail) bool { return store.CappedKind(m.Kind) })
	if res.Outcome != store.OutcomeForeign {
		res.Outcome = store.OutcomeRateLimited
	}
	res.ReplyCap = store.ReplyCap{}
	return p.store.SaveResult(ctx, *res)
}

func (p *Pipeline) onTime(received time.Time) bool {
	return p.cfg.Cutoff.IsZero() || received.Before(p.cfg.Cutoff)
}

func countFindings(r store.Result) int {
	n := 0
	for _, a := range r.Attachments {
		if a.Report != nil {
			n += len(a.Report.Findings)
		}
	}
	return n
}
