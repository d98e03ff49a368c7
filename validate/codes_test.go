package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
)

// editBook opens a built workbook, lets fn change it and writes it again.
func editBook(t testing.TB, data []byte, fn func(x *excelize.File)) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	must(t, err)
	defer x.Close()
	fn(x)
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	return buf.Bytes()
}

// TestFindingCodes spoils a good hand-built form one way per row and expects
// the row's code at its cell, indicator or field, with a message naming the
// cell.
func TestFindingCodes(t *testing.T) {
	t.Parallel()
	o := opts2021()
	good := sample.Good("丰台区", true)
	const sh = "Sheet1"
	type row struct {
		name   string
		values func(*sample.Values)
		lay    layout
		edit   func(x *excelize.File, b built)
		opts   func(*Options)
		want   Code
		target string // indicator or field id
		noCell bool   // the finding has no cell (label or row not found)
	}
	cases := []row{
		{name: "error value in score", edit: func(x *excelize.File, b built) { x.SetCellValue(sh, b.scores["1.2"], "#REF!") }, want: CodeFormulaError, target: "1.2"},
		{name: "formula error without cache", edit: func(x *excelize.File, b built) {
			x.SetCellValue(sh, b.scores["1.3"], nil)
			x.SetCellFormula(sh, b.scores["1.3"], "1/0")
		}, want: CodeFormulaError, target: "1.3"},
		{name: "error value in field", edit: func(x *excelize.File, b built) { x.SetCellValue(sh, b.fields["staff"], "#DIV/0!") }, want: CodeFormulaError, target: "staff"},
		{name: "indicator row deleted", edit: func(x *excelize.File, b built) {
			_, r, _ := excelize.CellNameToCoordinates(b.scores["2.5"])
			x.RemoveRow(sh, r)
		}, want: CodeIndicatorNotFound, target: "2.5", noCell: true},
		{name: "criteria rewritten", edit: func(x *excelize.File, b built) {
			x.SetCellValue(sh, strings.Replace(b.caps["3.3"], "D", "B", 1), "业务指标完成情况")
		}, want: CodeIndicatorNotFound, target: "3.3", noCell: true},
		{name: "cap blank", edit: func(x *excelize.File, b built) { x.SetCellValue(sh, b.caps["1.4"], "") }, want: CodeCapAltered, target: "1.4"},
		{name: "cap text", edit: func(x *excelize.File, b built) { x.SetCellValue(sh, b.caps["2.2"], "四分") }, want: CodeCapAltered, target: "2.2"},
		{name: "score fraction not allowed", values: sample.SetScore("1.2", "2.5"), want: CodeScoreNotAllowed, target: "1.2"},
		{name: "score percent", values: sample.SetScore("1.2", "100%"), want: CodeNotANumber, target: "1.2"},
		{name: "score negative", values: sample.SetScore("2.4", -5), want: CodeNegativeScore, target: "2.4"},
		{name: "score above cap", values: sample.SetScore("2.4", 8), want: CodeScoreAboveCap, target: "2.4"},
		{name: "score missing", values: sample.ClearScore("3.1"), want: CodeMissingScore, target: "3.1"},
		{name: "score word", values: sample.SetScore("3.1", "满分"), want: CodeNotANumber, target: "3.1"},
		{name: "full-width score", values: sample.SetScore("3.1", "６分"), want: CodeNormalizedValue, target: "3.1"},
		{name: "activities above six", values: sample.SetField("activities", 7), want: CodeInvalidField, target: "activities"},
		{name: "fractional count", values: sample.SetField("unions", 12.5), want: CodeInvalidField, target: "unions"},
		{name: "count not a number", values: sample.SetField("unions", "很多"), want: CodeInvalidField, target: "unions"},
		{name: "coverage 120%", values: sample.SetField("coverage", "120%"), want: CodeInvalidField, target: "coverage"},
		{name: "impossible date", values: func(v *sample.Values) { v.Date = "2021-02-30" }, want: CodeInvalidField, target: "date"},
		{name: "female above staff", values: func(v *sample.Values) { v.Fields["female_staff"] = v.Fields["staff"].(int) + 1 }, want: CodeInconsistentCounts, target: "female_staff"},
		{name: "female activity above female staff", values: func(v *sample.Values) { v.Fields["act_female"] = v.Fields["female_staff"].(int) + 1 }, want: CodeInconsistentCounts, target: "act_female"},
		{name: "hospital above staff", values: func(v *sample.Values) { v.Fields["act_hospital"] = v.Fields["staff"].(int) + 1 }, want: CodeInconsistentCounts, target: "act_hospital"},
		{name: "coverage mismatch", values: sample.SetField("coverage", 3), want: CodeCoverageMismatch, target: "coverage"},
		{name: "activity count mismatch", values: func(v *sample.Values) { v.Fields["act_general"] = 0; v.Fields["act_hospital"] = 0 }, want: CodeActivityCountMismatch, target: "activities"},
		{name: "staff thousands separator", values: func(v *sample.Values) {
			v.Fields["staff"] = fmt.Sprintf("%d,%03d人", v.Fields["staff"].(int)/1000, v.Fields["staff"].(int)%1000)
		}, want: CodeNormalizedValue, target: "staff"},
		{name: "director signature missing", values: sample.ClearField("director_sign"), want: CodeMissingField, target: "director_sign"},
		{name: "unit missing", values: func(v *sample.Values) { v.Unit = "" }, want: CodeMissingField, target: "unit"},
		{name: "unit and date missing", values: func(v *sample.Values) { v.Unit, v.Date = "", "" }, want: CodeMissingField, target: "date"},
		{name: "vertical count missing", values: sample.SetField("insured", ""), lay: layout{vertical: true}, want: CodeMissingField, target: "insured"},
		{name: "last vertical count missing", values: sample.SetField("coverage", ""), lay: layout{vertical: true}, want: CodeMissingField, target: "coverage"},
		{name: "label removed", edit: func(x *excelize.File, b built) {
			c, r, _ := excelize.CellNameToCoordinates(b.fields["staff"])
			x.SetCellValue(sh, cellOf(c-1, r), "")
		}, want: CodeMissingField, target: "staff", noCell: true},
		{name: "date after cutoff", values: func(v *sample.Values) { v.Date = "2022-01-10" }, opts: func(o *Options) { o.ReceivedAt = time.Time{} }, want: CodeDateSuspicious, target: "date"},
		{name: "date after receipt", values: func(v *sample.Values) { v.Date = "2022-01-05" }, want: CodeDateSuspicious, target: "date"},
		{name: "total mismatch", values: func(v *sample.Values) { v.Total = 3 }, want: CodeTotalMismatch},
		{name: "total not a number", values: func(v *sample.Values) { v.Total = "一百" }, want: CodeNotANumber},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := good
			if tc.values != nil {
				v = good.With(tc.values)
			}
			b := buildForm(t, o.Form, v, tc.lay)
			data := b.data
			if tc.edit != nil {
				data = editBook(t, data, func(x *excelize.File) { tc.edit(x, b) })
			}
			oo := o
			if tc.opts != nil {
				tc.opts(&oo)
			}
			sub, fs := Read(data, oo)
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			for _, f := range fs {
				if f.Code != tc.want || (tc.target != "" && f.Indicator != tc.target && f.Field != tc.target) {
					continue
				}
				if f.Sheet != sh || f.Severity != tc.want.Severity() {
					t.Errorf("sheet %q severity %s", f.Sheet, f.Severity)
				}
				if tc.noCell != (f.Cell == "") {
					t.Errorf("cell %q (noCell %v)", f.Cell, tc.noCell)
				}
				if f.Cell != "" && !strings.HasPrefix(f.Message, f.Cell+"：") {
					t.Errorf("message does not start with the cell: %s", f.Message)
				}
				if want := b.scores[tc.target]; f.Indicator != "" && !tc.noCell && f.Code != CodeCapAltered && f.Cell != want {
					t.Errorf("cell %s, want %s", f.Cell, want)
				}
				if want := b.fields[tc.target]; f.Field != "" && !tc.noCell && f.Cell != want {
					t.Errorf("cell %s, want %s", f.Cell, want)
				}
				return
			}
			t.Errorf("want %s on %q, got %+v", tc.want, tc.target, fs)
		})
	}
}
