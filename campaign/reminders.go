package campaign

import (
	"bytes"
	"context"
	"fmt"

	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/reply"
	"kaohe/store"
	"kaohe/templates"
)

// remind queues the reminders that are due now, each at most once per
// agency and day, across restarts.
func (c *Campaign) remind(ctx context.Context) error {
	if len(c.cfg.ReminderDays) == 0 || c.cfg.Cutoff.IsZero() {
		return nil
	}
	now := c.cfg.Now()
	local := now.In(cst.Location())
	if local.Hour()*60+local.Minute() < c.cfg.ReminderTime.Hour*60+c.cfg.ReminderTime.Minute {
		return nil
	}
	subs, err := c.store.Submissions(ctx, store.SubmissionFilter{})
	if err != nil {
		return err
	}
	onTime := map[string]bool{}
	for _, s := range subs {
		if s.OnTime && s.Agency != "" {
			onTime[s.Agency] = true
		}
	}
	var roster []consolidate.Agency
	for _, a := range c.cfg.Roster.Agencies {
		roster = append(roster, consolidate.Agency{Name: a.Name, Type: a.Type, Emails: a.Emails})
	}
	sent, err := c.store.RemindersSent(ctx)
	if err != nil {
		return err
	}
	due := consolidate.ReminderTargets(roster, onTime, c.cfg.Cutoff, now, c.cfg.ReminderDays,
		func(agency string, day int) bool { return sent[store.ReminderKey(agency, day)] })
	if len(due) == 0 {
		return nil
	}
	var blank bytes.Buffer
	if err := templates.WriteBlank(c.cfg.Form, &blank); err != nil {
		return err
	}
	for _, d := range due {
		if len(d.Emails) == 0 {
			continue
		}
		opts := c.cfg.Compose
		opts.Now = now
		daysLeft := int(c.cfg.Cutoff.Sub(now).Hours()/24) + 1
		m, err := reply.ComposeReminder(reply.Reminder{Agency: d.Agency, To: d.Emails[0], DaysLeft: daysLeft, Cutoff: c.cfg.Cutoff,
			BlankForm: blank.Bytes(), FormName: c.cfg.Form.Title + ".xlsx"},
			reminderKey(c.cfg.Season, d.Agency, d.Day), opts)
		if err != nil {
			return err
		}
		if _, err := c.store.EnqueueReminder(ctx, d.Agency, d.Day, store.OutgoingMail{MessageID: m.MessageID,
			Kind: store.KindReminder, To: m.To, Raw: m.Raw}); err != nil {
			return err
		}
		c.cfg.Log.Info().Str("agency", d.Agency).Int("day", d.Day).Msg("reminder queued")
	}
	return nil
}

// reminderKey makes a reminder's Message-ID: the same agency is reminded
// on the same day before the cut-off every season.
func reminderKey(season int, agency string, day int) string {
	return fmt.Sprintf("reminder|%d|%s|%d", season, agency, day)
}
