package reply

import (
	"time"

	"kaohe/internal/cst"
)

// cnTime formats a time for Chinese readers in Beijing time.
func cnTime(t time.Time) string {
	if t.IsZero() {
		return "未知"
	}
	return t.In(cst.Location()).Format("2006年1月2日 15:04")
}

// cnDeadline formats a cut-off; midnight shows as 24:00 of the day before,
// as the notice words it (2022年1月5日前 is before 2022-01-06 00:00).
func cnDeadline(t time.Time) string {
	if t.IsZero() {
		return "未设定"
	}
	b := t.In(cst.Location())
	if b.Hour() == 0 && b.Minute() == 0 {
		return b.Add(-time.Minute).Format("2006年1月2日") + " 24:00"
	}
	return b.Format("2006年1月2日 15:04")
}
