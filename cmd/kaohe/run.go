package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"kaohe/internal/cst"
	"kaohe/internal/fault"
	"kaohe/mailbox"
	"kaohe/monitor"
	"kaohe/reply"
)

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
