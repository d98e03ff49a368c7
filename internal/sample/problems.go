package sample

import (
	"fmt"

	"kaohe/templates"
)

// Problem is a named way to spoil a good form, with the finding code (spec
// section 7) a checker should report for it and the field or indicator id
// it concerns.
type Problem struct {
	Name   string // short English name, usable as a test row name
	Code   string // the expected finding code, e.g. "score_above_cap"
	Target string // field id or indicator id ("" for the whole sheet)
	Apply  func(*Values)
}

// Spoil applies p to a copy of v.
func (v Values) Spoil(p Problem) Values { return v.With(p.Apply) }

// SetScore sets an indicator's self-score (a number or a string).
func SetScore(id string, s any) func(*Values) {
	return func(v *Values) { v.Scores[id] = s }
}

// ClearScore leaves an indicator's self-score blank.
func ClearScore(id string) func(*Values) {
	return func(v *Values) { delete(v.Scores, id) }
}

// SetField sets a basic figure (or overrides unit/date) by field id.
func SetField(id string, val any) func(*Values) {
	return func(v *Values) { v.Fields[id] = val }
}

// ClearField leaves a field blank, whatever its kind.
func ClearField(id string) func(*Values) {
	return func(v *Values) {
		v.Fields[id] = ""
		delete(v.SignatureText, id)
		delete(v.SignaturePicture, id)
	}
}

// Problems lists the problem recipes for form f, applicable to a Good form
// of an agency of the given type (score_not_eligible only for sectors).
// Each recipe causes one main finding, Code; a checker may report others
// beside it (a negative score is also not an allowed one).
func Problems(f *templates.Form, district bool) []Problem {
	plain, gap, derived := pickIndicators(f)
	var ps []Problem
	if plain.ID != "" {
		over := plain.Cap + 1
		ps = append(ps,
			Problem{"score above cap", "score_above_cap", plain.ID, SetScore(plain.ID, scoreNumber(over))},
			Problem{"missing score", "missing_score", plain.ID, ClearScore(plain.ID)},
			Problem{"score not a number", "not_a_number", plain.ID, SetScore(plain.ID, "优秀")},
			Problem{"negative score", "negative_score", plain.ID, SetScore(plain.ID, -1)},
			Problem{"full-width score", "normalized_value", plain.ID, SetScore(plain.ID, fullWidth(fmt.Sprintf("%g分", plain.Cap)))},
			Problem{"cap altered", "cap_altered", plain.ID, func(v *Values) { v.Caps[plain.ID] = scoreNumber(plain.Cap + 5) }},
		)
	}
	if gap.ID != "" {
		ps = append(ps, Problem{"score not allowed", "score_not_allowed", gap.ID, SetScore(gap.ID, scoreNumber(gapScore(gap)))})
	}
	if derived.ID != "" {
		id := derived.ID
		ps = append(ps, Problem{"derived score inconsistent", "score_inconsistent", id, func(v *Values) {
			cur, _ := number(v.Scores[id])
			for _, a := range derived.Allowed {
				if a != cur {
					v.Scores[id] = scoreNumber(a)
					return
				}
			}
		}})
	}
	for _, ind := range f.Indicators() {
		if oracleOf(ind) == oracleDistrictOnly && !district {
			ps = append(ps, Problem{"not eligible", "score_not_eligible", ind.ID, SetScore(ind.ID, scoreNumber(ind.Cap))})
			break
		}
	}
	for _, fd := range f.Fields {
		if fd.Kind == templates.KindSign && fd.Required {
			ps = append(ps, Problem{"missing signature " + fd.ID, "missing_field", fd.ID, ClearField(fd.ID)})
			break
		}
	}
	ps = append(ps,
		Problem{"missing unit", "missing_field", "unit", func(v *Values) { v.Unit = "" }},
		Problem{"coverage mismatch", "coverage_mismatch", "coverage", func(v *Values) {
			c, _ := number(v.Fields["coverage"])
			if c >= 50 {
				v.Fields["coverage"] = c - 10
			} else {
				v.Fields["coverage"] = c + 10
			}
		}},
		Problem{"coverage out of range", "invalid_field", "coverage", SetField("coverage", 120)},
		Problem{"negative count", "invalid_field", "unions", SetField("unions", -5)},
		Problem{"insured unions above unions", "inconsistent_counts", "insured_unions", func(v *Values) {
			u, _ := number(v.Fields["unions"])
			v.Fields["insured_unions"] = int(u) + 5
		}},
		Problem{"activity count mismatch", "activity_count_mismatch", "activities", func(v *Values) {
			n, _ := number(v.Fields["activities"])
			if n > 0 {
				v.Fields["activities"] = int(n) - 1
			} else {
				v.Fields["activities"] = 1
			}
		}},
		Problem{"total mismatch", "total_mismatch", "", func(v *Values) { v.Total = scoreNumber(v.SelfTotal() + 5) }},
		Problem{"date after deadline", "date_suspicious", "date", func(v *Values) { v.Date = fmt.Sprintf("%d-03-01", f.Year+1) }},
		Problem{"date not a date", "invalid_field", "date", func(v *Values) { v.Date = "十二月某日" }},
	)
	return ps
}

// pickIndicators finds, in form order, the first indicator without a
// derivation, the first with a gap in its allowed scores, and the first
// derived one whose self-score a checker recomputes.
func pickIndicators(f *templates.Form) (plain, gap, derived templates.Indicator) {
	for _, ind := range f.Indicators() {
		if ind.Derive == nil && plain.ID == "" {
			plain = ind
		}
		if ind.Derive == nil && gap.ID == "" && gapScore(ind) >= 0 {
			gap = ind
		}
		if derived.ID == "" && len(ind.Allowed) > 1 &&
			(oracleOf(ind) == oracleActivities || oracleOf(ind) == oracleGeneralFull) {
			derived = ind
		}
	}
	return plain, gap, derived
}

// gapScore is a whole number between two allowed scores, or -1 when the
// allowed scores have no gap.
func gapScore(ind templates.Indicator) float64 {
	for i := 1; i < len(ind.Allowed); i++ {
		if ind.Allowed[i]-ind.Allowed[i-1] >= 2 {
			return ind.Allowed[i-1] + 1
		}
	}
	return -1
}

// fullWidth turns ASCII digits into full-width ones (３分).
func fullWidth(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r >= '0' && r <= '9' {
			out[i] = r - '0' + '０'
		}
	}
	return string(out)
}

// Quirks lists harmless ways agencies write correct values, which a lenient
// reader must accept (spec section 7, "Leniency that users expect"). Code is
// "normalized_value" where the spec wants that note, "" where nothing is to
// be reported. Apply them to a Good form.
func Quirks(f *templates.Form) []Problem {
	plain, _, _ := pickIndicators(f)
	numberText := func(id string, format func(float64) string) func(*Values) {
		return func(v *Values) {
			if n, ok := number(v.Fields[id]); ok {
				v.Fields[id] = format(n)
			}
		}
	}
	var qs []Problem
	if plain.ID != "" {
		id := plain.ID
		qs = append(qs,
			Problem{"score with unit", "normalized_value", id, func(v *Values) {
				n, _ := number(v.Scores[id])
				v.Scores[id] = fmt.Sprintf("%g分", n)
			}},
			Problem{"score as text with spaces", "", id, func(v *Values) {
				n, _ := number(v.Scores[id])
				v.Scores[id] = fmt.Sprintf(" %g ", n)
			}},
		)
	}
	qs = append(qs,
		Problem{"count with thousands separator", "normalized_value", "staff",
			numberText("staff", func(n float64) string { return thousands(int(n)) })},
		Problem{"count with unit", "normalized_value", "unions",
			numberText("unions", func(n float64) string { return fmt.Sprintf("%g个", n) })},
		Problem{"full-width count", "normalized_value", "unions",
			numberText("unions", func(n float64) string { return fullWidth(fmt.Sprintf("%g", n)) })},
		Problem{"coverage as percent text", "", "coverage",
			numberText("coverage", func(n float64) string { return fmt.Sprintf("%g%%", n) })},
		Problem{"date in Chinese", "", "date", func(v *Values) {
			var y, m, d int
			if _, err := fmt.Sscanf(v.Date, "%d-%d-%d", &y, &m, &d); err == nil {
				v.Date = fmt.Sprintf("%d年%d月%d日", y, m, d)
			}
		}},
		Problem{"date as text", "", "date", func(v *Values) { v.DateAsText = true }},
		Problem{"signature in label cell", "", "filler_sign", func(v *Values) {
			v.InLabel["filler_sign"] = v.SignatureText["filler_sign"]
			delete(v.SignatureText, "filler_sign")
		}},
		Problem{"seal as picture", "", "seal", func(v *Values) {
			delete(v.SignatureText, "seal")
			v.SignaturePicture["seal"] = true
		}},
	)
	return qs
}

// thousands writes n with comma separators: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
