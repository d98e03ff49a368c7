package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"kaohe/consolidate"
	"kaohe/internal/wbtoken"
	"kaohe/internal/xlsxpeek"
	"kaohe/pipeline"
	"kaohe/store"
)

// ReviewFrom says who imports an edited staff workbook and from where, for
// the records.
type ReviewFrom struct {
	Reviewer string // the login name, or the staff address it was mailed from
	Source   string // the file's path, or "邮件 <Message-ID>"
	Now      time.Time
}

// PreparedReview is an edited staff workbook read and checked against the
// season, ready to save: Import is saved by store.SaveReviewImport (kaohe
// review import), or with the mail that carried it (it is a store.Effect).
type PreparedReview struct {
	Import store.ReviewImport
	// Reviews counts the reviews the workbook states, cleared ones
	// included; Changed those that differ from what is stored.
	Reviews, Changed int
	// Vetoes counts the vetoes in force in the workbook; VetoesChanged the
	// agencies whose veto it sets or lifts.
	Vetoes, VetoesChanged int
	Assignments           int
	// Decisions counts the 主任办公会's decisions the 推荐名单 states;
	// DecisionsChanged those new, changed or blanked.
	Decisions, DecisionsChanged int
	// Paper counts the agencies whose 纸质版收到 the workbook records;
	// PaperCleared those whose record it removes.
	Paper, PaperCleared int
}

// PrepareReview reads an edited staff workbook with the all-or-nothing
// rules of kaohe review import: reviews only for the agencies the staff
// workbook of this season lists, assignments only of forms held as 名册外来件.
// Any problem refuses the whole workbook; the error is a failure to read
// the store.
func (c *Campaign) PrepareReview(ctx context.Context, r io.Reader, from ReviewFrom) (PreparedReview, []consolidate.ImportError, error) {
	season, err := c.Input(ctx)
	if err != nil {
		return PreparedReview{}, nil, fmt.Errorf("gather: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, consolidate.MaxImportSize))
	if err != nil {
		return PreparedReview{}, nil, fmt.Errorf("read workbook: %w", err)
	}
	imp, problems := consolidate.ImportReview(bytes.NewReader(data), consolidate.ImportOptions{Form: c.cfg.Form, Now: from.Now,
		Agencies: season.AgencyNames(), Held: season.HeldSubmissions(), Assigned: season.Assigned,
		HeldProposals: season.HeldProposals(), AssignedProposals: season.AssignedProposals})
	// The 推荐名单's decisions are taken with the reviews or not at all.
	dec, decProblems, err := c.prepareDecisions(ctx, data, from)
	if err != nil {
		return PreparedReview{}, nil, err
	}
	if problems = append(problems, decProblems...); len(problems) > 0 {
		return PreparedReview{}, problems, nil
	}
	stored, err := c.store.Reviews(ctx)
	if err != nil {
		return PreparedReview{}, nil, err
	}
	vetoed, err := c.store.Vetoes(ctx)
	if err != nil {
		return PreparedReview{}, nil, err
	}
	before := make(map[[2]string]store.Review, len(stored))
	for _, r := range stored {
		before[[2]string{r.Agency, r.Indicator}] = r
	}
	var p PreparedReview
	// A cleared review is saved empty: it replaces the earlier one.
	for _, r := range append(imp.Reviews, imp.Cleared...) {
		p.Import.Reviews = append(p.Import.Reviews, store.Review{Agency: r.Agency, Indicator: r.Indicator, Score: r.Score,
			Comment: r.Comment, Reviewer: from.Reviewer, Source: r.Source, At: r.At})
		if old, ok := before[[2]string{r.Agency, r.Indicator}]; !ok && (r.Score != nil || r.Comment != "") ||
			ok && (!sameScore(old.Score, r.Score) || old.Comment != r.Comment) {
			p.Changed++
		}
	}
	p.Reviews = len(p.Import.Reviews)
	for agency, v := range imp.Vetoes {
		if v {
			p.Vetoes++
		}
		if v != vetoed[agency] {
			p.VetoesChanged++
		}
	}
	var props []consolidate.Assignment
	for _, a := range imp.Assignments {
		if a.Proposal != 0 {
			props = append(props, a)
			continue
		}
		p.Import.Assignments = append(p.Import.Assignments, store.Assignment{Submission: a.Submission, Agency: a.Agency,
			Assigner: from.Reviewer, Source: from.Source + " " + a.Source})
	}
	if p.Import.Proposals, err = c.proposalAssignments(ctx, props, from); err != nil {
		return PreparedReview{}, nil, err
	}
	p.Assignments = len(p.Import.Assignments) + len(p.Import.Proposals)
	for _, pf := range imp.Paper {
		p.Import.Paper = append(p.Import.Paper, store.PaperForm{Agency: pf.Agency, Day: pf.Day, Source: from.Source + " " + pf.Source})
	}
	p.Import.PaperCleared = imp.PaperCleared
	p.Paper, p.PaperCleared = len(imp.Paper), len(imp.PaperCleared)
	p.Import.Vetoes, p.Import.Source = imp.Vetoes, from.Source
	p.Import.Decisions, p.Decisions, p.DecisionsChanged = dec.imp, dec.decided, dec.changed
	return p, nil, nil
}

func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

// StaleAssignment is the refusal of a workbook whose 名册外来件 was
// assigned elsewhere after it was written (store.ErrAssigned).
const StaleAssignment = "有名册外来件已在别处认定了归属，全部未导入。请在最新的汇总表上填写后再导入。"

// ReviewWorkbook is the staff workbook as a kind staff may mail back.
func (c *Campaign) ReviewWorkbook() pipeline.StaffWorkbook { return reviewBook{c} }

type reviewBook struct{ c *Campaign }

func (reviewBook) Kind() wbtoken.Kind { return wbtoken.KindReview }
func (reviewBook) Title() string      { return "审核汇总表" }
func (reviewBook) AfterImport() string {
	return "系统下次寄出的汇总表会带上这些审核结果。"
}
func (reviewBook) Origin() string {
	return "汇总邮件的附件，或 kaohe consolidate -o 生成的文件"
}

// Recognise: a 汇总 sheet whose header has 考核单位 and 一票否决, and at
// least one department sheet of the form.
func (b reviewBook) Recognise(p *xlsxpeek.Package) bool {
	if !p.HasSheet(consolidate.SheetSummary) {
		return false
	}
	rows, err := p.Rows(consolidate.SheetSummary, 1)
	if err != nil || len(rows) == 0 {
		return false
	}
	var agency, veto bool
	for _, h := range rows[0] {
		agency = agency || h == "考核单位"
		veto = veto || h == "一票否决"
	}
	if !agency || !veto {
		return false
	}
	for _, d := range consolidate.Departments(b.c.cfg.Form) {
		if p.HasSheet(d) {
			return true
		}
	}
	return false
}

func (b reviewBook) Import(ctx context.Context, data []byte, in pipeline.StaffImportInput) (pipeline.StaffImport, error) {
	p, problems, err := b.c.PrepareReview(ctx, bytes.NewReader(data), ReviewFrom{Reviewer: in.Sender, Source: in.Source, Now: in.Now})
	if err != nil {
		return pipeline.StaffImport{}, err
	}
	var out pipeline.StaffImport
	for _, pr := range problems {
		out.Refused = append(out.Refused, pr.Message)
	}
	if len(out.Refused) > 0 {
		return out, nil
	}
	out.Effect = p.Import
	out.Summary = p.Lines()
	out.Conflict = func(err error) string {
		if errors.Is(err, store.ErrAssigned) {
			return StaleAssignment
		}
		return ""
	}
	return out, nil
}

// Lines says in Chinese what the import changes, for the reply to staff.
func (p PreparedReview) Lines() []string {
	lines := []string{fmt.Sprintf("审核意见 %d 条，其中新增或改动 %d 条", p.Reviews, p.Changed),
		fmt.Sprintf("一票否决 %d 个，其中新设或撤销 %d 个", p.Vetoes, p.VetoesChanged)}
	if p.Paper > 0 || p.PaperCleared > 0 {
		line := fmt.Sprintf("纸质版收到 %d 家", p.Paper)
		if p.PaperCleared > 0 {
			line += fmt.Sprintf("，撤销 %d 家", p.PaperCleared)
		}
		lines = append(lines, line)
	}
	if p.Assignments > 0 {
		lines = append(lines, fmt.Sprintf("名册外来件 %d 件已归入所选单位", p.Assignments))
	}
	if p.Decisions > 0 || p.DecisionsChanged > 0 {
		lines = append(lines, fmt.Sprintf("推荐名单的主任办公会决定 %d 条，其中新增、改动或清除 %d 条", p.Decisions, p.DecisionsChanged))
	}
	return lines
}
