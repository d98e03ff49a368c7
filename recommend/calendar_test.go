package recommend

import (
	"testing"
	"time"

	"kaohe/internal/cst"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, cst.Location())
}

// TestWorkingDays counts by hand over April 2022: Friday 1st, the weekend
// 2nd–3rd, 清明 on Monday 4th and Tuesday 5th (holidays), and Sunday 24th
// worked in exchange for 劳动节.
func TestWorkingDays(t *testing.T) {
	t.Parallel()
	cal, err := ParseCalendar([]string{"2022-04-04", "2022-04-05"}, []string{"2022-04-24"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"one weekday", date(2022, 4, 1), date(2022, 4, 1), 1},
		{"weekend only", date(2022, 4, 2), date(2022, 4, 3), 0},
		{"across weekend and holidays", date(2022, 4, 1), date(2022, 4, 8), 4}, // 1, 6, 7, 8
		{"a plain week", date(2022, 4, 11), date(2022, 4, 17), 5},
		{"exchanged Sunday counts", date(2022, 4, 22), date(2022, 4, 25), 3}, // 22, 24, 25
		{"end before start", date(2022, 4, 8), date(2022, 4, 1), 0},
		{"instants late in the day are their Beijing date", time.Date(2022, 4, 1, 23, 0, 0, 0, time.UTC), date(2022, 4, 6), 1}, // UTC 23:00 is Saturday 07:00 in Beijing
	}
	for _, c := range cases {
		if got := cal.WorkingDays(c.from, c.to); got != c.want {
			t.Errorf("%s: %d working days, want %d", c.name, got, c.want)
		}
	}
	if n := (Calendar{}).WorkingDays(date(2022, 4, 1), date(2022, 4, 8)); n != 6 {
		t.Errorf("without holidays: %d, want 6", n)
	}
	if _, err := ParseCalendar([]string{"4月4日"}, nil); err == nil {
		t.Error("a holiday that is no date was accepted")
	}
}
