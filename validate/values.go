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

	"kaohe/internal/cst"
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

var datePattern = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$`)
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
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, cst.Location()), true, false
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
	if t, ok := chineseDate(f); ok {
		return t, true, true
	}
	return time.Time{}, false, false
}

var chineseDatePattern = regexp.MustCompile(`^([0-9〇零○O一二三四五六七八九]{4})年([0-9〇零○一二三四五六七八九十]{1,3})月([0-9〇零○一二三四五六七八九十廿卅]{1,4})[日号]?$`)

// chineseDate reads a date written in Chinese numerals, as a clerk writes
// it on an official paper: 二〇二一年十二月二十八日, 二零二一年十二月八日,
// 2021年十二月廿八日.
func chineseDate(s string) (time.Time, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	m := chineseDatePattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, ok1 := digitsValue(m[1])
	mo, ok2 := chineseNumber(m[2])
	d, ok3 := chineseNumber(m[3])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	t, ok, _ := ymd(strconv.Itoa(y), strconv.Itoa(mo), strconv.Itoa(d))
	return t, ok
}

// chineseDigit is the value of one digit, Arabic or Chinese; -1 for none.
func chineseDigit(r rune) int {
	switch r {
	case '〇', '零', '○', 'O':
		return 0
	case '一':
		return 1
	case '二':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	}
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	return -1
}

// digitsValue reads digits one by one, as years are written (二〇二一).
func digitsValue(s string) (int, bool) {
	v := 0
	for _, r := range s {
		d := chineseDigit(r)
		if d < 0 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// chineseNumber reads a month or a day: 八, 十, 十二, 二十八, 廿八, 卅一, or
// digits (12, 〇八).
func chineseNumber(s string) (int, bool) {
	rs := []rune(s)
	tensAt := -1
	for i, r := range rs {
		if r == '十' || r == '廿' || r == '卅' {
			if tensAt >= 0 {
				return 0, false
			}
			tensAt = i
		}
	}
	if tensAt < 0 {
		return digitsValue(s)
	}
	tens := 1
	switch rs[tensAt] {
	case '廿':
		tens = 2
	case '卅':
		tens = 3
	}
	switch {
	case tensAt == 1 && rs[1] == '十':
		d := chineseDigit(rs[0])
		if d < 1 {
			return 0, false
		}
		tens = d
	case tensAt != 0:
		return 0, false
	}
	units := 0
	switch len(rs) - tensAt - 1 {
	case 0:
	case 1:
		units = chineseDigit(rs[tensAt+1])
		if units < 0 {
			return 0, false
		}
	default:
		return 0, false
	}
	return tens*10 + units, true
}

func ymd(ys, ms, ds string) (time.Time, bool, bool) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, cst.Location())
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
