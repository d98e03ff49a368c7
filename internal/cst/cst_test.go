package cst

import (
	"testing"
	"time"
)

func TestOnIsBeijingWallClock(t *testing.T) {
	at := TimeOfDay{Hour: 9, Minute: 5}.On(2022, time.January, 6)
	if got := at.UTC(); !got.Equal(time.Date(2022, 1, 6, 1, 5, 0, 0, time.UTC)) {
		t.Errorf("09:05 Beijing on 2022-01-06 is %v UTC", got)
	}
	if got := at.Format("15:04 -0700 MST"); got != "09:05 +0800 CST" {
		t.Errorf("formatted %q", got)
	}
	if s := (TimeOfDay{Hour: 17}).String(); s != "17:00" {
		t.Errorf("String = %q", s)
	}
}
