package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normText folds a label or criteria text for comparison: full-width
// letters, digits and punctuation to half-width, every kind of whitespace
// removed, and quotes, dashes and brackets unified. It is a hand-written
// subset of NFKC that runs on every cell of the sheet, so it must be cheap.
func normText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u3000' {
			continue
		}
		switch r {
		case '“', '”', '„', '‟', '「', '」', '『', '』', '\'', '‘', '’', '〝', '〞':
			r = '"'
		case '–', '—', '―', '−', '‐', '‑':
			r = '-'
		case '〜':
			r = '~'
		case '。':
			r = '.'
		case '【', '〔':
			r = '['
		case '】', '〕':
			r = ']'
		case '〈':
			r = '<'
		case '〉':
			r = '>'
		case '、':
			r = ','
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanRaw trims a cell's text for display and storage: surrounding
// whitespace including NBSP, U+3000 and zero-width spaces.
func cleanRaw(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u3000' || r == '\u00a0'
	})
}

// bigrams returns the set of rune pairs of s, for a Dice similarity.
func bigrams(s string) map[[2]rune]struct{} {
	out := make(map[[2]rune]struct{}, utf8.RuneCountInString(s))
	var prev rune
	first := true
	for _, r := range s {
		if !first {
			out[[2]rune{prev, r}] = struct{}{}
		}
		prev, first = r, false
	}
	return out
}

// dice is the Sørensen–Dice coefficient of two bigram sets, in 0..1.
func dice(a, b map[[2]rune]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	n := 0
	for k := range a {
		if _, ok := b[k]; ok {
			n++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}

// commonPrefixRunes counts the runes two strings share at their start.
func commonPrefixRunes(a, b string) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		n++
		a, b = a[sa:], b[sb:]
	}
	return n
}

// stripParenSuffix removes one short parenthesised note such as "(个)" or
// "(人)" from the start of rest, as labels carry their unit that way.
func stripParenSuffix(rest string) string {
	if !strings.HasPrefix(rest, "(") {
		return rest
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 || utf8.RuneCountInString(rest[1:end]) > 8 {
		return rest
	}
	return rest[end+1:]
}

// matchLabel reports whether a normalised cell text is the label (label
// already normalised): the label alone, with a trailing colon, a unit in
// brackets, or followed by a colon and a value typed into the same cell.
// inline says whether anything follows the colon.
func matchLabel(cell, label string) (ok, inline bool) {
	if label == "" || !strings.HasPrefix(cell, label) {
		return false, false
	}
	rest := stripParenSuffix(cell[len(label):])
	switch {
	case rest == "" || rest == ":":
		return true, false
	case strings.HasPrefix(rest, ":"):
		return true, true
	case rest[0] >= '0' && rest[0] <= '9':
		return true, true // "职工总数1200": a number typed after the label
	}
	return false, false
}

// inlineValue returns the value typed into a label's own cell: the text
// after the first colon, or from the first digit when there is no colon.
func inlineValue(raw string) string {
	if strings.ContainsAny(raw, ":：") {
		return afterColon(raw)
	}
	i := strings.IndexFunc(raw, func(r rune) bool { return unicode.IsDigit(r) })
	if i < 0 {
		return ""
	}
	return cleanRaw(raw[i:])
}

// afterColon returns the raw text after the first colon (full- or
// half-width) of a cell, trimmed; "" when there is none.
func afterColon(raw string) string {
	i := strings.IndexAny(raw, ":：")
	if i < 0 {
		return ""
	}
	_, size := utf8.DecodeRuneInString(raw[i:])
	return cleanRaw(raw[i+size:])
}

// isUnitOnly reports whether a cell holds nothing but a unit word, as the
// official form prints "个" or "人" after each value cell.
func isUnitOnly(n string) bool {
	switch n {
	case "个", "人", "%", "项", "分", "人次", "名", "家":
		return true
	}
	return false
}
