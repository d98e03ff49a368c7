package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/reclist"
	"kaohe/store"
)

// Recommendations is the season's recommendation round as staff decide on
// it: the agencies' current proposals, their results (approved, or as
// computed), the decisions so far and the agencies that sent no 推荐表 in
// time.
type Recommendations struct {
	Proposals []reclist.Proposal
	Results   map[string]store.FinalResult
	Decisions []store.Decision
	Missing   []reclist.MissingAgency
	// Approved says whether the results were approved (审定): the round
	// begins with the result notices, which need it.
	Approved bool
}

// Started says whether the round has begun: the results are approved or a
// 推荐表 came. Before, the staff workbook shows nothing of it.
func (r Recommendations) Started() bool { return r.Approved || len(r.Proposals) > 0 }

// Recommendations gathers the season's recommendation round.
func (c *Campaign) Recommendations(ctx context.Context) (Recommendations, error) {
	var rec Recommendations
	props, err := c.store.CurrentProposals(ctx)
	if err != nil {
		return rec, err
	}
	finals, err := c.store.FinalResults(ctx)
	if err != nil {
		return rec, err
	}
	if _, rec.Approved, err = c.store.ResultsApproval(ctx); err != nil {
		return rec, err
	}
	if rec.Decisions, err = c.store.Decisions(ctx); err != nil {
		return rec, err
	}
	rec.Results = map[string]store.FinalResult{}
	for _, r := range finals {
		rec.Results[r.Agency] = r
	}
	var order []string
	var roster []store.FinalResult
	for _, a := range c.cfg.Roster.Agencies {
		order = append(order, a.Name)
		r, ok := rec.Results[a.Name]
		if !ok {
			r = store.FinalResult{Agency: a.Name}
		}
		roster = append(roster, r)
	}
	rec.Proposals = reclist.FromStore(props, order)
	onTime, late := reclist.Arrivals(props)
	rec.Missing = reclist.Missing(roster, onTime, late)
	return rec, nil
}

// recommendSheets returns the step that adds 推荐名单 and 未推荐单位 to the
// staff workbook once the round has begun; nil before.
func (c *Campaign) recommendSheets(ctx context.Context) (func(*excelize.File) error, error) {
	rec, err := c.Recommendations(ctx)
	if err != nil {
		return nil, fmt.Errorf("recommendations: %w", err)
	}
	if !rec.Started() {
		return nil, nil
	}
	sheets := reclist.Sheets{Rows: reclist.Rows(rec.Proposals, rec.Results, rec.Decisions), Missing: rec.Missing,
		Cutoff: c.cfg.RecommendCutoff, Now: c.cfg.Now()}
	return func(f *excelize.File) error { return reclist.AddSheets(f, sheets) }, nil
}

// preparedDecisions is the 推荐名单 of an edited staff workbook.
type preparedDecisions struct {
	imp              store.DecisionImport
	decided, changed int
}

// prepareDecisions reads the 推荐名单 of an edited staff workbook, when it
// has one, with the rules of reclist.ImportSheet against the season's
// proposals and results.
func (c *Campaign) prepareDecisions(ctx context.Context, data []byte, from ReviewFrom) (preparedDecisions, []consolidate.ImportError, error) {
	var p preparedDecisions
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		// ImportReview has said the workbook cannot be opened.
		return p, nil, nil
	}
	defer f.Close()
	if idx, err := f.GetSheetIndex(reclist.SheetList); err != nil || idx < 0 {
		return p, nil, nil
	}
	rec, err := c.Recommendations(ctx)
	if err != nil {
		return p, nil, fmt.Errorf("recommendations: %w", err)
	}
	imp, problems := reclist.ImportSheet(f, reclist.ImportOptions{Proposals: rec.Proposals, Results: rec.Results,
		DecidedBy: from.Reviewer, Source: from.Source, Now: from.Now})
	if len(problems) > 0 {
		return p, problems, nil
	}
	before := map[store.DecisionKey]store.Decision{}
	for _, d := range rec.Decisions {
		before[d.Key()] = d
	}
	for _, d := range imp.Decisions {
		old, ok := before[d.Key()]
		if !ok || old.Verdict != d.Verdict || old.Override != d.Override || old.Note != d.Note {
			p.changed++
		}
	}
	p.changed += len(imp.Cleared)
	p.decided = len(imp.Decisions)
	p.imp = store.DecisionImport{Decisions: imp.Decisions, Cleared: imp.Cleared}
	return p, nil, nil
}

// DatedWorkbooks lists the dated copies of the staff workbook that
// Regenerate kept in the data folder (workbooks/汇总-2022-04-01.xlsx) for
// the Beijing days from through to, as paths relative to dataDir, by day.
// The copies of a recommendation round list persons: purging a season
// removes them.
func DatedWorkbooks(dataDir string, from, to time.Time) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dataDir, "workbooks"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	first, last := beijingDay(from), beijingDay(to)
	var out []string
	for _, e := range entries {
		rest, dated := strings.CutPrefix(e.Name(), "汇总-")
		day, xlsx := strings.CutSuffix(rest, ".xlsx")
		if !dated || !xlsx || !e.Type().IsRegular() {
			continue
		}
		if _, err := time.Parse("2006-01-02", day); err != nil || day < first || day > last {
			continue
		}
		out = append(out, filepath.ToSlash(filepath.Join("workbooks", e.Name())))
	}
	sort.Strings(out)
	return out, nil
}
