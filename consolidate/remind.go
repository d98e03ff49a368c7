package consolidate

import (
	"sort"
	"time"
)

// ReminderDue is one reminder to send now.
type ReminderDue struct {
	Agency string
	Emails []string
	Day    int       // days before the cut-off this reminder is for
	DueAt  time.Time // when its window opened: cutoff − Day days
}

// ReminderTargets says which reminders are due at now. For each configured
// day d, the reminder of an agency is due while cutoff − d days ≤ now <
// cutoff − d days + 1 day; a window that has passed is skipped, never
// caught up. Nothing is due at or after the cut-off, nothing for agencies in
// submittedOnTime, and nothing alreadySent reports as sent, so a caller that
// records what it sent may call this as often as it likes (after a restart
// too). The result is ordered by day (largest first), then roster order.
func ReminderTargets(roster []Agency, submittedOnTime map[string]bool, cutoff, now time.Time, days []int, alreadySent func(agency string, day int) bool) []ReminderDue {
	if !now.Before(cutoff) {
		return nil
	}
	ds := append([]int(nil), days...)
	sort.Sort(sort.Reverse(sort.IntSlice(ds)))
	var out []ReminderDue
	for k, d := range ds {
		if d <= 0 || (k > 0 && ds[k-1] == d) {
			continue
		}
		start := cutoff.Add(-time.Duration(d) * 24 * time.Hour)
		if now.Before(start) || !now.Before(start.Add(24*time.Hour)) {
			continue
		}
		for _, a := range roster {
			if submittedOnTime[a.Name] || (alreadySent != nil && alreadySent(a.Name, d)) {
				continue
			}
			out = append(out, ReminderDue{Agency: a.Name, Emails: a.Emails, Day: d, DueAt: start})
		}
	}
	return out
}
