package main

import (
	"context"
	"os"
	"time"
)

// shutdownGrace is how long the messages in hand may take to finish after
// the first SIGINT or SIGTERM. contrib/kaohe.service's TimeoutStopSec
// (30 s) leaves room for it and for stopWait.
const shutdownGrace = 20 * time.Second

// stopWait bounds the wait once the messages in hand are cancelled: a
// workbook being read in a worker cannot be interrupted, and what it leaves
// half done is never committed (the store is closed under it).
const stopWait = 5 * time.Second

// handlerContext is the context a message is handled under. The watcher's
// ctx ends when intake stops (the first signal), but the message in hand
// goes on until hard ends: a second signal or the end of the grace period.
// Without hard (serve --once) it is the watcher's ctx.
func handlerContext(watcher, hard context.Context) (context.Context, context.CancelFunc) {
	if hard == nil {
		return watcher, func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(watcher))
	stop := context.AfterFunc(hard, cancel)
	return ctx, func() { stop(); cancel() }
}

// finish waits for run's components (done) in the second stage of a
// shutdown: the messages in hand finish within the grace period unless a
// second signal comes first; then cancel ends them, and run waits at most
// stopWait more. signals counts those seen so far: every SIGINT/SIGTERM
// reaches sigs, the first one included.
func (d *daemon) finish(done <-chan struct{}, cancel context.CancelFunc, sigs <-chan os.Signal, signals int) {
	grace := time.NewTimer(d.grace)
	defer grace.Stop()
	var giveUp <-chan time.Time // set once the messages in hand are cancelled
	if d.hard.Err() != nil {
		giveUp = time.After(stopWait) // cancelled already: a damaged database
	}
	for {
		select {
		case <-done:
			return
		case <-giveUp:
			d.log.Warn().Dur("waited", stopWait).Msg("components did not stop after cancelling: leaving them")
			return
		case <-sigs:
			if signals++; signals < 2 || giveUp != nil {
				continue
			}
			d.log.Warn().Msg("second signal: cancelling the messages in hand")
		case <-grace.C:
			if giveUp != nil {
				continue
			}
			d.log.Warn().Dur("grace", d.grace).Msg("grace period over: cancelling the messages in hand")
		}
		cancel()
		giveUp = time.After(stopWait)
	}
}
