package templates

import (
	"strings"
)

// growMerged makes rows first..last tall enough for text in a vertical
// merge of the given column width, growing the last row.
func (b *blankWriter) growMerged(text string, width float64, first, last int, each float64) {
	have := each * float64(last-first+1)
	if need := rowHeight(text, width); need > have {
		b.height(last, each+need-have)
	}
}

// textUnits is the width of one line of text in character units: CJK
// characters take two, others one.
func textUnits(s string) float64 {
	units := 0.0
	for _, r := range s {
		if r > 0x2E80 {
			units += 2
		} else {
			units++
		}
	}
	return units
}

// fits reports whether text fits on one line of a column of the given width.
func fits(text string, width float64) bool { return textUnits(text) <= width-1.5 }

// RowHeight is rowHeight, for the other forms set in the same font.
func RowHeight(text string, width float64) float64 { return rowHeight(text, width) }

// rowHeight is the height in points that shows all of text wrapped in a
// column of the given width: CJK characters take two character units,
// others one.
func rowHeight(text string, width float64) float64 {
	usable := width - 1.5
	if usable < 2 {
		usable = 2
	}
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		units := textUnits(para)
		n := int(units / usable)
		if units/usable > float64(n) || n == 0 {
			n++
		}
		lines += n
	}
	return max(minRow, float64(lines)*lineHeight+rowPadding)
}
