package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"kaohe/campaign"
	"kaohe/config"
	"kaohe/ingest"
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
	faults   *monitor.Faults // every component's faults: /healthz reasons and staff alerts
	alerts   *alerter
	wake     chan struct{}
	started  time.Time
	tick     time.Duration
}

// newDaemon builds the daemon; Close releases what it opened.
func newDaemon(cfg config.Config, log zerolog.Logger, opts daemonOptions) (d *daemon, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	built := &daemon{cfg: cfg, log: log, now: now, metrics: &monitor.Metrics{}, faults: &monitor.Faults{Now: now},
		wake: make(chan struct{}, 1), started: now(), tick: opts.Tick}
	d = built
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
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if d.store, err = store.Open(cfg.DataDir, store.Options{Now: now}); err != nil {
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
		ReplyUnknownSenders: cfg.Reply.UnknownSenders, RepliesPerSenderPerHour: cfg.SMTP.PerRecipientPerHour,
		MaxAttempts: cfg.IMAP.MaxAttempts, Now: now, Log: log, Metrics: d.metrics,
	})
	mailbox := mailboxConfig(cfg, opts, log)
	mailbox.OnPoll = func(took time.Duration) { d.metrics.Poll(now(), took) }
	mailbox.Now = now
	mailbox.Workers = inFlight()
	d.watcher = ingest.NewWatcher(mailbox, d.store, d.handle)
	d.sender = &reply.Sender{
		Store: outboxAdapter{d.store},
		SMTP: reply.SMTPConfig{Addr: cfg.SMTP.Addr, TLS: string(cfg.SMTP.TLS), TLSConfig: opts.SMTPTLS,
			User: cfg.SMTP.User, Password: string(cfg.SMTP.Password), Timeout: cfg.SMTP.Timeout},
		From: fromAddr, PerRecipientPerHour: cfg.SMTP.PerRecipientPerHour, GlobalPerDay: cfg.SMTP.PerDay,
		Shares:     []reply.KindShare{{Kind: store.KindUnknownReply, Percent: strangerShare}},
		StaffKinds: []string{store.KindStaffNotice, store.KindConsolidated},
		Metrics:    d.metrics, Faults: d.faults,
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
	d.alerts = newAlerter(cfg, d.campaign.Alert, now, log)
	return d, nil
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
		Addr: cfg.IMAP.Addr, TLS: ingest.TLSMode(cfg.IMAP.TLS), TLSConfig: opts.IMAPTLS,
		User: cfg.IMAP.User, Password: string(cfg.IMAP.Password),
		Mailbox: cfg.IMAP.Mailbox, Done: cfg.IMAP.Done,
		PollInterval: cfg.IMAP.PollInterval, IdleMax: cfg.IMAP.IdleMax, CommandTimeout: cfg.IMAP.CommandTimeout,
		MaxMessageSize: cfg.IMAP.MaxMessageSize, AllowFastAuthRetry: opts.FastRetry,
		Logger: log.With().Str("component", "imap").Logger(),
	}
}

// handle is the watcher's handler: the pipeline, then a nudge to the sender.
func (d *daemon) handle(ctx context.Context, m ingest.Fetched) error {
	err := d.pipe.Handle(ctx, m)
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
	log.Info().Int("agencies", len(r.Agencies)).Msg("roster loaded")
	return r, nil
}

func composeOptions(cfg config.Config, form *templates.Form) (reply.ComposeOptions, error) {
	opts := reply.ComposeOptions{MsgIDDomain: cfg.MessageIDDomain(), Form: form,
		Contact: contactLine(cfg)}
	if cfg.Reply.From != "" {
		a, err := mail.ParseAddress(cfg.Reply.From)
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
		if a, err := mail.ParseAddress(cfg.Reply.From); err == nil {
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

// once drains the mailbox, runs the campaign jobs and sends what is due.
func (d *daemon) once(ctx context.Context) error {
	if err := d.watcher.Once(ctx); err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	if err := d.campaign.AfterBatch(ctx); err != nil {
		return fmt.Errorf("after batch: %w", err)
	}
	if err := d.campaign.Tick(ctx); err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	return d.flush(ctx)
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
		h := monitor.Handler(d.healthSources())
		goRun("http", func(ctx context.Context) error { return monitor.Serve(ctx, d.cfg.HTTP.Listen, h) })
	}
	d.log.Info().Str("mailbox", d.cfg.IMAP.Mailbox).Str("imap", d.cfg.IMAP.Addr).Str("http", d.cfg.HTTP.Listen).Msg("kaohe serving")
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
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
// staff notices, every minute the reminders and summaries; and it tells
// staff of faults that last (alerts.go).
func (d *daemon) clock(ctx context.Context) error {
	tick := time.NewTimer(0)
	defer tick.Stop()
	var seen uint64
	var jobErr string // the last error of the jobs, logged when it changes
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		// While the store cannot be written the jobs would fail every tick;
		// they run again when the sender's probe clears the fault.
		if _, down := d.faults.Get(monitor.ComponentStore); !down {
			var errs []error
			if n := d.pipe.Handled(); n != seen {
				seen = n
				errs = append(errs, d.campaign.AfterBatch(ctx))
			}
			errs = append(errs, d.campaign.Tick(ctx))
			d.logChange(&jobErr, errors.Join(errs...), "campaign jobs")
		}
		d.staffMailHealth()
		d.alerts.check(ctx, d.alertReasons(ctx))
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
