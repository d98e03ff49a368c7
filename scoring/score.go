package scoring

import (
	"fmt"
	"math"

	"kaohe/templates"
	"kaohe/validate"
)

// Options say who the agency is.
type Options struct {
	Type AgencyType
	// TypeInferred is set when Type was guessed from the unit name rather
	// than taken from the roster; it adds a type_inferred note.
	TypeInferred bool
	// NoRoster says that no roster was consulted at all (kaohe check), so
	// the note tells how to give the type instead of blaming the roster.
	NoRoster bool
}

// IndicatorScore is one indicator's self and verified score.
type IndicatorScore struct {
	ID       string
	Section  string
	Sheet    string
	Cell     string
	Self     *float64 // nil when blank or not a number
	Verified float64
	Cap      float64
	// Computed is the value the indicator's derivation rule gives from the
	// basic figures, when a rule applies and they were readable.
	Computed *float64
}

// SectionScore is one section's subtotals.
type SectionScore struct {
	ID, Name       string
	Self, Verified float64
	Cap            float64
}

// Result is the verified scoring of one submission.
type Result struct {
	Type          AgencyType
	Indicators    []IndicatorScore // form order
	Sections      []SectionScore
	SelfTotal     float64
	VerifiedTotal float64
	Findings      []validate.Finding // type_inferred, score_inconsistent, score_not_eligible
}

// Score computes the verified score of every indicator (spec section 6):
// a self-score that is blank or not a number counts 0, one above the cap
// counts the cap, one the criteria cannot give counts the largest allowed
// score below it, and the derived indicators are recomputed from the basic
// figures when those are readable.
func Score(form *templates.Form, sub *validate.Submission, opts Options) Result {
	res := Result{Type: opts.Type}
	if opts.TypeInferred {
		unit := ""
		if sub != nil {
			unit = sub.Fields["unit"].Raw
		}
		basis := ""
		if ids := typeDependent(form); ids != "" {
			basis = "，据此计算指标" + ids
		}
		msg := fmt.Sprintf("代办处名单中没有“%s”，已按单位名称推定为%s代办处%s；如类型不对，请联系办事处更正名单。",
			unit, opts.Type.Label(), basis)
		if opts.NoRoster {
			msg = fmt.Sprintf("未对照代办处名单，已按单位名称“%s”推定为%s代办处%s；如类型不对，请用 --type district（区、开发区）或 --type sector（局、总公司、产业工会）指定。",
				unit, opts.Type.Label(), basis)
		}
		f := validate.NewFinding(validate.CodeTypeInferred, msg)
		f.Field = "unit"
		if sub != nil {
			f.Sheet, f.Cell = sub.Fields["unit"].Sheet, sub.Fields["unit"].Cell
		}
		res.Findings = append(res.Findings, f)
	}
	figures := readFigures(form, sub)
	for _, sec := range form.Sections {
		ss := SectionScore{ID: sec.ID, Name: sec.Name, Cap: sec.Cap}
		for _, ind := range sec.Indicators {
			is := IndicatorScore{ID: ind.ID, Section: sec.ID, Cap: ind.Cap}
			var cell validate.ScoreCell
			if sub != nil {
				cell = sub.Scores[ind.ID]
			}
			is.Sheet, is.Cell = cell.Sheet, cell.Cell
			if cell.IsNumber {
				v := cell.Value
				is.Self = &v
				is.Verified = checked(ind, v)
			}
			if computed, ok := derive(ind, figures, opts.Type); ok {
				is.Computed = &computed
				if f, bad := disagreement(ind, cell, computed, figures, opts.Type); bad {
					res.Findings = append(res.Findings, f)
				}
				is.Verified = computed
			}
			ss.Verified += is.Verified
			if is.Self != nil {
				ss.Self += *is.Self
			}
			res.Indicators = append(res.Indicators, is)
		}
		res.Sections = append(res.Sections, ss)
		res.SelfTotal += ss.Self
		res.VerifiedTotal += ss.Verified
	}
	res.SelfTotal = round2(res.SelfTotal)
	res.VerifiedTotal = round2(res.VerifiedTotal)
	return res
}

// checked applies steps 2–4 of the spec's section 6 to a numeric self-score.
func checked(ind templates.Indicator, v float64) float64 {
	switch {
	case v < 0 || math.IsNaN(v):
		return 0
	case v > ind.Cap:
		return ind.Cap
	case ind.Allows(v):
		return v
	default:
		return ind.Floor(v)
	}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
