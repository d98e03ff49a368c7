package validate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
)

// withCells returns official.xlsx with cells of the form's sheet changed
// (nil clears one).
func withCells(t *testing.T, cells map[string]any) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(readTestdata(t, "official.xlsx")))
	must(t, err)
	defer x.Close()
	for cell, v := range cells {
		must(t, x.SetCellValue("考核表", cell, v))
	}
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	return buf.Bytes()
}

// TestPlaceholders: what the blank form or a clerk leaves in the seal and
// signature cells instead of signing is missing_field, with the
// placeholder quoted; a name, a seal's text or a picture is a signature.
func TestPlaceholders(t *testing.T) {
	t.Parallel()
	o := opts2021()
	// B50 代办处盖章, B51 代办处主任签字, A52 the 填报人签字 label.
	cases := []struct {
		name    string
		cells   map[string]any
		file    string          // or a testdata file
		missing map[string]bool // field → placeholder reported
	}{
		{name: "openpyxl: （盖章） 签字： ________", file: "placeholders_openpyxl.xlsx",
			missing: map[string]bool{"seal": true, "director_sign": true, "filler_sign": true}},
		{name: "（签字）", cells: map[string]any{"B51": "（签字）"}, missing: map[string]bool{"director_sign": true}},
		{name: "(签名) half-width", cells: map[string]any{"B51": "(签名)"}, missing: map[string]bool{"director_sign": true}},
		{name: "（ 签 字 ） spaced", cells: map[string]any{"B51": "（ 签 字 ）"}, missing: map[string]bool{"director_sign": true}},
		{name: "slash", cells: map[string]any{"B51": "/"}, missing: map[string]bool{"director_sign": true}},
		{name: "full-width slash", cells: map[string]any{"B51": "／"}, missing: map[string]bool{"director_sign": true}},
		{name: "无", cells: map[string]any{"B50": "无"}, missing: map[string]bool{"seal": true}},
		{name: "略", cells: map[string]any{"B52": "略"}, missing: map[string]bool{"filler_sign": true}},
		{name: "dash", cells: map[string]any{"B52": "—"}, missing: map[string]bool{"filler_sign": true}},
		{name: "double dash", cells: map[string]any{"B52": "——"}, missing: map[string]bool{"filler_sign": true}},
		{name: "full-width underscores", cells: map[string]any{"B52": "＿＿＿＿＿＿"}, missing: map[string]bool{"filler_sign": true}},
		{name: "签章", cells: map[string]any{"B50": "签章"}, missing: map[string]bool{"seal": true}},
		{name: "盖章处", cells: map[string]any{"B50": "盖章处："}, missing: map[string]bool{"seal": true}},
		{name: "请签字", cells: map[string]any{"B51": "请签字"}, missing: map[string]bool{"director_sign": true}},
		{name: "label typed again", cells: map[string]any{"B51": "主任签字"}, missing: map[string]bool{"director_sign": true}},
		{name: "inline after the label", cells: map[string]any{"A52": "填报人签字：（签字）", "B52": nil}, missing: map[string]bool{"filler_sign": true}},
		{name: "a name", cells: map[string]any{"B51": "王  伟"}},
		{name: "a seal's text", cells: map[string]any{"B50": "海淀区工会（章）"}},
		{name: "a name after 签字：", cells: map[string]any{"B51": "签字：王伟"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var data []byte
			if tc.file != "" {
				data = readTestdata(t, tc.file)
			} else {
				data = withCells(t, tc.cells)
			}
			sub, fs := Read(data, o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			got := map[string]bool{}
			for _, f := range fs {
				if f.Code != CodeMissingField {
					t.Errorf("finding %s %s: %s", f.Code, f.Cell, f.Message)
					continue
				}
				got[f.Field] = true
				raw := sub.Fields[f.Field].Raw
				if raw == "" || !strings.Contains(f.Message, "「"+raw+"」") || !strings.Contains(f.Message, f.Cell) {
					t.Errorf("message does not quote %q at its cell: %s", raw, f.Message)
				}
			}
			for _, id := range []string{"seal", "director_sign", "filler_sign"} {
				if got[id] != tc.missing[id] {
					t.Errorf("%s: missing_field %v, want %v", id, got[id], tc.missing[id])
				}
				if sub.Fields[id].Present == tc.missing[id] {
					t.Errorf("%s: present %v", id, sub.Fields[id].Present)
				}
			}
		})
	}
}

// TestChineseDates: 填报日期 written in Chinese numerals, as on official
// papers, is read as the date it says, with a note of how it was read.
func TestChineseDates(t *testing.T) {
	t.Parallel()
	o := opts2021()
	d := func(m, day int) time.Time { return time.Date(2021, time.Month(m), day, 0, 0, 0, 0, cst.Location()) }
	cases := []struct {
		name string
		in   string // the cell's text, or
		file string // a testdata file holding 二〇二一年十二月二十八日
		want time.Time
	}{
		{name: "openpyxl file", file: "chinese_date.xlsx", want: d(12, 28)},
		{name: "LibreOffice file", file: "chinese_date_lo.xlsx", want: d(12, 28)},
		{name: "〇", in: "二〇二一年十二月二十八日", want: d(12, 28)},
		{name: "零", in: "二零二一年十二月二十八日", want: d(12, 28)},
		{name: "○ (white circle)", in: "二○二一年十二月二十日", want: d(12, 20)},
		{name: "三十", in: "二〇二一年十二月三十日", want: d(12, 30)},
		{name: "one-digit month and day", in: "二〇二二年一月三日", want: time.Date(2022, 1, 3, 0, 0, 0, 0, cst.Location())},
		{name: "廿", in: "二〇二一年十二月廿八日", want: d(12, 28)},
		{name: "号", in: "二〇二一年十二月二十八号", want: d(12, 28)},
		{name: "spaces", in: "二〇二一年 十二月 二十八日", want: d(12, 28)},
		{name: "Arabic year", in: "2021年十二月二十八日", want: d(12, 28)},
		{name: "digit by digit", in: "二〇二一年一二月二八日", want: d(12, 28)},
		{name: "no such day", in: "二〇二一年二月三十日"},
		{name: "no such month", in: "二〇二一年十三月一日"},
		{name: "two tens", in: "二〇二一年十二月十十日"},
		{name: "three-digit year", in: "二〇二年十二月八日"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := withCells(t, map[string]any{"D2": tc.in})
			if tc.file != "" {
				data = readTestdata(t, tc.file)
			}
			sub, fs := Read(data, o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			fv := sub.Fields["date"]
			if tc.want.IsZero() {
				if fv.IsDate || len(fs) != 1 || fs[0].Code != CodeInvalidField {
					t.Errorf("read %v (%v), want invalid_field: %+v", fv.Date, fv.IsDate, fs)
				}
				return
			}
			if !fv.IsDate || !fv.Date.Equal(tc.want) {
				t.Errorf("read %v (%v), want %v", fv.Date, fv.IsDate, tc.want)
			}
			if len(fs) != 1 || fs[0].Code != CodeNormalizedValue || !strings.Contains(fs[0].Message, fmtDate(tc.want)) {
				t.Errorf("want one note of the date read: %+v", fs)
			}
		})
	}
}

// TestDateSuspicious: a 填报日期 after the receipt, after the cut-off or
// before the form was issued is warned about, whatever the writer.
func TestDateSuspicious(t *testing.T) {
	t.Parallel()
	bj := cst.Location()
	cases := []struct {
		name     string
		data     func(t *testing.T) []byte
		received time.Time
		cutoff   time.Time
		says     string // "" for no warning
	}{
		{"openpyxl: after the cut-off, receipt unknown", func(t *testing.T) []byte { return readTestdata(t, "late_date_openpyxl.xlsx") },
			time.Time{}, time.Date(2022, 1, 6, 0, 0, 0, 0, bj), "晚于报送截止时间 2022年1月6日 00:00"},
		{"after the receipt", func(t *testing.T) []byte { return readTestdata(t, "late_date_openpyxl.xlsx") },
			time.Date(2022, 1, 8, 9, 0, 0, 0, bj), time.Date(2022, 1, 20, 0, 0, 0, 0, bj), "晚于收到邮件的日期 2022年1月8日"},
		{"before the cut-off given", func(t *testing.T) []byte { return readTestdata(t, "late_date_openpyxl.xlsx") },
			time.Time{}, time.Date(2022, 1, 20, 0, 0, 0, 0, bj), ""},
		{"before the notice", func(t *testing.T) []byte { return withCells(t, map[string]any{"D2": "2021年12月1日"}) },
			time.Time{}, time.Time{}, "早于考核通知下发的日期 2021年12月13日"},
		{"the notice's day", func(t *testing.T) []byte { return withCells(t, map[string]any{"D2": "2021-12-13"}) },
			time.Time{}, time.Date(2022, 1, 6, 0, 0, 0, 0, bj), ""},
		{"in Chinese numerals, after the cut-off", func(t *testing.T) []byte { return withCells(t, map[string]any{"D2": "二〇二二年一月十日"}) },
			time.Time{}, time.Date(2022, 1, 6, 0, 0, 0, 0, bj), "2022年1月10日"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := opts2021()
			o.ReceivedAt, o.Cutoff = tc.received, tc.cutoff
			sub, fs := Read(tc.data(t), o)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			var warn []Finding
			for _, f := range fs {
				if f.Code == CodeDateSuspicious {
					warn = append(warn, f)
				}
			}
			switch {
			case tc.says == "" && len(warn) > 0:
				t.Errorf("unexpected warning: %s", warn[0].Message)
			case tc.says != "" && (len(warn) != 1 || !strings.Contains(warn[0].Message, tc.says) || warn[0].Field != "date"):
				t.Errorf("want one date_suspicious saying %q: %+v", tc.says, warn)
			}
		})
	}
}
