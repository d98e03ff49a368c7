package recommend

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/display"
	"kaohe/templates"
)

// maxCopyRunes bounds a value copied from an agency's form: well above
// the longest 事迹 allowed, so that one too long still shows as such.
const maxCopyRunes = 3000

// PictureText stands in the copy for a seal or signature that was a
// picture.
const PictureText = "（签章图片）"

// BuildFilled builds a blank with one person row per person of f (at least
// one) and writes f's values into it, as values only: text as text
// (cleaned of control and invisible characters, links defanged), dates and
// years as numbers. Rows grow to show long text. It is the base of the
// annotated copy; nothing of the agency's workbook but these values is
// carried over. The caller must Close the file.
func BuildFilled(def *Definition, f *Filled, opts BlankOptions) (*excelize.File, Layout, error) {
	opts.Persons, opts.Quota = max(len(f.Persons), 1), false
	x, err := BuildBlank(def, opts)
	if err != nil {
		return nil, Layout{}, err
	}
	l := BlankLayout(def, opts)
	w := &copyWriter{x: x, l: l, def: def}
	for _, s := range def.Sections {
		for _, fd := range s.Fields {
			cell := l.Fields[fd.ID]
			w.put(cell, fd, f.Fields[fd.ID])
			if fd.Lines > 1 || fd.MaxRunes > 0 {
				lc, _, _ := excelize.CellNameToCoordinates(cell)
				ec, r, _ := excelize.CellNameToCoordinates(l.FieldEnds[fd.ID])
				w.grow(r, f.Fields[fd.ID].Text, w.width(lc-1, ec-1))
			}
		}
	}
	cols := def.Persons().Columns
	for i, p := range f.Persons {
		for ci, c := range cols {
			v := p.Values[c.ID]
			w.put(l.PersonCell(i, c.ID), c, v)
			w.grow(l.PersonRows[i], v.Text, def.Widths[ci+1])
		}
	}
	if w.err != nil {
		x.Close()
		return nil, Layout{}, fmt.Errorf("fill 推荐表 copy: %w", w.err)
	}
	return x, l, nil
}

type copyWriter struct {
	x   *excelize.File
	l   Layout
	def *Definition
	err error
}

func (w *copyWriter) check(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}

func (w *copyWriter) put(cell string, fd Field, v Value) {
	switch {
	case v.Picture && v.Text == "":
		w.check(w.x.SetCellStr(w.l.Sheet, cell, PictureText))
	case (fd.Kind == KindDate || fd.Kind == KindMonth) && !v.Date.IsZero():
		w.check(w.x.SetCellFloat(w.l.Sheet, cell, dayNumber(v.Date), -1, 64))
	case fd.Kind == KindYears && v.IsNumber:
		w.check(w.x.SetCellFloat(w.l.Sheet, cell, v.Number, -1, 64))
	default:
		if t := display.Untrusted(v.Text, maxCopyRunes); t != "" {
			w.check(w.x.SetCellStr(w.l.Sheet, cell, t))
		}
	}
}

func (w *copyWriter) width(from, to int) float64 {
	s := 0.0
	for i := from; i <= to && i < len(w.def.Widths); i++ {
		s += w.def.Widths[i]
	}
	return s
}

// grow makes the row tall enough for text in a cell of the given width.
func (w *copyWriter) grow(row int, text string, width float64) {
	// A fifth in hand: CJK fallback fonts set wider than two units.
	need := min(templates.RowHeight(text, width*0.8), 409) // Excel's largest row
	if h, err := w.x.GetRowHeight(w.l.Sheet, row); err == nil && h >= need {
		return
	}
	w.check(w.x.SetRowHeight(w.l.Sheet, row, need))
}

// dayNumber is the Excel serial of t's calendar day.
func dayNumber(t time.Time) float64 {
	y, m, d := t.Date()
	return float64(templates.ExcelSerial(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
}
