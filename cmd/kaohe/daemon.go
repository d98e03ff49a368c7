package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"kaohe/campaign"
	"kaohe/config"
	"kaohe/ingest"
	"kaohe/internal/fault"
	"kaohe/internal/mailaddr"
	"kaohe/monitor"
	"kaohe/pipeline"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/sandbox"
	"kaohe/store"
	"kaohe/templates"
)

// daemonOptions are what tests and the demo change about a daemon.
type daemonOptions struct {
	Now func() time.Time
	// InProcess reads workbooks in this process instead of a sandboxed
	// worker (the demo and `kaohe reprocess` on a trusted archive).
	InProcess bool
	IMAPTLS   *tls.Config
	SMTPTLS   *tls.Config
	// FastRetry lets the mailbox reconnect fast after a refused login
	// (tests); production waits at least a minute.
	FastRetry bool
	// Tick is the period of the campaign clock; zero: 10 s.
	Tick time.Duration
	// WriteFault and ProbeEvery: fault-injection tests make the data
	// folder fail on cue and probe it often (store.Options.WriteFault,
	// pipeline.Config.ProbeEvery).
	WriteFault func() error
	ProbeEvery time.Duration
	// Reader replaces the workbook reader (tests: a reader that fails on
	// cue); nil: the sandbox, or InProcess.
	Reader pipeline.Reader
}

// daemon is every piece of `kaohe serve`, built from the configuration.
type daemon struct {
	cfg      config.Config
	log      zerolog.Logger
	now      func() time.Time
	form     *templates.Form
	store    *store.Store
	roster   *roster.Roster
	runner   *sandbox.Pool
	pipe     *pipeline.Pipeline
	watcher  *ingest.Watcher
	sender   *reply.Sender
	campaign *campaign.Campaign
	metrics  *monitor.Metrics
	faults   *monitor.Faults
	single   bool // serve --once: the intake gate never waits
	wake     chan struct{}
	started  time.Time
	tick     time.Duration
	// damaged receives the first error that says the database is damaged:
	// the daemon then stops rather than work on a file it cannot trust.
	damaged chan error
}

// newDaemon builds the daemon; Close releases what it opened.
func newDaemon(cfg config.Config, log zerolog.Logger, opts daemonOptions) (d *daemon, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	built := &daemon{cfg: cfg, log: log, now: now, metrics: &monitor.Metrics{}, faults: &monitor.Faults{Now: now}, wake: make(chan struct{}, 1), started: now(), tick: opts.Tick}
	d = built
	d.damaged = make(chan error, 1)
	if d.tick <= 0 {
		d.tick = 10 * time.Second
	}
	defer func() {
		if err != nil {
			built.Close() // d is nil by now
		}
	}()
	if d.form, err = templates.Load(cfg.Campaign.FormYear); err != nil {
		return nil, err
	}
	if err := secureDataDir(cfg.DataDir, log); err != nil {
		return nil, err
	}
	if d.store, err = store.Open(cfg.DataDir, store.Options{Now: now, WriteFault: opts.WriteFault}); err != nil {
		return nil, err
	}
	if d.roster, err = loadRoster(cfg.Roster, log); err != nil {
		return nil, err
	}
	var reader pipeline.Reader
	if !opts.InProcess {
		if d.runner, err = sandbox.NewPool("", sandbox.Limits{Memory: cfg.Limits.WorkerMemory,
			CPUSeconds: uint64(cfg.Limits.WorkerCPUSeconds), Wall: cfg.Limits.WorkerTimeout}, workers()); err != nil {
			return nil, err
		}
		reader = d.runner.TryRead
		logIsolation(log, d.runner)
	}
	if opts.Reader != nil {
		reader = opts.Reader
	}
	compose, err := composeOptions(cfg, d.form)
	if err != nil {
		return nil, err
	}
	if d.runner != nil {
		compose.Annotate = d.runner.Annotate
	}
	fromAddr := compose.From
	d.pipe = pipeline.New(d.store, pipeline.Config{
		Form: d.form, Cutoff: cfg.Campaign.Cutoff, Roster: d.roster, Reader: reader,
		MIME:        ingest.Limits{MaxAttachmentSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize},
		MaxFileSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize,
		Compose: compose, Own: append([]string{fromAddr, cfg.IMAP.User}, cfg.Campaign.Staff...),
		ReplyUnknownSenders: cfg.Reply.UnknownSenders, AuthServID: cfg.Reply.AuthServID, RepliesPerSenderPerHour: cfg.SMTP.PerRecipientPerHour,
		MaxAttempts: cfg.IMAP.MaxAttempts, Now: now, Log: log, Metrics: d.metrics,
		Faults: d.faults, ProbeEvery: opts.ProbeEvery,
	})
	mailbox := mailboxConfig(cfg, opts, log)
	mailbox.OnPoll = func(took time.Duration) { d.metrics.Poll(now(), took) }
	mailbox.Now = now
	mailbox.Workers = inFlight()
	mailbox.Gate = d.gate
	d.watcher = ingest.NewWatcher(mailbox, d.store, d.handle)
	d.sender = &reply.Sender{
		Store: outboxAdapter{d.store, d.metrics},
		SMTP:  smtpConfig(cfg, opts),
		From:  fromAddr, PerRecipientPerHour: cfg.SMTP.PerRecipientPerHour, GlobalPerDay: cfg.SMTP.PerDay,
		Now: now, Log: log.With().Str("component", "smtp").Logger(), Wake: d.wake,
	}
	if folder := cfg.IMAP.SentFolder; folder != "" {
		d.sender.AppendSent = func(ctx context.Context, raw []byte) error {
			return ingest.AppendSent(ctx, mailbox, folder, raw, now())
		}
	}
	d.campaign = campaign.New(d.store, campaign.Config{
		Form: d.form, Roster: d.roster, Cutoff: cfg.Campaign.Cutoff, ReminderDays: cfg.Campaign.ReminderDays,
		ReminderTime:     campaign.TimeOfDay{Hour: cfg.Campaign.ReminderTime.Hour, Minute: cfg.Campaign.ReminderTime.Minute},
		DailySummaryTime: campaign.TimeOfDay{Hour: cfg.Campaign.DailySummaryTime.Hour, Minute: cfg.Campaign.DailySummaryTime.Minute},
		Staff:            cfg.Campaign.Staff, Compose: compose, Now: now,
		Log: log.With().Str("component", "campaign").Logger(),
	})
	return d, nil
}

// logIsolation starts the first workbook reader and says how the readers
// are confined: every one without the daemon's environment and with
// no_new_privs; a network namespace where the system grants one.
func logIsolation(log zerolog.Logger, p *sandbox.Pool) {
	iso, err := p.Isolation()
	switch {
	case err != nil:
		log.Warn().Err(err).Msg("workbook reader cannot start now: forms wait in the mailbox until it can")
	case iso == sandbox.IsolationNone:
		log.Warn().Str("isolation", iso.String()).Msg("workbook readers share the daemon's network: this system grants them no network namespace (environment scrubbed, no_new_privs set)")
	default:
		log.Info().Str("isolation", iso.String()).Msg("workbook readers run without network, with a scrubbed environment and no_new_privs")
	}
}

// workers is how many workbook readers run at once: one per core.
func workers() int { return runtime.GOMAXPROCS(0) }

// inFlight is how many messages are handled at once: three per reader, so
// that while some wait for a disk sync or a reader, others keep the cores
// busy (measured: 2× 156–203, 3× 188–220, 4× 183–219 msgs/s).
func inFlight() int { return 3 * workers() }

// mailboxConfig is the IMAP side of the configuration.
func mailboxConfig(cfg config.Config, opts daemonOptions, log zerolog.Logger) ingest.MailboxConfig {
	return ingest.MailboxConfig{
		Addr: cfg.IMAP.Addr, TLS: ingest.TLSMode(cfg.IMAP.TLS), TLSConfig: opts.IMAPTLS, CAFile: cfg.IMAP.CAFile,
		User: cfg.IMAP.User, Password: string(cfg.IMAP.Password),
		Mailbox: cfg.IMAP.Mailbox, Done: cfg.IMAP.Done,
		PollInterval: cfg.IMAP.PollInterval, IdleMax: cfg.IMAP.IdleMax, CommandTimeout: cfg.IMAP.CommandTimeout,
		MaxMessageSize: cfg.IMAP.MaxMessageSize, AllowFastAuthRetry: opts.FastRetry,
		Logger: log.With().Str("component", "imap").Logger(),
	}
}

// smtpConfig is the SMTP side of the configuration.
func smtpConfig(cfg config.Config, opts daemonOptions) reply.SMTPConfig {
	return reply.SMTPConfig{Addr: cfg.SMTP.Addr, TLS: string(cfg.SMTP.TLS), TLSConfig: opts.SMTPTLS, CAFile: cfg.SMTP.CAFile,
		User: cfg.SMTP.User, Password: string(cfg.SMTP.Password), Timeout: cfg.SMTP.Timeout}
}

// gate holds intake while a fault of ours pauses it: `serve` waits it out,
// `serve --once` leaves the rest of the mailbox for its next run.
func (d *daemon) gate(ctx context.Context) error {
	if d.single {
		return d.pipe.Hold(ctx)
	}
	return d.pipe.Gate(ctx)
}

// handle is the watcher's handler: the pipeline, then a nudge to the sender.
func (d *daemon) handle(ctx context.Context, m ingest.Fetched) error {
	err := d.pipe.Handle(ctx, m)
	d.noteDamage(err)
	if err == nil {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
	return err
}

func loadRoster(path string, log zerolog.Logger) (*roster.Roster, error) {
	if path == "" {
		log.Warn().Msg("no roster configured: every sender is unknown and agency types are inferred from unit names")
		return &roster.Roster{}, nil
	}
	r, problems, err := roster.Load(path)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	for _, p := range problems {
		log.Warn().Str("roster", path).Str("problem", p.String()).Msg("roster row skipped or doubtful")
	}
	for _, p := range r.AddressProblems() {
		log.Error().Str("roster", path).Str("problem", p.String()).Msg("roster address cannot be written to: mail to it will fail (kaohe config check)")
	}
	log.Info().Int("agencies", len(r.Agencies)).Msg("roster loaded")
	return r, nil
}

func composeOptions(cfg config.Config, form *templates.Form) (reply.ComposeOptions, error) {
	opts := reply.ComposeOptions{MsgIDDomain: cfg.MessageIDDomain(), Form: form,
		Contact: contactLine(cfg)}
	if cfg.Reply.From != "" {
		a, err := mailaddr.Parse(cfg.Reply.From)
		if err != nil {
			return opts, fmt.Errorf("from address %q: %w", cfg.Reply.From, err)
		}
		opts.From, opts.FromName = a.Address, a.Name
	}
	if opts.FromName == "" {
		opts.FromName = "中国职工保险互助会北京办事处"
	}
	if cfg.Reply.TemplateDir != "" {
		opts.Templates = os.DirFS(cfg.Reply.TemplateDir)
		if err := reply.CheckTemplates(opts.Templates); err != nil {
			return opts, fmt.Errorf("mail templates in %s: %w", cfg.Reply.TemplateDir, err)
		}
	}
	return opts, nil
}

func contactLine(cfg config.Config) string {
	var parts []string
	if cfg.Reply.ContactNames != "" {
		parts = append(parts, "联系人："+cfg.Reply.ContactNames)
	}
	if cfg.Reply.ContactPhone != "" {
		parts = append(parts, "电话："+cfg.Reply.ContactPhone)
	}
	if cfg.Reply.From != "" {
		if a, err := mailaddr.Parse(cfg.Reply.From); err == nil {
			parts = append(parts, "邮箱："+a.Address)
		}
	}
	return strings.Join(parts, "，")
}

// Close releases the daemon's resources; a nil daemon has none.
func (d *daemon) Close() {
	if d == nil {
		return
	}
	if d.runner != nil {
		d.runner.Close()
	}
	if d.store != nil {
		d.store.Close()
	}
}

// noteDamage stops the daemon when err says the database is damaged.
func (d *daemon) noteDamage(err error) {
	if fault.Corrupt(err) {
		select {
		case d.damaged <- err:
		default:
		}
	}
}

// damagedErr is the error that said the database is damaged, or nil.
func (d *daemon) damagedErr() error {
	select {
	case err := <-d.damaged:
		return err
	default:
		return nil
	}
}

// once drains the mailbox, runs the campaign jobs and sends what is due.
// A message that failed holds back nobody else's mail: every step runs
// whatever the ones before it met, and the errors are returned together at
// the end.
func (d *daemon) once(ctx context.Context) error {
	d.single = true
	var errs []error
	if err := d.watcher.Once(ctx); err != nil {
		errs = append(errs, fmt.Errorf("mailbox: %w", err))
	}
	if ctx.Err() != nil {
		return errors.Join(append(errs, ctx.Err())...)
	}
	if err := d.campaign.AfterBatch(ctx); err != nil {
		errs = append(errs, fmt.Errorf("after batch: %w", err))
	}
	if err := d.campaign.Tick(ctx); err != nil {
		errs = append(errs, fmt.Errorf("campaign: %w", err))
	}
	if err := d.flush(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// flush sends everything due until nothing more is sent. The daily cap
// is not a failure: the rest waits in the outbox for tomorrow.
func (d *daemon) flush(ctx context.Context) error {
	for {
		n, err := d.sender.Flush(ctx)
		if errors.Is(err, reply.ErrDailyCap) {
			d.log.Warn().Msg("daily sending cap reached: the rest of the outbox waits")
			return nil
		}
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// run is `kaohe serve`: the mailbox, the sender, the campaign clock and
// the HTTP endpoint, until ctx ends; then in-flight work gets a grace
// period.
func (d *daemon) run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 4) // one per component: a send never blocks
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(work); err != nil && !errors.Is(err, context.Canceled) {
				d.log.Error().Err(err).Str("component", name).Msg("stopped with an error")
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	goRun("imap", d.watcher.Run)
	goRun("smtp", d.sender.Run)
	goRun("campaign", d.clock)
	if d.cfg.HTTP.Listen != "" {
		h := monitor.Handler(monitor.Sources{
			Metrics: d.metrics, UnhealthyAfter: d.cfg.HTTP.UnhealthyAfter, Now: d.now, Started: d.started,
			IMAP: func() (bool, string, time.Time) {
				st := d.watcher.Status()
				return st.Connected, st.LastError, st.LastPoll
			},
			Outbox: d.store.OutboxDepth, Faults: d.faults,
		})
		goRun("http", func(ctx context.Context) error { return monitor.Serve(ctx, d.cfg.HTTP.Listen, h) })
	}
	d.log.Info().Str("mailbox", d.cfg.IMAP.Mailbox).Str("imap", d.cfg.IMAP.Addr).Str("http", d.cfg.HTTP.Listen).Msg("kaohe serving")
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	case err = <-d.damaged:
		d.log.Error().Err(err).Msg("database is damaged: stopping")
	}
	d.log.Info().Msg("stopping: finishing the message in hand")
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		d.log.Warn().Msg("components did not stop within 5 s")
	}
	return err
}

// clock runs the campaign jobs: after a batch of mail the workbook and
// staff notices, every minute the reminders and summaries, and one staff
// alert when the mailbox has been unreachable too long.
func (d *daemon) clock(ctx context.Context) error {
	tick := time.NewTimer(0)
	defer tick.Stop()
	var seen uint64
	alerted := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		st := d.watcher.Status()
		if n := d.pipe.Handled(); n != seen {
			seen = n
			if err := d.campaign.AfterBatch(ctx); err != nil {
				d.noteDamage(err)
				d.log.Error().Err(err).Msg("after batch")
			}
		}
		if err := d.campaign.Tick(ctx); err != nil {
			d.noteDamage(err)
			d.log.Error().Err(err).Msg("campaign jobs")
		}
		alerted = d.mailboxAlert(ctx, st, alerted)
		d.nudgeSender()
		tick.Reset(d.tick)
	}
}

func (d *daemon) nudgeSender() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// mailboxAlert tells staff once when the mailbox has been unreachable for
// longer than the configured time, and re-arms when it is back.
func (d *daemon) mailboxAlert(ctx context.Context, st ingest.Status, alerted bool) bool {
	if st.Connected || d.cfg.HTTP.MailboxAlertAfter <= 0 {
		return false
	}
	since := st.LastPoll
	if since.IsZero() {
		since = d.started
	}
	if alerted || d.now().Sub(since) < d.cfg.HTTP.MailboxAlertAfter {
		return alerted
	}
	if err := d.campaign.Alert(ctx, fmt.Sprintf("自 %s 起无法连接考核邮箱 %s，新的考核表暂时收不到。请检查邮箱密码、网络或邮件服务商的状态。%s",
		since.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"), d.cfg.IMAP.User, describeIMAPFailure(st.LastError))); err != nil {
		d.log.Error().Err(err).Msg("mailbox alert")
		return false
	}
	d.log.Error().Str("last_error", st.LastError).Msg("mailbox unreachable: staff alerted")
	return true
}

// outboxAdapter gives the sender the store's outbox.
type outboxAdapter struct {
	st      *store.Store
	metrics *monitor.Metrics
}

func (a outboxAdapter) DueOutbox(ctx context.Context, now time.Time, limit int) ([]reply.OutboxItem, error) {
	items, err := a.st.DueOutbox(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	out := make([]reply.OutboxItem, len(items))
	for i, it := range items {
		out[i] = reply.OutboxItem{ID: it.ID, MessageID: it.MessageID, Kind: it.Kind, To: it.To, Raw: it.Raw, Attempts: it.Attempts}
	}
	return out, nil
}

func (a outboxAdapter) MarkSent(ctx context.Context, id int64, at time.Time) error {
	err := a.st.MarkSent(ctx, id, at)
	if err == nil {
		a.metrics.ReplySent()
	}
	return err
}

func (a outboxAdapter) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return a.st.MarkRetry(ctx, id, next, errText)
}

func (a outboxAdapter) MarkFailed(ctx context.Context, id int64, errText string) error {
	err := a.st.MarkFailed(ctx, id, errText)
	if err == nil {
		a.metrics.ReplyFailed()
	}
	return err
}

// SentCountSince counts mail to one address, or to anyone when to is "".
func (a outboxAdapter) SentCountSince(ctx context.Context, to string, since time.Time) (int, error) {
	if to == "" {
		return a.st.SentAllSince(ctx, since)
	}
	return a.st.SentCountSince(ctx, to, since)
}
