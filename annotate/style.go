package annotate

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// verifiedStyle gives a 核定分 cell a light green fill, and red bold
// figures when the score changed.
func (a *annotator) verifiedStyle(cell string, changed bool) {
	variant := "verified"
	if changed {
		variant = "verified-changed"
	}
	a.restyle(cell, variant, func(st *excelize.Style) {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillVerified}}
		if changed {
			font := excelize.Font{}
			if st.Font != nil {
				font = *st.Font
			}
			font.Bold, font.Color, font.ColorTheme = true, fontChanged, nil
			st.Font = &font
		}
	})
}

// restyle sets the cell's style to its current style changed by mutate;
// variant names the change. Most cells share a handful of styles, so each
// derived style is made once per source style and variant.
func (a *annotator) restyle(cell, variant string, mutate func(*excelize.Style)) {
	fromID, err := a.f.GetCellStyle(a.sheet, cell)
	if err != nil {
		fromID = -1 // unknown: derived from the default style
	}
	key := derivedStyle{fromID, variant}
	id, ok := a.derived[key]
	if !ok {
		st := &excelize.Style{}
		if fromID >= 0 {
			if s, err := a.f.GetStyle(fromID); err == nil && s != nil {
				st = s
			}
		}
		mutate(st)
		normalizeColors(st)
		if id, err = a.f.NewStyle(st); err != nil {
			return
		}
		if a.derived == nil {
			a.derived = map[derivedStyle]int{}
		}
		a.derived[key] = id
	}
	_ = a.f.SetCellStyle(a.sheet, cell, cell, id)
}

// derivedStyle is a source style and the change made to it.
type derivedStyle struct {
	from    int
	variant string
}

// normalizeColors makes every colour of a style read back by GetStyle
// plain RGB (six hex digits) again. GetStyle leaves an ARGB colour that
// does not start with FF as it is ("00000000", as openpyxl writes), and
// NewStyle puts FF in front of whatever it gets: "FF00000000" is no colour
// at all, and openpyxl and Excel refuse the workbook.
func normalizeColors(st *excelize.Style) {
	for i, c := range st.Fill.Color {
		st.Fill.Color[i] = rgb(c)
	}
	for i := range st.Border {
		st.Border[i].Color = rgb(st.Border[i].Color)
	}
	if st.Font != nil {
		st.Font.Color = rgb(st.Font.Color)
	}
}

// rgb is the six-digit RGB of a colour written as RGB, ARGB or with
// alpha put in front twice, with or without '#'; "" (no colour) for
// anything else.
func rgb(c string) string {
	c = strings.ToUpper(strings.TrimPrefix(c, "#"))
	if len(c) < 6 || strings.Trim(c, "0123456789ABCDEF") != "" {
		return ""
	}
	// What precedes the last six digits is alpha, which Excel ignores in
	// cell styles.
	return c[len(c)-6:]
}
