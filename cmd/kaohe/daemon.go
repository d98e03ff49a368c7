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

	"kaohe/assess"
	"kaohe/campaign"
	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/internal/fault"
	"kaohe/internal/mailaddr"
	"kaohe/mailbox"
	"kaohe/mailparse"
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
	Reader assess.Reader
	// Signals receives every SIGINT/SIGTERM (the first one ends run's ctx
	// too): the second cancels the messages in hand. Grace is how long they
	// may take after the first; zero: shutdownGrace.
	Signals <-chan os.Signal
	Grace   time.Duration
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
	watcher  *mailbox.Watcher
	sender   *reply.Sender
	campaign *campaign.Campaign
	metrics  *monitor.Metrics
	faults   *monitor.Faults // every component's faults: /healthz reasons and staff alerts
	alerts   *alerter
	single   bool // serve --once: the intake gate never waits
	wake     chan struct{}
	started  time.Time
	tick     time.Duration
	// damaged receives the first error that says the database is damaged:
	// the daemon then stops rather than work on a file it cannot trust.
	damaged chan error
	signals <-chan os.Signal
	grace   time.Duration
	// hard ends the messages in hand (run's second stage); nil outside run.
	hard context.Context
}

// newDaemon builds the daemon; Close releases what it opened.
func newDaemon(cfg config.Config, log zerolog.Logger, opts daemonOptions) (d *daemon, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	built := &daemon{cfg: cfg, log: log, now: now, metrics: &monitor.Metrics{}, faults: &monitor.Faults{Now: now},
		wake: make(chan struct{}, 1), started: now(), tick: opts.Tick, signals: opts.Signals, grace: opts.Grace}
	d = built
	d.damaged = make(chan error, 1)
	if d.tick <= 0 {
		d.tick = 10 * time.Second
	}
	if d.grace <= 0 {
		d.grace = shutdownGrace
	}
	defer func() {
		if err != nil {
			built.Close() // d is nil by now
		}
	}()
	if d.form, err = cfg.Campaign.Form(); err != nil {
		return nil, err
	}
	if err := secureDataDir(cfg.DataDir, log); err != nil {
		return nil, err
	}
	if d.store, err = store.Open(cfg.DataDir, store.Options{Season: cfg.Campaign.SeasonYear(), Now: now, WriteFault: opts.WriteFault}); err != nil {
		return nil, err
	}
	if d.roster, err = loadRoster(cfg.Roster, log); err != nil {
		return nil, err
	}
	// The season's form, cut-off and roster are kept for replaying it
	// after the settings have moved on to the next. Only that needs the
	// record: a full disk does not stop the daemon here, it pauses the
	// pipeline as it always does, and the next start records the season.
	if err := d.store.OpenSeason(context.Background(), d.form.Year, cfg.Campaign.Cutoff, d.roster.Agencies); err != nil {
		if fault.Corrupt(err) {
			return nil, err
		}
		log.Error().Err(err).Int("season", cfg.Campaign.SeasonYear()).Msg("season form year, cut-off and roster not recorded; the next start records them")
	}
	var reader assess.Reader
	if !opts.InProcess {
		if d.runner, err = sandbox.NewPool("", sandbox.Limits{Memory: cfg.Limits.WorkerMemory,
			CPUSeconds: uint64(cfg.Limits.WorkerCPUSeconds), Wall: cfg.Limits.WorkerTimeout}, workers()); err != nil {
			return nil, err
		}
		reader = d.runner.Read
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
		MIME:        mailparse.Limits{MaxAttachmentSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize},
		MaxFileSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize,
		Compose: compose, Own: ownAddresses(fromAddr, cfg.IMAP.User, cfg.Campaign.Staff),
		ReplyUnknownSenders: cfg.Reply.UnknownSenders, AuthServID: cfg.Reply.AuthServID, RepliesPerSenderPerHour: cfg.SMTP.PerRecipientPerHour,
		MaxAttempts: cfg.IMAP.MaxAttempts, Now: now, Log: log, Metrics: d.metrics,
		Faults: d.faults, ProbeEvery: opts.ProbeEvery,
	})
	mbox := mailboxConfig(cfg, opts, log)
	// The data folder's identity claims messages in the mailbox, so that a
	// second kaohe on it never answers what this one answers.
	if mbox.ConsumerID, err = d.store.ConsumerID(context.Background()); err != nil {
		return nil, err
	}
	mbox.OnPoll = func(took time.Duration) { d.metrics.Poll(now(), took) }
	mbox.Now = now
	mbox.Workers = inFlight()
	mbox.Gate = d.gate
	d.watcher = mailbox.NewWatcher(mbox, d.store, d.handle)
	d.sender = &reply.Sender{
		Store: d.store,
		SMTP:  smtpConfig(cfg, opts),
		From:  fromAddr, PerRecipientPerHour: cfg.SMTP.PerRecipientPerHour, GlobalPerDay: cfg.SMTP.PerDay,
		Shares:     []reply.KindShare{{Kind: store.KindUnknownReply, Percent: strangerShare}},
		StaffKinds: []string{store.KindStaffNotice, store.KindConsolidated},
		Metrics:    d.metrics, Faults: d.faults,
		Now: now, Log: log.With().Str("component", "smtp").Logger(), Wake: d.wake,
	}
	if folder := cfg.IMAP.SentFolder; folder != "" {
		d.sender.AppendSent = func(ctx context.Context, raw []byte) error {
			return mailbox.AppendSent(ctx, mbox, folder, raw, now())
		}
	}
	d.campaign = campaign.New(d.store, campaign.Config{
		Season: cfg.Campaign.SeasonYear(), Form: d.form, Roster: d.roster, Cutoff: cfg.Campaign.Cutoff, ReminderDays: cfg.Campaign.ReminderDays,
		ReminderTime:     cfg.Campaign.ReminderTime,
		DailySummaryTime: cfg.Campaign.DailySummaryTime,
		Staff:            cfg.Campaign.Staff, Compose: compose, Now: now,
		Log: log.With().Str("component", "campaign").Logger(),
	})
	d.alerts = newAlerter(cfg, d.campaign.Alert, now, log)
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
func mailboxConfig(cfg config.Config, opts daemonOptions, log zerolog.Logger) mailbox.Config {
	// /healthz counts the mailbox unreachable when it was not polled for
	// http.unhealthy_after: a quiet mailbox in IDLE is polled at least twice
	// in that time, or a short unhealthy_after would cry wolf.
	poll, idle := cfg.IMAP.PollInterval, cfg.IMAP.IdleMax
	if half := cfg.HTTP.UnhealthyAfter / 2; half > 0 {
		poll, idle = min(poll, half), min(idle, half)
	}
	return mailbox.Config{
		Addr: cfg.IMAP.Addr, TLS: mailbox.TLSMode(cfg.IMAP.TLS), TLSConfig: opts.IMAPTLS, CAFile: cfg.IMAP.CAFile,
		User: cfg.IMAP.User, Password: string(cfg.IMAP.Password),
		Mailbox: cfg.IMAP.Mailbox, Done: cfg.IMAP.Done,
		PollInterval: poll, IdleMax: idle, CommandTimeout: cfg.IMAP.CommandTimeout,
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
func (d *daemon) handle(ctx context.Context, m mailbox.Fetched) error {
	ctx, cancel := handlerContext(ctx, d.hard)
	defer cancel()
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
		return d.store.Damage()
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
// the HTTP endpoint, until ctx ends or the first signal. Then it stops in
// two stages: no new mail is taken, and the messages in hand finish within
// the grace period; a second signal, or the end of the grace period,
// cancels them (finish).
func (d *daemon) run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 4) // one per component: a send never blocks
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	hard, stopHard := context.WithCancel(context.Background())
	defer stopHard()
	d.hard = hard
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
	signals := 0
	select {
	case <-ctx.Done():
	case <-d.signals:
		signals++
	case err = <-errs:
	case err = <-d.damaged:
		d.log.Error().Err(err).Msg("database is damaged: stopping")
		stopHard() // nothing more is written to a file that cannot be trusted
	}
	d.log.Info().Dur("grace", d.grace).Msg("stopping: no new mail is taken; the messages in hand finish")
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	d.finish(done, stopHard, d.signals, signals)
	return err
}

// clock runs the campaign jobs: after a batch of mail the workbook and
// staff notices, every minute the reminders and summaries; and it tells
// staff of faults that last (alerts.go).
func (d *daemon) clock(ctx context.Context) error {
	tick := time.NewTimer(0)
	defer tick.Stop()
	var seen uint64
	var jobErr string          // the last error of the jobs, logged when it changes
	var otherAlerted time.Time // start of the other-consumer episode staff were told of
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
			jobsErr := errors.Join(errs...)
			d.noteDamage(jobsErr)
			d.logChange(&jobErr, jobsErr, "campaign jobs")
		}
		d.noteDamage(d.store.Damage())
		d.staffMailHealth()
		otherAlerted = d.consumerAlert(ctx, d.watcher.Status(), otherAlerted)
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

// consumerAlert lists another consumer of the mailbox among the /healthz
// reasons while the watcher reports one, and tells staff once per episode
// (alerted is the start of the episode they were told of).
func (d *daemon) consumerAlert(ctx context.Context, st mailbox.Status, alerted time.Time) time.Time {
	if st.OtherConsumer == "" {
		d.faults.Clear(monitor.ComponentConsumer)
		return alerted
	}
	d.faults.Set(monitor.ComponentConsumer, fmt.Errorf("another consumer (%s) takes mail from %s: %s", st.OtherConsumer, d.cfg.IMAP.Mailbox, st.OtherEvidence))
	if st.OtherSince.Equal(alerted) {
		return alerted
	}
	since := st.OtherSince.In(cst.Location()).Format("2006-01-02 15:04")
	text := fmt.Sprintf("自 %s 起，另一个 kaohe（编号 %s）也在处理考核邮箱 %s 的“%s”文件夹。为免代办处收到重复回执，每封邮件只由先标记它的一方处理，由对方处理的邮件不会出现在本机的汇总表里。请只保留一个 kaohe：停掉另一台电脑或另一个数据目录上运行的 kaohe。如果那个 kaohe 已经停用（例如换了数据目录或电脑），无需处理：它标记了却没处理完的邮件约 %.0f 小时后由本机接手。",
		since, st.OtherConsumer, d.cfg.IMAP.User, d.cfg.IMAP.Mailbox, mailbox.DefaultClaimLease.Hours())
	if st.OtherConsumer == mailbox.UnknownConsumer {
		text = fmt.Sprintf("自 %s 起，考核邮箱 %s 的“%s”文件夹里接连有邮件在本机处理之前被别的程序取走（例如另一个 kaohe，或邮件客户端的收信规则）。被取走的邮件不会出现在本机的汇总表里，发件的代办处也可能收不到本机的回执。请查明是哪个程序在从这个邮箱取信，只保留一个 kaohe。",
			since, d.cfg.IMAP.User, d.cfg.IMAP.Mailbox)
	}
	if err := d.campaign.Alert(ctx, text); err != nil {
		d.log.Error().Err(err).Msg("consumer alert")
		return alerted
	}
	d.log.Error().Str("other_consumer", st.OtherConsumer).Str("evidence", st.OtherEvidence).Msg("another consumer of the mailbox: staff alerted")
	return st.OtherSince
}

// ownAddresses are the office's own addresses, never answered: from, the
// mailbox's login and every staff address, the last written as 名字 <地址>
// or bare.
func ownAddresses(from, imapUser string, staff []string) []string {
	own := []string{from, imapUser}
	for _, s := range staff {
		if a, err := mailaddr.Parse(s); err == nil {
			own = append(own, a.Address)
		} else {
			own = append(own, s)
		}
	}
	return own
}
