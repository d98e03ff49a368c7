package consolidate

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"kaohe/internal/cst"
)

// PaperForm is staff's record, in the 纸质版收到 column of 汇总, that the
// paper copy of an agency's form reached the office: the notice asks for it
// by the same day as the mail.
type PaperForm struct {
	Agency string
	// Day is the day it arrived, midnight Beijing time; zero when staff
	// wrote 是 without a date.
	Day    time.Time
	Source string // e.g. "汇总!T5"
}

// paperLabel is what the 纸质版收到 cell shows for a record without a day.
const paperLabel = "是"

// paperDayFormat shows the day a paper form arrived: the page header
// carries the campaign's year.
const paperDayFormat = `m"月"d"日"`

// paperValue is the value of a 纸质版收到 cell: a day (as its serial, which
// the column's style shows as a date), or 是.
func paperValue(p *PaperForm) any {
	switch {
	case p == nil:
		return nil
	case p.Day.IsZero():
		return paperLabel
	}
	return excelTime(p.Day)
}

// paperText is the same as text, for the hidden 原纸质版收到 column.
func paperText(p *PaperForm) string {
	switch {
	case p == nil:
		return ""
	case p.Day.IsZero():
		return paperLabel
	}
	return beijing(p.Day).Format("2006-01-02")
}

var (
	// 2022-01-05, 2022/1/5, 2022.1.5, 2022年1月5日
	paperFullDate = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$`)
	// 1月5日, 1-5, 1/5: the year is the campaign's
	paperMonthDay = regexp.MustCompile(`^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$`)
	// the literal parts of a number format: quoted text, [$-804] or
	// [Red], an escaped character
	numFmtLiterals = regexp.MustCompile(`"[^"]*"|\[[^\]]*\]|\\.`)
)

// paperReader reads the 纸质版收到 cells of one workbook.
type paperReader struct {
	f        *excelize.File
	date1904 bool
	// formYear is the year of the campaign's form: a day written without
	// its year is in formYear from July on, else in the year after (the
	// forms come in around the turn of the year).
	formYear int
	// today is the import's Beijing day: a paper form cannot have arrived
	// later. Zero: not checked.
	today time.Time
}

func newPaperReader(f *excelize.File, formYear int, now time.Time) *paperReader {
	pr := &paperReader{f: f, formYear: formYear}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		pr.date1904 = *props.Date1904
	}
	if !now.IsZero() {
		n := beijing(now)
		pr.today = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, cst.Location())
	}
	return pr
}

// read reads the raw value of cell on sheet: received reports whether the
// paper form is recorded as received, day is its day when one is given
// (zero for 是), and problem, when not empty, says in Chinese why the cell
// is refused.
func (pr *paperReader) read(sheet, cell, raw string) (received bool, day time.Time, problem string) {
	s := strings.TrimSpace(norm.NFKC.String(raw))
	switch s {
	case "":
		return false, time.Time{}, ""
	case paperLabel, "√", "✓", "✔":
		return true, time.Time{}, ""
	case "否", "无", "未收", "未收到":
		return false, time.Time{}, "纸质版收到栏填写了“" + raw + "”；未收到请留空，收到请填收到日期（如 2022-01-05）或“是”"
	}
	var ok bool
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		day, ok = pr.serial(sheet, cell, v)
	} else {
		day, ok = pr.written(s)
	}
	if !ok {
		return false, time.Time{}, "纸质版收到栏填写了“" + raw + "”，不是日期；请填收到日期（如 2022-01-05、2022/1/5 或 1月5日）或“是”，未收到请留空"
	}
	if !pr.today.IsZero() && day.After(pr.today) {
		return false, time.Time{}, "纸质版收到日期 " + day.Format("2006年1月2日") + " 晚于今天，请核对"
	}
	return true, day, ""
}

// serial reads a number: a day only when the cell is formatted as a date,
// as Excel, WPS and LibreOffice store a date typed into a cell. A bare
// number (5, 20220105) is no day.
func (pr *paperReader) serial(sheet, cell string, v float64) (time.Time, bool) {
	id, err := pr.f.GetCellStyle(sheet, cell)
	if err != nil {
		return time.Time{}, false
	}
	st, err := pr.f.GetStyle(id)
	if err != nil || !isDateFormat(st) {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(v, pr.date1904)
	if err != nil {
		return time.Time{}, false
	}
	return civilDay(t.Year(), int(t.Month()), t.Day())
}

// written reads a day typed as text.
func (pr *paperReader) written(s string) (time.Time, bool) {
	if m := paperFullDate.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return civilDay(y, mo, d)
	}
	if m := paperMonthDay.FindStringSubmatch(s); m != nil && pr.formYear > 0 {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		y := pr.formYear
		if mo < 7 {
			y++
		}
		return civilDay(y, mo, d)
	}
	return time.Time{}, false
}

// civilDay is the day y-m-d at midnight Beijing time, if it exists and is
// of this century.
func civilDay(y, m, d int) (time.Time, bool) {
	if y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, cst.Location())
	return t, t.Day() == d
}

// isDateFormat reports whether a cell style shows its number as a date: one
// of the built-in date formats (14–17, 22, and the East Asian 27–36 and
// 50–58), or a custom format with a year or a day in it.
func isDateFormat(st *excelize.Style) bool {
	if st.CustomNumFmt != nil {
		code := *st.CustomNumFmt
		// Quoted text ("年") and bracketed parts ([$-804], [Red]) are no
		// date codes.
		code = strings.ToLower(numFmtLiterals.ReplaceAllString(code, ""))
		return strings.ContainsAny(code, "yd")
	}
	n := st.NumFmt
	return (n >= 14 && n <= 17) || n == 22 || (n >= 27 && n <= 36) || (n >= 50 && n <= 58)
}
