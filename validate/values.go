package validate

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// number is a cell read as a number.
type number struct {
	Value   float64
	OK      bool
	Lenient bool // read only after folding widths, units or separators
	Percent bool // the text carried a % sign
}

// unitWords are the suffixes accepted after a number, longest first.
var unitWords = []string{"人次", "分", "人", "个", "项", "名", "家", "%"}

// parseNumber reads a cell's text as a number leniently: full-width digits,
// surrounding spaces, a trailing unit, thousands separators.
func parseNumber(raw string) number {
	s := cleanRaw(raw)
	if s == "" {
		return number{}
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) || !plainNumber(s) {
			return number{}
		}
		return number{Value: denoise(v), OK: true}
	}
	var n number
	f := norm.NFKC.String(s)
	if f != s {
		n.Lenient = true
	}
	f = strings.TrimSpace(f)
	for stripped := true; stripped; {
		stripped = false
		for _, u := range unitWords {
			if strings.HasSuffix(f, u) && len(f) > len(u) {
				f = strings.TrimSpace(strings.TrimSuffix(f, u))
				if u == "%" {
					n.Percent = true
				} else {
					n.Lenient = true
				}
				stripped = true
			}
		}
	}
	// Thousands separators and inner spaces: "1,234" and "1 234".
	if strings.ContainsAny(f, ", ") {
		f = strings.Map(func(r rune) rune {
			if r == ',' || r == ' ' {
				return -1
			}
			return r
		}, f)
		n.Lenient = true
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || !plainNumber(f) {
		return number{}
	}
	n.Value, n.OK = denoise(v), true
	return n
}

// denoise rounds away the binary noise of computed values (2.9999999999999996
// from a formula is 3), keeping nine decimals.
func denoise(v float64) float64 {
	if math.Abs(v) > 1e12 {
		return v
	}
	return math.Round(v*1e9) / 1e9
}

// plainNumber rejects what ParseFloat takes but no clerk writes: hex,
// "Inf", underscores.
func plainNumber(s string) bool {
	for _, r := range s {
		if !(unicode.IsDigit(r) || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return false
		}
	}
	return true
}

// isInteger reports whether v is a whole number.
func isInteger(v float64) bool { return v == math.Trunc(v) }

// fmtNum prints a number the way a clerk writes it: 3, 2.5, 85.7.
func fmtNum(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fmtList prints allowed scores as "0、3、6".
func fmtList(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmtNum(v)
	}
	return strings.Join(parts, "、")
}

// beijing is the campaign's time zone (UTC+8, no daylight saving).
func beijing() *time.Location { return time.FixedZone("CST", 8*3600) }

var datePattern = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
var compactDate = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)

// Excel serials of 2000-01-01 and 2099-12-31: a number outside this range
// in a date field is no date of this campaign.
const (
	minDateSerial = 36526
	maxDateSerial = 73050
)

// parseDate reads a 填报日期 cell: an Excel serial (respecting the 1904
// date system) or a written date such as 2021-12-20, 2021/12/20,
// 2021年12月20日 or 2021.12.20. lenient is set when full-width digits or
// spaces had to be folded.
func parseDate(raw string, date1904 bool) (t time.Time, ok, lenient bool) {
	s := cleanRaw(raw)
	if s == "" {
		return time.Time{}, false, false
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && plainNumber(s) {
		serial := v
		if date1904 {
			serial += 1462
		}
		if serial < minDateSerial || serial > maxDateSerial {
			if m := compactDate.FindStringSubmatch(s); m != nil {
				return ymd(m[1], m[2], m[3])
			}
			return time.Time{}, false, false
		}
		d, err := excelize.ExcelDateToTime(v, date1904)
		if err != nil {
			return time.Time{}, false, false
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, beijing()), true, false
	}
	f := strings.TrimSpace(norm.NFKC.String(s))
	lenient = f != s
	if m := datePattern.FindStringSubmatch(f); m != nil {
		t, ok, _ = ymd(m[1], m[2], m[3])
		return t, ok, lenient
	}
	if m := compactDate.FindStringSubmatch(f); m != nil {
		t, ok, _ = ymd(m[1], m[2], m[3])
		return t, ok, lenient
	}
	return time.Time{}, false, false
}

func ymd(ys, ms, ds string) (time.Time, bool, bool) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, beijing())
	if t.Day() != d { // 2021-02-30
		return time.Time{}, false, false
	}
	return t, true, false
}

// fmtDate prints a date the Chinese way.
func fmtDate(t time.Time) string {
	return t.Format("2006年1月2日")
}

// formulaErrors are the error values a cell can hold.
var formulaErrors = []string{"#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!"}

// formulaError returns the error value a cell shows, or "".
func formulaError(raw string) string {
	s := strings.ToUpper(cleanRaw(raw))
	if !strings.HasPrefix(s, "#") {
		return ""
	}
	for _, e := range formulaErrors {
		if strings.HasPrefix(s, e) {
			return e
		}
	}
	return ""
}
