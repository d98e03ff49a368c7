package consolidate

import (
	"fmt"
	"testing"
	"time"
)

// walk runs a fake clock hour by hour from start to end, sending what
// ReminderTargets says is due and recording it in sent, which stands for
// the store: each tick builds nothing else, as a restarted daemon would.
func walk(roster []Agency, onTime func(now time.Time) map[string]bool, cutoff, start, end time.Time, days []int) (sent map[string]int, at map[string]time.Time) {
	sent, at = map[string]int{}, map[string]time.Time{}
	for now := start; now.Before(end); now = now.Add(time.Hour) {
		due := ReminderTargets(roster, onTime(now), cutoff, now, days, func(agency string, day int) bool {
			return sent[fmt.Sprintf("%s/%d", agency, day)] > 0
		})
		for _, d := range due {
			k := fmt.Sprintf("%s/%d", d.Agency, d.Day)
			sent[k]++
			at[k] = now
		}
	}
	return sent, at
}

func TestReminderTargets(t *testing.T) {
	cutoff := testCutoff
	roster := []Agency{{Name: "甲区"}, {Name: "乙局"}, {Name: "丙区"}, {Name: "丁局"}}
	// 乙局 submits before any reminder, 丙区 between the 7- and 3-day ones,
	// 甲区 and 丁局 never on time.
	submits := map[string]time.Time{
		"乙局": cutoff.Add(-9 * 24 * time.Hour),
		"丙区": cutoff.Add(-5 * 24 * time.Hour),
	}
	onTime := func(now time.Time) map[string]bool {
		m := map[string]bool{}
		for a, at := range submits {
			if !now.Before(at) {
				m[a] = true
			}
		}
		return m
	}
	days := []int{7, 3, 1}

	tests := []struct {
		name  string
		start time.Time
		want  map[string]int
	}{
		{"from 10 days before", cutoff.Add(-10 * 24 * time.Hour), map[string]int{
			"甲区/7": 1, "甲区/3": 1, "甲区/1": 1,
			"丁局/7": 1, "丁局/3": 1, "丁局/1": 1,
			"丙区/7": 1,
		}},
		{"from 5 days before: the 7-day reminder is skipped", cutoff.Add(-5 * 24 * time.Hour), map[string]int{
			"甲区/3": 1, "甲区/1": 1, "丁局/3": 1, "丁局/1": 1,
		}},
		{"from 6.5 days before: still inside the 7-day window", cutoff.Add(-6*24*time.Hour - 12*time.Hour), map[string]int{
			"甲区/7": 1, "甲区/3": 1, "甲区/1": 1, "丁局/7": 1, "丁局/3": 1, "丁局/1": 1, "丙区/7": 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, at := walk(roster, onTime, cutoff, tt.start, cutoff.Add(2*24*time.Hour), days)
			for k, n := range sent {
				if tt.want[k] != n {
					t.Errorf("%s sent %d times, want %d", k, n, tt.want[k])
				}
			}
			for k := range tt.want {
				if sent[k] == 0 {
					t.Errorf("%s never sent", k)
				}
			}
			for k, when := range at {
				if !when.Before(cutoff) {
					t.Errorf("%s sent at %v, at or after the cut-off", k, when)
				}
				var day int
				fmt.Sscanf(k[len(k)-1:], "%d", &day)
				open := cutoff.Add(-time.Duration(day) * 24 * time.Hour)
				if when.Before(open) || !when.Before(open.Add(24*time.Hour)) {
					t.Errorf("%s sent at %v, outside its window from %v", k, when, open)
				}
			}
		})
	}

	t.Run("restart re-sends nothing", func(t *testing.T) {
		sent := map[string]bool{}
		already := func(a string, d int) bool { return sent[fmt.Sprintf("%s/%d", a, d)] }
		now := cutoff.Add(-3*24*time.Hour + time.Hour)
		first := ReminderTargets(roster, nil, cutoff, now, days, already)
		if len(first) != 4 {
			t.Fatalf("first call: %+v, want all four agencies", first)
		}
		for _, d := range first {
			if d.Day != 3 || !d.DueAt.Equal(cutoff.Add(-3*24*time.Hour)) {
				t.Errorf("due %+v", d)
			}
			sent[fmt.Sprintf("%s/%d", d.Agency, d.Day)] = true
		}
		if again := ReminderTargets(roster, nil, cutoff, now.Add(time.Minute), days, already); len(again) != 0 {
			t.Errorf("second call re-sends %+v", again)
		}
	})

	t.Run("nothing at the cut-off", func(t *testing.T) {
		if got := ReminderTargets(roster, nil, cutoff, cutoff, []int{0, 1}, nil); len(got) != 0 {
			t.Errorf("due at the cut-off: %+v", got)
		}
	})
}
