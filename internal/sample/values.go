package sample

import (
	"bytes"
	"fmt"
	"maps"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// Values is what an agency typed into the form. A value that is absent from
// a map, or an empty string, leaves its cell blank.
type Values struct {
	Unit string // 考核单位
	// Date is 填报日期 as typed. A "2006-01-02" date is written as an Excel
	// date (a serial with a date format, as Excel stores a typed date) unless
	// DateAsText is set; anything else is written as text.
	Date       string
	DateAsText bool
	// Fields are the basic figures by field id (spec section 3): int and
	// float64 are written as numbers, strings as text ("85%", "１２３").
	// An entry for "unit" or "date" overrides Unit or Date.
	Fields map[string]any
	// Scores are the self-scores by indicator id: a number or a string.
	Scores map[string]any
	// SignatureText is the text of the seal and signature fields by field id.
	SignatureText map[string]string
	// SignaturePicture anchors a generated seal picture on the input cell of
	// each signature field id set to true (a picture counts as present).
	SignaturePicture map[string]bool
	// InLabel writes a field's value after the colon in its label cell
	// ("填报人签字：张三"), as some clerks do, by field id.
	InLabel map[string]string
	// Caps overrides printed 标准分 cells by indicator id (to fake an
	// altered cap); absent keeps the form's cap.
	Caps map[string]any
	// Total, when not nil, replaces the 自评分 total's SUM formula with this
	// value. When nil the formula stays, with the sum of the numeric scores
	// as its cached value, as Excel would have saved it.
	Total any
}

// Clone returns a deep copy of v.
func (v Values) Clone() Values {
	v.Fields = maps.Clone(v.Fields)
	v.Scores = maps.Clone(v.Scores)
	v.SignatureText = maps.Clone(v.SignatureText)
	v.SignaturePicture = maps.Clone(v.SignaturePicture)
	v.Caps = maps.Clone(v.Caps)
	v.InLabel = maps.Clone(v.InLabel)
	return v
}

// With returns a copy of v changed by fn; v itself is not modified.
func (v Values) With(fn func(*Values)) Values {
	c := v.Clone()
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	if c.Scores == nil {
		c.Scores = map[string]any{}
	}
	if c.SignatureText == nil {
		c.SignatureText = map[string]string{}
	}
	if c.SignaturePicture == nil {
		c.SignaturePicture = map[string]bool{}
	}
	if c.Caps == nil {
		c.Caps = map[string]any{}
	}
	if c.InLabel == nil {
		c.InLabel = map[string]string{}
	}
	fn(&c)
	return c
}

// SelfTotal is the sum of the scores that are numbers (int or float64).
func (v Values) SelfTotal() float64 {
	var sum float64
	for _, s := range v.Scores {
		if n, ok := number(s); ok {
			sum += n
		}
	}
	return sum
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// Workbook writes the blank form f (templates.BuildBlank) filled in with v at
// the cells templates.BlankLayout gives, and returns the .xlsx bytes.
func Workbook(f *templates.Form, v Values) ([]byte, error) {
	x, err := templates.BuildBlank(f)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	if err := Fill(x, f, v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write sample workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// Fill writes v into a blank form x built by templates.BuildBlank(f).
func Fill(x *excelize.File, f *templates.Form, v Values) error {
	l := templates.BlankLayout(f)
	sh := l.Sheet
	for _, fd := range f.Fields {
		c, ok := l.Fields[fd.ID]
		if !ok {
			continue
		}
		val, ok := fieldValue(fd, v)
		if ok {
			if err := setValue(x, sh, c, val, fd.Kind == templates.KindDate && !v.DateAsText); err != nil {
				return fmt.Errorf("field %s: %w", fd.ID, err)
			}
		}
		if text, ok := v.InLabel[fd.ID]; ok {
			if err := x.SetCellValue(sh, l.FieldLabels[fd.ID], templates.FieldLabel(fd)+text); err != nil {
				return fmt.Errorf("field %s label: %w", fd.ID, err)
			}
		}
		if fd.Kind == templates.KindSign && v.SignaturePicture[fd.ID] {
			if err := addSeal(x, sh, c); err != nil {
				return fmt.Errorf("field %s picture: %w", fd.ID, err)
			}
		}
	}
	for _, ind := range f.Indicators() {
		if s, ok := v.Scores[ind.ID]; ok {
			if err := setValue(x, sh, l.Scores[ind.ID], s, false); err != nil {
				return fmt.Errorf("indicator %s: %w", ind.ID, err)
			}
		}
		if c, ok := v.Caps[ind.ID]; ok {
			if err := setValue(x, sh, l.Caps[ind.ID], c, false); err != nil {
				return fmt.Errorf("indicator %s cap: %w", ind.ID, err)
			}
		}
	}
	return setTotal(x, sh, l.TotalSelfCell, v)
}

// fieldValue is what v has for field fd; false when the cell stays blank.
func fieldValue(fd templates.Field, v Values) (any, bool) {
	if val, ok := v.Fields[fd.ID]; ok {
		return val, !isBlank(val)
	}
	var val any
	switch {
	case fd.ID == "unit":
		val = v.Unit
	case fd.ID == "date":
		val = v.Date
	case fd.Kind == templates.KindSign:
		val = v.SignatureText[fd.ID]
	default:
		return nil, false
	}
	return val, !isBlank(val)
}

func isBlank(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && s == ""
}

func setValue(x *excelize.File, sh, cell string, val any, asDate bool) error {
	if s, ok := val.(string); ok && asDate {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return x.SetCellValue(sh, cell, t)
		}
	}
	return x.SetCellValue(sh, cell, val)
}

func setTotal(x *excelize.File, sh, cell string, v Values) error {
	if v.Total != nil {
		// SetCellValue drops the formula.
		return x.SetCellValue(sh, cell, v.Total)
	}
	formula, err := x.GetCellFormula(sh, cell)
	if err != nil || formula == "" {
		return err
	}
	if err := x.SetCellValue(sh, cell, v.SelfTotal()); err != nil {
		return err
	}
	return x.SetCellFormula(sh, cell, formula)
}
