package validate

import (
	"strings"
	"unicode/utf8"
)

// The locator's own rules, for `kaohe form check`: a definition whose labels
// or criteria these call confusable is one the reader may misplace.

// LabelFoundAt reports whether the reader, looking for label, would take a
// cell holding only other for it: the same text once folded, or label
// followed by a short parenthesised note, a colon or a number ("职工总数" is
// found in a cell "职工总数（人）" and in "职工总数:").
func LabelFoundAt(label, other string) bool {
	l, o := normText(label), normText(other)
	if l == "" || o == "" {
		return false
	}
	ok, _ := matchLabel(o, l)
	return ok
}

// CriteriaTooShort reports whether a criteria text is too short for the
// reader ever to take its cell for criteria.
func CriteriaTooShort(criteria string) bool {
	n := normText(criteria)
	return len(n) < minCriteriaRunes*3 && utf8.RuneCountInString(n) < minCriteriaRunes
}

// CriteriaConfusable reports whether the reader, looking for the row of
// criteria a, could settle on the row of criteria b: the same text once
// folded, or b's cell holding all of a and not much more. (A retyped cell
// is matched by its likeness too, but only against rows no exact text has
// taken, which distinct criteria leave none of on the office's own form.)
func CriteriaConfusable(a, b string) bool {
	na, nb := normText(a), normText(b)
	if na == "" || nb == "" {
		return false
	}
	if na == nb {
		return true
	}
	ra, rb := utf8.RuneCountInString(na), utf8.RuneCountInString(nb)
	return strings.Contains(nb, na) && rb <= ra*3/2+8
}
