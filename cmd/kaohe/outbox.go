package main

import (
	"context"
	"errors"
	"time"

	"kaohe/monitor"
	"kaohe/reply"
	"kaohe/store"
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

// outboxAdapter gives the sender the store's outbox.
type outboxAdapter struct{ st *store.Store }

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

func (a outboxAdapter) Claim(ctx context.Context, id int64, next time.Time) (bool, error) {
	return a.st.ClaimOutbox(ctx, id, next)
}

func (a outboxAdapter) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return a.st.MarkSent(ctx, id, at)
}

func (a outboxAdapter) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return a.st.MarkRetry(ctx, id, next, errText)
}

func (a outboxAdapter) MarkRetryUncounted(ctx context.Context, id int64, next time.Time, errText string) error {
	return a.st.MarkRetryUncounted(ctx, id, next, errText)
}

func (a outboxAdapter) MarkFailed(ctx context.Context, id int64, errText string) error {
	return a.st.MarkFailed(ctx, id, errText)
}

// SentCountSince counts mail to one address, or to anyone when to is "".
func (a outboxAdapter) SentCountSince(ctx context.Context, to string, since time.Time) (int, error) {
	if to == "" {
		return a.st.SentAllSince(ctx, since)
	}
	return a.st.SentCountSince(ctx, to, since)
}

func (a outboxAdapter) SentKindSince(ctx context.Context, kind string, since time.Time) (int, error) {
	return a.st.SentKindSince(ctx, kind, since)
}

func (a outboxAdapter) Probe(ctx context.Context) error { return a.st.ProbeWrite(ctx) }
