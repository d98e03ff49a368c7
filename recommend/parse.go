package recommend

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"kaohe/internal/cst"
)

// Excel serials of 1927-05-18 and 2119-01-08: a number between them in a
// date or month cell is a date cell's value; below, a written year.month
// such as 1985.03.
const (
	minSerial = 10000
	maxSerial = 80000
)

var (
	dayPattern   = regexp.MustCompile(`^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?$`)
	monthPattern = regexp.MustCompile(`^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?(?:\s*[./\-]?\s*\d{1,2}\s*[日号]?)?$`)
	compactDay   = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	compactMonth = regexp.MustCompile(`^(\d{4})(\d{2})$`)
	yearsPattern = regexp.MustCompile(`^(\d{1,3}(?:\.\d+)?)\s*(?:年|周年)?(?:以上|余|多)?$`)
)

// fold makes written digits and punctuation half-width and drops a time
// of day after the date ("2022-03-01 00:00:00").
func fold(s string) string {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if i := strings.Index(s, " "); i > 0 && strings.Contains(s[i:], ":") {
		s = s[:i]
	}
	return s
}

// serialDate reads raw as an Excel serial in the range of dates.
func serialDate(raw string, date1904 bool) (time.Time, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || v < minSerial || v > maxSerial {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst.Location()), true
}

// parseDay reads a day: a date cell's serial (raw) or what the cell shows
// (2022-03-01, 2022/3/1, 2022年3月1日, 2022.3.1, 20220301).
func parseDay(raw, shown string, date1904 bool) (time.Time, bool) {
	if t, ok := serialDate(raw, date1904); ok {
		return t, true
	}
	for _, s := range []string{fold(shown), fold(raw)} {
		if m := dayPattern.FindStringSubmatch(s); m != nil {
			return mkDate(m[1], m[2], m[3])
		}
		if m := compactDay.FindStringSubmatch(s); m != nil {
			return mkDate(m[1], m[2], m[3])
		}
	}
	return time.Time{}, false
}

// parseMonth reads a month as the first of it: a date cell's serial, or
// 1985年3月, 1985.03, 1985-03, 1985/3, 198503, or a whole day.
func parseMonth(raw, shown string, date1904 bool) (time.Time, bool) {
	if t, ok := serialDate(raw, date1904); ok {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, cst.Location()), true
	}
	for _, s := range []string{fold(shown), fold(raw)} {
		if m := monthPattern.FindStringSubmatch(s); m != nil {
			return mkDate(m[1], m[2], "1")
		}
		if m := compactMonth.FindStringSubmatch(s); m != nil {
			return mkDate(m[1], m[2], "1")
		}
	}
	return time.Time{}, false
}

func mkDate(ys, ms, ds string) (time.Time, bool) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, cst.Location())
	if t.Day() != d {
		return time.Time{}, false // 2月30日
	}
	return t, true
}

// parseYears reads a number of years: 12, 12年, 12.5, 10年以上.
func parseYears(shown string) (float64, bool) {
	m := yearsPattern.FindStringSubmatch(fold(shown))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}
