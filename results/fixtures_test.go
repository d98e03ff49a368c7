package results

import (
	"time"

	"kaohe/assess"
	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/scoring"
	"kaohe/store"
	"kaohe/templates"
)

var (
	testCutoff = time.Date(2022, 1, 6, 0, 0, 0, 0, cst.Location())
	testNow    = time.Date(2022, 2, 20, 9, 0, 0, 0, time.UTC)
)

// How an agency of a test season fares.
type fate int

const (
	onTime fate = iota
	late
	missing
	vetoed
	unreadable
)

// ag is one agency of a test season: its verified final score, the part of
// it in 业务拓展, its 基本情况 and when it first submitted.
type ag struct {
	name     string
	typ      scoring.AgencyType
	final    float64
	ext      float64
	fate     fate
	insured  float64
	coverage float64
	first    time.Time // zero: two days before the cut-off
}

// season builds the staff workbook input of ags. The verified scores sit
// on 1.1 and 3.1 (业务拓展); consolidate sums them as it would any form.
func season(ags []ag) consolidate.Input {
	form := templates.MustLoad(2021)
	in := consolidate.Input{Form: form, Cutoff: testCutoff, Now: testNow, Campaign: "2021年度代办处考核", Vetoes: map[string]bool{}}
	for _, a := range ags {
		in.Roster = append(in.Roster, consolidate.Agency{Name: a.name, Type: a.typ})
		if a.fate == missing {
			continue
		}
		first := a.first
		if first.IsZero() {
			first = testCutoff.Add(-48 * time.Hour)
		}
		e := consolidate.Entry{Agency: a.name, Known: true, Type: a.typ, FirstAt: first, LastAt: first, Versions: 1}
		switch a.fate {
		case late:
			e.FirstAt, e.LastAt, e.Late = testCutoff.Add(time.Hour), testCutoff.Add(time.Hour), true
		case vetoed:
			in.Vetoes[a.name] = true
		}
		rep := &assess.Report{Unit: a.name, AgencyType: a.typ, Status: assess.StatusAccepted,
			Fields: map[string]any{"insured": a.insured, "coverage": a.coverage}}
		if a.fate == unreadable {
			rep = &assess.Report{Unit: a.name, Status: assess.StatusUnreadable}
		} else {
			for _, ind := range form.Indicators() {
				v := 0.0
				switch ind.ID {
				case "1.1":
					v = a.final - a.ext
				case "3.1":
					v = a.ext
				}
				self := v
				rep.Indicators = append(rep.Indicators, assess.IndicatorResult{ID: ind.ID, Section: ind.Section, Self: &self, Verified: v, Cap: ind.Cap})
			}
		}
		e.Report = rep
		in.Entries = append(in.Entries, e)
	}
	return in
}

// rules are [results] with bands 100 / 85 / 60 for both types, no cap, no
// quota, and only the final score weighed.
func rules() config.Results {
	r := config.DefaultResults()
	band := config.GradeRule{Excellent: 100, Good: 85, Pass: 60}
	r.District, r.Sector = band, band
	r.Weights = config.Weights{Final: 1}
	r.MinPerExcellent = 0
	return r
}

func byAgency(rs []store.FinalResult) map[string]store.FinalResult {
	out := make(map[string]store.FinalResult, len(rs))
	for _, r := range rs {
		out[r.Agency] = r
	}
	return out
}

func consolidateReview(agency, indicator string, score *float64, comment string) consolidate.Review {
	return consolidate.Review{Agency: agency, Indicator: indicator, Score: score, Comment: comment}
}
