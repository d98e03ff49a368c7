// Package cst is Beijing time, the zone of the campaign: its deadline,
// reminders and summaries, and every time shown to clerks. It is UTC+8
// without daylight saving, fixed so that no tz database is needed.
package cst

import (
	"fmt"
	"time"
)

// Location returns Beijing's zone, named CST.
func Location() *time.Location { return time.FixedZone("CST", 8*3600) }

// TimeOfDay is a Beijing wall-clock time, hours and minutes.
type TimeOfDay struct{ Hour, Minute int }

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute) }

// On returns the instant t falls on the given Beijing calendar day.
func (t TimeOfDay) On(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, t.Hour, t.Minute, 0, 0, Location())
}
