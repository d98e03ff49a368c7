package pipeline

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"kaohe/internal/fault"
	"kaohe/monitor"
	"kaohe/templates"
	"kaohe/validate"
)

// ErrPaused is Hold's answer while intake is paused by a fault of ours.
var ErrPaused = errors.New("intake is paused by a fault of ours")

// errResumed ends the watcher's pass after a pause, so that the next pass
// starts again from the oldest message still waiting.
var errResumed = errors.New("intake resumed after a pause: the pass starts again")

// Probe periods: the first probe after a pause waits DefaultProbeEvery (or
// Config.ProbeEvery); pauses that follow one another without a message
// handled in between wait twice as long each time, up to maxProbeEvery,
// so that a fault the probe cannot see is retried a minute apart, not
// every few seconds.
const (
	DefaultProbeEvery = 5 * time.Second
	maxProbeEvery     = time.Minute
)

// pause is intake's state under faults of ours. A system fault trips it;
// the watcher's gate then holds every new message until a probe (a real
// write to the data folder, and a read by the workbook reader when the
// reader was at fault) succeeds.
type pause struct {
	mu     sync.Mutex
	paused bool
	cause  error
	reader bool // the workbook reader was at fault: the probe runs it too
	streak int  // pauses since a message was last handled
}

// storeFault marks an error of the store's (the archive, the database), so
// that the pause also reports the store as failing.
type storeFault struct{ err error }

func (e *storeFault) Error() string { return e.err.Error() }
func (e *storeFault) Unwrap() error { return e.err }

// readerFault marks an error of the workbook reader itself.
type readerFault struct{ err error }

func (e *readerFault) Error() string { return e.err.Error() }
func (e *readerFault) Unwrap() error { return e.err }

// trip pauses intake for cause, a fault of ours. It says so once per
// pause: one error in the log, intake (and the store, when it is at
// fault) among the faults in force, the paused gauge set.
func (p *Pipeline) trip(cause error) {
	var sf *storeFault
	inStore := errors.As(cause, &sf)
	var rf *readerFault
	inReader := errors.As(cause, &rf)
	p.pause.mu.Lock()
	already := p.pause.paused
	p.pause.paused, p.pause.cause = true, cause
	p.pause.reader = p.pause.reader || inReader
	if !already {
		p.pause.streak++
	}
	streak := p.pause.streak
	p.pause.mu.Unlock()

	p.cfg.Faults.Set(monitor.ComponentIntake, cause)
	if inStore {
		p.cfg.Faults.Set(monitor.ComponentStore, cause)
	}
	if already {
		return
	}
	p.cfg.Metrics.SetIntakePaused(true)
	ev := p.cfg.Log.Error().Err(cause).Int("pause", streak).Dur("probe_every", p.probeDelay(streak))
	switch {
	case fault.DiskFull(cause):
		ev = ev.Str("action", "free space on the disk of the data folder "+p.store.Dir())
	case inStore:
		ev = ev.Str("action", "check that the data folder "+p.store.Dir()+" and its database can be written")
	case inReader:
		ev = ev.Str("action", "check that the workbook reader process can start (memory, process limits, the program file)")
	}
	ev.Msg("intake paused by a fault of ours: new mail waits in the mailbox, nothing is moved or counted against it; it resumes by itself when a probe write succeeds")
}

// handledOK records that a message went through: pauses that come later
// start again from the shortest probe period.
func (p *Pipeline) handledOK() {
	p.pause.mu.Lock()
	if !p.pause.paused {
		p.pause.streak, p.pause.reader = 0, false
	}
	p.pause.mu.Unlock()
}

// Paused reports whether intake is paused by a fault of ours.
func (p *Pipeline) Paused() bool {
	p.pause.mu.Lock()
	defer p.pause.mu.Unlock()
	return p.pause.paused
}

// Hold is a gate for the watcher that never waits: ErrPaused while intake
// is paused, so that a single pass (serve --once) stops taking new
// messages and leaves them in the mailbox.
func (p *Pipeline) Hold(context.Context) error {
	if p.Paused() {
		return ErrPaused
	}
	return nil
}

// Gate is the watcher's gate before each message (mailbox.Config.Gate).
// It returns nil at once while intake runs. While intake is paused it
// blocks, probing every few seconds, until a probe succeeds: it then
// resumes intake and returns an error, so that the watcher ends its pass
// and starts again from the oldest waiting message. It returns ctx.Err()
// when ctx ends first.
func (p *Pipeline) Gate(ctx context.Context) error {
	if !p.Paused() {
		return nil
	}
	p.pause.mu.Lock()
	delay := p.probeDelay(p.pause.streak)
	p.pause.mu.Unlock()
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := p.probe(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.cfg.Log.Debug().Err(err).Msg("probe failed: intake stays paused")
			t.Reset(delay)
			continue
		}
		p.resume()
		return errResumed
	}
}

// probe writes to the data folder and, when the reader was at fault, reads
// the blank form with it. A failed store write is reported as the store's
// fault.
func (p *Pipeline) probe(ctx context.Context) error {
	if err := p.store.Probe(ctx); err != nil {
		p.cfg.Faults.Set(monitor.ComponentStore, err)
		return err
	}
	p.cfg.Faults.Clear(monitor.ComponentStore)
	p.pause.mu.Lock()
	reader := p.pause.reader
	p.pause.mu.Unlock()
	if !reader || p.cfg.Form == nil {
		return nil
	}
	var blank bytes.Buffer
	if err := templates.WriteBlank(p.cfg.Form, &blank); err != nil {
		return err
	}
	_, _, err := p.cfg.Reader(ctx, blank.Bytes(), validate.Options{Form: p.cfg.Form, Filename: "probe.xlsx",
		MaxFileSize: p.cfg.MaxFileSize, MaxUnzipSize: p.cfg.MaxUnzipSize})
	return err
}

// resume ends the pause after a successful probe.
func (p *Pipeline) resume() {
	p.pause.mu.Lock()
	cause, streak := p.pause.cause, p.pause.streak
	p.pause.paused, p.pause.cause = false, nil
	p.pause.mu.Unlock()
	p.cfg.Metrics.SetIntakePaused(false)
	p.cfg.Faults.Clear(monitor.ComponentIntake)
	p.cfg.Log.Info().AnErr("cause", cause).Int("pause", streak).Msg("intake resumed: the probe write succeeded; waiting mail is taken again")
}

// probeDelay is the probe period of the streak-th pause in a row.
func (p *Pipeline) probeDelay(streak int) time.Duration {
	d := p.cfg.ProbeEvery
	for i := 1; i < streak && d < maxProbeEvery; i++ {
		d *= 2
	}
	return min(d, max(maxProbeEvery, p.cfg.ProbeEvery))
}
