package annotate

import (
	"fmt"
	"strings"
	"time"

	"kaohe/internal/display"
	"kaohe/templates"
)

// maxCellRunes bounds a text value copied from the agency's sheet: the
// form's text cells hold a unit's name or a signature, not paragraphs.
const maxCellRunes = 200

// pictureNote is the note on a seal or signature cell that held a picture.
const pictureNote = "您发来的表中此处是图片（印章或签名）。核对版不带图片，以您的原表为准。"

// fillValues writes what was read from the agency's workbook into the
// input cells of the official form: numbers where the value was read as a
// number (a self-score "４分" as 4, a coverage of 85% as 85 beside the
// form's % unit), dates as dates, anything else as the text read, cleaned
// of control characters and with links defused. The form's own total is
// the figure the agency wrote, not a formula. The notes block under the
// form moves none of these cells: the sources mapSources recorded while
// planning stand.
func (a *annotator) fillValues() error {
	for _, fd := range a.form.Fields {
		cell, ok := a.l.Fields[fd.ID]
		fv, read := a.sub.Fields[fd.ID]
		if !ok || !read {
			continue
		}
		var err error
		switch {
		case fv.Picture && fd.Kind == templates.KindSign:
			// mapSources noted the picture.
			if !strings.Contains(strings.ToUpper(fv.Raw), "DISPIMG(") {
				err = a.text(cell, fv.Raw)
			}
		case fd.Kind == templates.KindDate && fv.IsDate:
			err = a.f.SetCellFloat(a.sheet, cell, excelDay(fv.Date), -1, 64)
		case (fd.Kind == templates.KindCount || fd.Kind == templates.KindPercent) && (fv.IsNumber || fv.Number != 0):
			// A number that broke the field's rules (a negative count) is
			// still the number the agency wrote.
			err = a.f.SetCellFloat(a.sheet, cell, fv.Number, -1, 64)
		default:
			err = a.text(cell, fv.Raw)
		}
		if err != nil {
			return fmt.Errorf("annotate: field %s: %w", fd.ID, err)
		}
	}
	for _, ind := range a.form.Indicators() {
		cell, ok := a.l.Scores[ind.ID]
		sc, read := a.sub.Scores[ind.ID]
		if !ok || !read {
			continue
		}
		var err error
		if sc.IsNumber {
			err = a.f.SetCellFloat(a.sheet, cell, sc.Value, -1, 64)
		} else {
			err = a.text(cell, sc.Raw)
		}
		if err != nil {
			return fmt.Errorf("annotate: score %s: %w", ind.ID, err)
		}
	}
	var err error
	if a.sub.HasWrittenTotal {
		err = a.f.SetCellFloat(a.sheet, a.l.TotalSelfCell, a.sub.WrittenTotal, -1, 64)
	} else {
		// The blank's SUM would show a total the agency never wrote.
		err = a.f.SetCellFormula(a.sheet, a.l.TotalSelfCell, "")
	}
	if err != nil {
		return fmt.Errorf("annotate: total: %w", err)
	}
	return nil
}

// mapSources records which cell of the agency's sheet each value read came
// from, and notes a seal or signature that was a picture.
func (a *annotator) mapSources() {
	for _, fd := range a.form.Fields {
		cell, ok := a.l.Fields[fd.ID]
		fv, read := a.sub.Fields[fd.ID]
		if !ok || !read {
			continue
		}
		a.from(fv.Sheet, fv.Cell, cell)
		if fv.Picture && fd.Kind == templates.KindSign {
			if a.notes == nil {
				a.notes = map[string]string{}
			}
			a.notes[cell] = pictureNote
		}
	}
	for _, ind := range a.form.Indicators() {
		cell, ok := a.l.Scores[ind.ID]
		sc, read := a.sub.Scores[ind.ID]
		if !ok || !read {
			continue
		}
		a.from(sc.Sheet, sc.Cell, cell)
		a.from(sc.Sheet, sc.CapCell, a.l.Caps[ind.ID])
	}
	a.from("", a.sub.TotalCell, a.l.TotalSelfCell)
}

// from records that the value of the agency's cell (on the sheet read as
// the form) went to the official cell.
func (a *annotator) from(sheet, cell, official string) {
	if sheet != "" && sheet != a.sub.Sheet {
		return
	}
	c := canonicalCell(cell)
	if c == "" || official == "" {
		return
	}
	if _, dup := a.official[c]; !dup {
		a.official[c] = official
	}
}

// text writes an untrusted value as text; "" leaves the cell empty.
func (a *annotator) text(cell, raw string) error {
	v := display.Untrusted(raw, maxCellRunes)
	if v == "" {
		return nil
	}
	return a.f.SetCellStr(a.sheet, cell, v)
}

// excelDay is the Excel serial number of the calendar day of t.
func excelDay(t time.Time) float64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}
