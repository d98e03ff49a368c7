package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/internal/fault"
	"kaohe/internal/wbtoken"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

// Config is what the pipeline needs besides the store.
type Config struct {
	Form   *templates.Form
	Cutoff time.Time
	Roster *roster.Roster // nil: no roster, every sender unknown
	Reader assess.Reader  // nil: assess.InProcess

	MIME         mailparse.Limits
	MaxFileSize  int64 // bytes of one workbook
	MaxUnzipSize int64 // uncompressed bytes of one workbook

	Compose reply.ComposeOptions // From, FromName, Contact, MsgIDDomain, Templates
	// Own lists the office's addresses: mail from them is never answered.
	Own                     []string
	ReplyUnknownSenders     bool
	RepliesPerSenderPerHour int // 0: no cap
	MaxAttempts             int // faults of its own before a message is quarantined; 0: 5

	// ProbeEvery is how often a paused intake probes the data folder;
	// 0: DefaultProbeEvery.
	ProbeEvery time.Duration

	// AuthServID, when set, is the authserv-id of our receiving server's
	// Authentication-Results fields; see authres.Check.
	AuthServID string

	// Staff are the staff addresses (campaign.staff), as the configuration
	// writes them; StaffWorkbooks the kinds of workbook they may mail back
	// to be imported. WorkbookKey verifies the workbooks' tokens; nil: the
	// key of the store's data folder.
	Staff          []string
	StaffWorkbooks []StaffWorkbook
	WorkbookKey    *wbtoken.Key

	Now     func() time.Time
	Log     zerolog.Logger
	Metrics *monitor.Metrics
	// Faults receives intake's and the store's faults; nil: kept private.
	Faults *monitor.Faults
}

// Pipeline processes incoming mail. Create it with New.
type Pipeline struct {
	cfg     Config
	store   *store.Store
	handled atomic.Uint64
	pause   pause
	staff   []reply.Recipient // cfg.Staff with canonical addresses

	keyMu sync.Mutex
	key   *wbtoken.Key
}

// Handled counts the messages this pipeline committed, so the daemon knows
// when a batch changed something.
func (p *Pipeline) Handled() uint64 { return p.handled.Load() }

// New returns a pipeline writing to st.
func New(st *store.Store, cfg Config) *Pipeline {
	if cfg.Reader == nil {
		cfg.Reader = assess.InProcess
	}
	read := cfg.Reader
	cfg.Reader = func(ctx context.Context, data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error) {
		sub, fs, err := read(ctx, data, opts)
		if err != nil && ctx.Err() == nil {
			err = fault.Systemic(&readerFault{err})
		}
		return sub, fs, err
	}
	if cfg.Faults == nil {
		cfg.Faults = &monitor.Faults{}
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = DefaultProbeEvery
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
	return &Pipeline{cfg: cfg, store: st, staff: staffRecipients(cfg.Staff), key: cfg.WorkbookKey}
}

// Handle processes one fetched message. It returns nil once the message and
// everything decided about it are committed (or it was already), so the
// caller may mark it done on the server; an error leaves it for a retry.
//
// Every failure is classified (fault.Of). A fault of the message's own (a
// hostile file, a parser panic) counts toward its quarantine: after
// MaxAttempts it is quarantined, its sender gets a receipt saying staff
// will look at it, and it counts as done. A fault of ours (the disk, the
// database, a reader that cannot start) counts nothing and pauses intake
// (see Gate): the message stays in the mailbox until the fault is over.
func (p *Pipeline) Handle(ctx context.Context, m mailbox.Fetched) error {
	start := p.cfg.Now()
	log := p.cfg.Log.With().Str("mailbox", m.Mailbox).Uint32("uid", m.UID).Uint32("uidvalidity", m.UIDValidity).Logger()
	if m.Raw == nil {
		return p.tooLarge(ctx, m, log)
	}
	hash, err := p.store.Archive(m.Raw)
	if err != nil {
		return p.unrecorded(ctx, &storeFault{err}, log)
	}
	parsed, perr := p.safeParse(m.Raw, p.cfg.MIME)
	var parsePanic *panicError
	if perr != nil && !errors.As(perr, &parsePanic) {
		// A panic is not a parse error: the message is failed below, once
		// it has a record to count the attempt on.
		log.Warn().Err(perr).Msg("message could not be parsed; kept in the archive")
	}
	rec := store.Message{Hash: hash, Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID,
		ReceivedAt: m.InternalDate, Size: int64(len(m.Raw))}
	if parsed != nil {
		rec.MessageID, rec.Sender, rec.SenderName, rec.Subject = parsed.MessageID, parsed.From.Addr, parsed.From.Name, parsed.Subject
	}
	rec, dup, err := p.store.RecordMessage(ctx, rec)
	if err != nil {
		return p.unrecorded(ctx, &storeFault{err}, log)
	}
	log = log.With().Int64("msg", rec.ID).Str("message_id", rec.MessageID).Str("sender", rec.Sender).Logger()
	if dup && rec.Outcome != store.OutcomeReceived {
		log.Info().Str("outcome", string(rec.Outcome)).Msg("already processed")
		p.handledOK()
		return nil
	}
	if rec.Outcome == store.OutcomeQuarantined {
		return nil
	}
	if parsePanic != nil {
		return p.failed(ctx, rec, nil, m, perr, log)
	}

	res, retry, err := p.safeProcess(ctx, rec, parsed, m)
	if err == nil {
		err = p.save(ctx, &res)
		if alt, ok := retryWith(retry, err); ok {
			// A staff workbook that no longer fits the store: refused
			// instead, nothing imported.
			res, err = alt, p.save(ctx, &alt)
		}
		// Already done: the same mail under another UID was saved
		// meanwhile; nothing is lost and nothing is sent twice.
		if err != nil && !errors.Is(err, store.ErrAlreadyDone) {
			err = &storeFault{err}
		} else {
			err = nil
		}
	}
	if err != nil {
		return p.failed(ctx, rec, parsed, m, err, log)
	}
	p.done(res.Outcome)
	ev := log.Info().Str("outcome", string(res.Outcome)).Str("agency", res.Agency).Bool("on_time", res.OnTime).
		Int("attachments", len(res.Attachments)).Int("findings", countFindings(res)).Int("replies", len(res.Outbox)).
		Dur("took", p.cfg.Now().Sub(start))
	if parsed != nil && len(parsed.Problems) > 0 {
		ev = ev.Strs("mime_problems", parsed.Problems)
	}
	ev.Msg("message processed")
	return nil
}

// done counts a message whose outcome is committed.
func (p *Pipeline) done(outcome store.Outcome) {
	p.cfg.Metrics.Message(string(outcome))
	p.handled.Add(1)
	p.handledOK()
}

// panicError is a panic recovered while a message was parsed or processed:
// the message's fault.
type panicError struct {
	val   any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v\n%s", e.val, e.stack) }

// safeParse is mailparse.Parse that turns a panic into a *panicError.
func (p *Pipeline) safeParse(raw []byte, limits mailparse.Limits) (parsed *mailparse.Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p.cfg.Metrics.Panic()
			parsed, err = nil, &panicError{r, debug.Stack()}
		}
	}()
	return mailparse.Parse(raw, limits)
}

// safeProcess runs process and turns a panic into an error, so that one
// message can never take the daemon down.
func (p *Pipeline) safeProcess(ctx context.Context, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched) (res store.Result, retry func(error) (store.Result, bool), err error) {
	defer func() {
		if r := recover(); r != nil {
			p.cfg.Metrics.Panic()
			err = &panicError{r, debug.Stack()}
		}
	}()
	return p.process(ctx, rec, parsed, m)
}

// retryWith asks retry for the result to save instead after err, when
// there is a retry and an error that is not ErrAlreadyDone.
func retryWith(retry func(error) (store.Result, bool), err error) (store.Result, bool) {
	if retry == nil || err == nil || errors.Is(err, store.ErrAlreadyDone) {
		return store.Result{}, false
	}
	return retry(err)
}

// safeAnswer is answer that turns a panic into a *panicError.
func (p *Pipeline) safeAnswer(ctx context.Context, res *store.Result, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched, atts []reply.Attachment) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.cfg.Metrics.Panic()
			err = &panicError{r, debug.Stack()}
		}
	}()
	return p.answer(ctx, res, rec, parsed, m, atts)
}

// unrecorded handles a failure before the message had a record, so that
// nothing can be counted against it: a fault of ours pauses intake; either
// way the message stays in the mailbox for a retry.
func (p *Pipeline) unrecorded(ctx context.Context, cause error, log zerolog.Logger) error {
	if !p.ours(ctx, cause, log) {
		log.Error().Err(cause).Msg("message could not be recorded; left in the mailbox for a retry")
	}
	return cause
}

// ours counts a failure by its cause and reports whether it is ours (or
// our own shutdown), so that nothing may be counted against the message; a
// fault of ours pauses intake.
func (p *Pipeline) ours(ctx context.Context, cause error, log zerolog.Logger) bool {
	if ctx.Err() != nil {
		return true // shutting down: nobody's fault
	}
	c := fault.Of(cause)
	p.cfg.Metrics.HandlerFailure(string(c))
	if c != fault.System {
		return false
	}
	p.trip(cause)
	log.Warn().Err(cause).Msg("message left in the mailbox: intake is paused by a fault of ours")
	return true
}

// failed handles a failed attempt at a recorded message. A fault of ours
// pauses intake and counts nothing. A fault of the message's is counted;
// after MaxAttempts the message is quarantined with its receipt and
// reported done.
func (p *Pipeline) failed(ctx context.Context, rec store.Message, parsed *mailparse.Parsed, m mailbox.Fetched, cause error, log zerolog.Logger) error {
	if p.ours(ctx, cause, log) {
		return cause
	}
	attempts, err := p.store.NoteAttempt(ctx, rec.ID, cause)
	if err != nil {
		if fault.IsSystem(err) {
			p.trip(&storeFault{err}) // says it loudly, once
			log.Warn().Err(err).AnErr("cause", cause).Msg("processing failed and the attempt could not be recorded")
			return cause
		}
		log.Error().Err(err).AnErr("cause", cause).Msg("processing failed and the attempt could not be recorded")
		return cause
	}
	if attempts < p.cfg.MaxAttempts {
		log.Error().Err(cause).Int("attempts", attempts).Msg("processing failed, will retry")
		return cause
	}
	receipt := p.heldReceipt(ctx, rec, parsed, m, log)
	if err := p.store.Quarantine(ctx, rec.ID, firstLine(cause.Error()), receipt...); err != nil {
		if fault.IsSystem(err) {
			p.trip(&storeFault{err})
			log.Warn().Err(err).Msg("quarantine could not be recorded; retried after the pause")
			return cause
		}
		log.Error().Err(err).Msg("quarantine")
		return cause
	}
	p.cfg.Metrics.Quarantined()
	p.done(store.OutcomeQuarantined)
	log.Error().Err(cause).Int("attempts", attempts).Int("replies", len(receipt)).Msg("message quarantined after repeated faults of its own; staff will look at it")
	return nil
}

// tooLarge records a message above the size limit: the watcher fetched
// only its header. Its identity is its place in the mailbox and its size;
// its sender, when known, is told to send the form alone.
func (p *Pipeline) tooLarge(ctx context.Context, m mailbox.Fetched, log zerolog.Logger) error {
	key := fmt.Sprintf("too-large:%s:%d:%d:%d", m.Mailbox, m.UIDValidity, m.UID, m.Size)
	sum := sha256.Sum256(append([]byte(key), m.Header...))
	rec := store.Message{Hash: hex.EncodeToString(sum[:]), Mailbox: m.Mailbox,
		UIDValidity: m.UIDValidity, UID: m.UID, ReceivedAt: m.InternalDate, Size: m.Size}
	var parsed *mailparse.Parsed
	if len(m.Header) > 0 {
		parsed, _ = p.safeParse(append(append([]byte(nil), m.Header...), "\r\n"...), p.cfg.MIME)
	}
	if parsed != nil {
		rec.MessageID, rec.Sender, rec.SenderName, rec.Subject = parsed.MessageID, parsed.From.Addr, parsed.From.Name, parsed.Subject
	}
	rec, dup, err := p.store.RecordMessage(ctx, rec)
	if err != nil {
		return p.unrecorded(ctx, &storeFault{err}, log)
	}
	if dup && rec.Outcome != store.OutcomeReceived {
		p.handledOK()
		return nil
	}
	if rec.Outcome == store.OutcomeQuarantined {
		return nil
	}
	res := store.Result{MessageID: rec.ID, Outcome: store.OutcomeTooLarge, OnTime: p.onTime(m.InternalDate)}
	if parsed != nil {
		if ag, ok := p.cfg.Roster.BySender(parsed.From.Addr); ok {
			res.Agency = ag.Name
		}
		parsed.Attachments = nil
		if err := p.safeAnswer(ctx, &res, rec, parsed, m, []reply.Attachment{{Filename: "（整封邮件）", Kind: reply.AttachTooLarge}}); err != nil {
			return p.failed(ctx, rec, nil, m, fmt.Errorf("compose: %w", err), log)
		}
		if res.Outcome != store.OutcomeRateLimited && res.Outcome != store.OutcomeAutomated {
			res.Outcome = store.OutcomeTooLarge
		}
	}
	if err := p.save(ctx, &res); err != nil {
		return p.failed(ctx, rec, nil, m, &storeFault{err}, log)
	}
	p.done(res.Outcome)
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
	if res.Outcome != store.OutcomeForeign && !res.Outcome.Staff() {
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
