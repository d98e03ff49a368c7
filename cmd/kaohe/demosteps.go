package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/cst"
	"kaohe/internal/mailserver"
)

// demoClock is the office's clock in the demo: Set moves it to a moment of
// the scenario, from where it runs on at the real pace.
type demoClock struct {
	mu  sync.Mutex
	at  time.Time // the moment last set
	set time.Time // when, in real time, it was set
}

func (c *demoClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.set = t, time.Now()
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.set))
}

// pickupDelay is how long after its arrival the demo's daemon takes a
// mail: a poll's worth, so that the receipt's time differs visibly.
const pickupDelay = 2 * time.Minute

// demoStep is one moment of the campaign: a mail to deliver and handle,
// or the daily jobs (reminders, summary) when Mail is nil.
type demoStep struct {
	At   time.Time
	Mail *demo.Mail
	What string // the daily jobs' line in the progress output
}

// demoSteps orders the scenario's mail (each handled pickupDelay after it
// arrives), the reminder moments before the cut-off, and a last round of
// the daily jobs after the last mail, which sends the cut-off summary.
func demoSteps(sc *demo.Scenario, c config.Campaign) []demoStep {
	var steps []demoStep
	for i := range sc.Mails {
		steps = append(steps, demoStep{At: sc.Mails[i].At.Add(pickupDelay), Mail: &sc.Mails[i]})
	}
	first := sc.Mails[0].At
	for _, days := range c.ReminderDays {
		day := sc.Cutoff.AddDate(0, 0, -days).In(cst.Location())
		at := c.ReminderTime.On(day.Year(), day.Month(), day.Day())
		if at.After(first) && at.Before(sc.Cutoff) {
			steps = append(steps, demoStep{At: at, What: fmt.Sprintf("定时任务：截止前 %d 天的提醒、每日汇总", days)})
		}
	}
	last := sc.Mails[len(sc.Mails)-1].At.Add(pickupDelay)
	if last.Before(sc.Cutoff) {
		last = sc.Cutoff
	}
	steps = append(steps, demoStep{At: last.Add(5 * time.Minute), What: "定时任务：截止后的汇总"})
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At.Before(steps[j].At) })
	return steps
}

// playSteps plays the campaign on the demo's clock: each mail arrives at
// its time and is handled and answered at once, as `serve` would; the
// daily jobs run at their moments.
func playSteps(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, steps []demoStep, w io.Writer) error {
	d.single = true // as `serve --once`: the intake gate never waits
	for _, st := range steps {
		if st.Mail == nil {
			clock.Set(st.At)
			fmt.Fprintf(w, "    %s  %s\n", st.At.Format("01-02 15:04"), st.What)
			if err := d.once(ctx); err != nil {
				return err
			}
			continue
		}
		who := st.Mail.Agency
		if who == "" {
			who = st.Mail.From
		}
		if err := handleMail(ctx, d, srv, clock, *st.Mail, who, w); err != nil {
			return err
		}
	}
	return nil
}
