package main

import (
	"context"
	"crypto/tls"
	"os"
	"runtime"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/campaign"
	"kaohe/config"
	"kaohe/internal/fault"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/monitor"
	"kaohe/pipeline"
	"kaohe/reply"
	"kaohe/results"
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
	if err = d.openData(opts); err != nil {
		return nil, err
	}
	reader, err := d.reader(opts)
	if err != nil {
		return nil, err
	}
	compose, err := composeOptions(cfg, d.form)
	if err != nil {
		return nil, err
	}
	if d.runner != nil {
		compose.Annotate = d.runner.Annotate
	}
	d.campaign = campaign.New(d.store, campaign.Config{
		Season: cfg.Campaign.SeasonYear(), Form: d.form, Roster: d.roster, Cutoff: cfg.Campaign.Cutoff, ReminderDays: cfg.Campaign.ReminderDays,
		ReminderTime:     cfg.Campaign.ReminderTime,
		DailySummaryTime: cfg.Campaign.DailySummaryTime,
		Staff:            cfg.Campaign.Staff, Compose: compose, Now: now,
		RecommendCutoff: cfg.Results.RecommendCutoff, Results: cfg.Results,
		Log: log.With().Str("component", "campaign").Logger(),
	})
	fromAddr := compose.From
	d.pipe = pipeline.New(d.store, pipeline.Config{
		Form: d.form, Cutoff: cfg.Campaign.Cutoff, Roster: d.roster, Reader: reader,
		MIME:        mailparse.Limits{MaxAttachmentSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize},
		MaxFileSize: cfg.Limits.MaxAttachmentSize, MaxUnzipSize: cfg.Limits.MaxUnzipSize,
		Compose: compose, Own: ownAddresses(fromAddr, cfg.IMAP.User, cfg.Campaign.Staff),
		ReplyUnknownSenders: cfg.Reply.UnknownSenders, AuthServID: cfg.Reply.AuthServID, RepliesPerSenderPerHour: cfg.SMTP.PerRecipientPerHour,
		MaxAttempts: cfg.IMAP.MaxAttempts, Now: now, Log: log, Metrics: d.metrics,
		Faults: d.faults, ProbeEvery: opts.ProbeEvery, Recommend: recommendConfig(cfg, d.runner),
		Staff: cfg.Campaign.Staff, StaffWorkbooks: []pipeline.StaffWorkbook{d.campaign.ReviewWorkbook(),
			results.MailedWorkbook(d.store, cfg.Campaign.SeasonYear(), cfg.Results.IndividualQuota)},
	})
	mbox, err := d.newWatcher(opts)
	if err != nil {
		return nil, err
	}
	d.newSender(opts, mbox, fromAddr)
	d.alerts = newAlerter(cfg, d.campaign.Alert, now, log)
	return d, nil
}

// openData loads the form, opens the data folder's store and the roster,
// and records the season.
func (d *daemon) openData(opts daemonOptions) (err error) {
	cfg, log := d.cfg, d.log
	if d.form, err = cfg.Campaign.Form(); err != nil {
		return err
	}
	if err := secureDataDir(cfg.DataDir, log); err != nil {
		return err
	}
	if d.store, err = store.Open(cfg.DataDir, store.Options{Season: cfg.Campaign.SeasonYear(), Now: d.now, WriteFault: opts.WriteFault}); err != nil {
		return err
	}
	if d.roster, err = loadRoster(cfg.Roster, log); err != nil {
		return err
	}
	// The season's form, cut-off and roster are kept for replaying it
	// after the settings have moved on to the next. Only that needs the
	// record: a full disk does not stop the daemon here, it pauses the
	// pipeline as it always does, and the next start records the season.
	if err := d.store.OpenSeason(context.Background(), d.form.Year, cfg.Campaign.Cutoff, d.roster.Agencies); err != nil {
		if fault.Corrupt(err) {
			return err
		}
		log.Error().Err(err).Int("season", cfg.Campaign.SeasonYear()).Msg("season form year, cut-off and roster not recorded; the next start records them")
	}
	return nil
}

// reader is the workbook reader: the sandboxed workers, unless the
// options read in process or bring their own.
func (d *daemon) reader(opts daemonOptions) (assess.Reader, error) {
	var reader assess.Reader
	if !opts.InProcess {
		var err error
		if d.runner, err = sandbox.NewPool("", sandbox.Limits{Memory: d.cfg.Limits.WorkerMemory,
			CPUSeconds: uint64(d.cfg.Limits.WorkerCPUSeconds), Wall: d.cfg.Limits.WorkerTimeout}, workers()); err != nil {
			return nil, err
		}
		reader = d.runner.Read
		logIsolation(d.log, d.runner)
	}
	if opts.Reader != nil {
		reader = opts.Reader
	}
	return reader, nil
}

// newWatcher builds the mailbox watcher and returns its settings, which
// the sender's copies to the Sent folder share.
func (d *daemon) newWatcher(opts daemonOptions) (mailbox.Config, error) {
	mbox := mailboxConfig(d.cfg, opts, d.log)
	// The data folder's identity claims messages in the mailbox, so that a
	// second kaohe on it never answers what this one answers.
	var err error
	if mbox.ConsumerID, err = d.store.ConsumerID(context.Background()); err != nil {
		return mbox, err
	}
	now := d.now
	mbox.OnPoll = func(took time.Duration) { d.metrics.Poll(now(), took) }
	mbox.Now = now
	mbox.Workers = inFlight()
	mbox.Gate = d.gate
	d.watcher = mailbox.NewWatcher(mbox, d.store, d.handle)
	return mbox, nil
}

// newSender builds the outbox's sender.
func (d *daemon) newSender(opts daemonOptions, mbox mailbox.Config, fromAddr string) {
	cfg, now := d.cfg, d.now
	d.sender = &reply.Sender{
		Store: d.store,
		SMTP:  smtpConfig(cfg, opts),
		From:  fromAddr, PerRecipientPerHour: cfg.SMTP.PerRecipientPerHour, GlobalPerDay: cfg.SMTP.PerDay,
		Shares:     []reply.KindShare{{Kind: store.KindUnknownReply, Percent: strangerShare}},
		StaffKinds: []string{store.KindStaffNotice, store.KindConsolidated},
		Metrics:    d.metrics, Faults: d.faults,
		Now: now, Log: d.log.With().Str("component", "smtp").Logger(), Wake: d.wake,
	}
	if folder := cfg.IMAP.SentFolder; folder != "" {
		d.sender.AppendSent = func(ctx context.Context, raw []byte) error {
			return mailbox.AppendSent(ctx, mbox, folder, raw, now())
		}
	}
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
