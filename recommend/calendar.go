package recommend

import (
	"fmt"
	"time"

	"kaohe/internal/cst"
)

// DefaultPublicityDays is the working days a 公示 lasts at least when the
// configuration does not say (results.publicity_days).
const DefaultPublicityDays = 5

// Calendar says which days are working days: Monday to Friday, except the
// Holidays, plus the Workdays (a weekend day worked in exchange, 调休).
// Days are compared as dates in Beijing.
type Calendar struct {
	Holidays []time.Time
	Workdays []time.Time
}

// ParseCalendar reads holidays and exchanged working days written as
// 2006-01-02, as the configuration lists them.
func ParseCalendar(holidays, workdays []string) (Calendar, error) {
	var c Calendar
	for _, s := range holidays {
		t, err := time.ParseInLocation("2006-01-02", s, cst.Location())
		if err != nil {
			return Calendar{}, fmt.Errorf("holiday %q: want a date such as 2022-04-04", s)
		}
		c.Holidays = append(c.Holidays, t)
	}
	for _, s := range workdays {
		t, err := time.ParseInLocation("2006-01-02", s, cst.Location())
		if err != nil {
			return Calendar{}, fmt.Errorf("working day %q: want a date such as 2022-04-02", s)
		}
		c.Workdays = append(c.Workdays, t)
	}
	return c, nil
}

// day is a date in Beijing, comparable with ==.
type day struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time) day {
	y, m, d := t.In(cst.Location()).Date()
	return day{y, m, d}
}

// Working reports whether t's date (in Beijing) is a working day.
func (c Calendar) Working(t time.Time) bool {
	d := dayOf(t)
	for _, w := range c.Workdays {
		if dayOf(w) == d {
			return true
		}
	}
	for _, h := range c.Holidays {
		if dayOf(h) == d {
			return false
		}
	}
	wd := t.In(cst.Location()).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxSpan bounds WorkingDays: a 公示 of more than ten years is a typo,
// and counting it day by day must not cost more than that.
const maxSpan = 3700

// WorkingDays counts the working days from from to to, both included, by
// their dates in Beijing; 0 when to is before from.
func (c Calendar) WorkingDays(from, to time.Time) int {
	loc := cst.Location()
	f, t := dayOf(from), dayOf(to)
	start := time.Date(f.y, f.m, f.d, 12, 0, 0, 0, loc)
	end := time.Date(t.y, t.m, t.d, 12, 0, 0, 0, loc)
	n := 0
	for d, i := start, 0; !d.After(end) && i < maxSpan; d, i = d.AddDate(0, 0, 1), i+1 {
		if c.Working(d) {
			n++
		}
	}
	return n
}
