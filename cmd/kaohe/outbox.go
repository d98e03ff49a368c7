package main

import (
	"context"
	"errors"
	"time"

	"kaohe/monitor"
)

// strangerShare is the percentage of smtp.per_day that replies to senders
// not on the roster may use in any 24 hours: forged senders can never spend
// what agencies and staff need.
const strangerShare = 10

// healthSources are what /healthz and the staff alerts look at.
func (d *daemon) healthSources() monitor.Sources {
	return monitor.Sources{
		Metrics: d.metrics, Faults: d.faults, UnhealthyAfter: d.cfg.HTTP.UnhealthyAfter, Now: d.now, Started: d.started,
		IMAP: func() (bool, string, time.Time) {
			st := d.watcher.Status()
			return st.Connected, st.LastError, st.LastPoll
		},
		Outbox: d.store.OutboxDepth,
		Sending: func(ctx context.Context) (monitor.Sending, error) {
			oldest, err := d.store.OldestPending(ctx)
			st := d.sender.Status()
			return monitor.Sending{OldestPending: oldest, LastDelivery: st.LastDelivery, LastError: st.LastError}, err
		},
	}
}

// staffMailHealth holds ComponentStaffMail while staff mail cannot be
// composed (the campaign's last attempt failed) or was refused by the
// server (until one is delivered).
func (d *daemon) staffMailHealth() {
	text := ""
	if err := d.campaign.StaffMailError(); err != nil {
		text = "compose: " + err.Error()
	} else if s := d.sender.Status().StaffError; s != "" {
		text = "send: " + s
	}
	if text == "" {
		d.faults.Clear(monitor.ComponentStaffMail)
		return
	}
	d.faults.Set(monitor.ComponentStaffMail, errors.New(text))
}

// logChange logs err when it differs from the last one logged under msg,
// and when it ends: a fault that lasts is said once, not every tick.
func (d *daemon) logChange(last *string, err error, msg string) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	if text == *last {
		return
	}
	*last = text
	if err != nil {
		d.log.Error().Err(err).Msg(msg)
	} else {
		d.log.Info().Msg(msg + ": working again")
	}
}
