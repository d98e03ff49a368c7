package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/internal/display"
	"kaohe/notice"
	"kaohe/recommend"
	"kaohe/reply"
	"kaohe/scoring"
	"kaohe/store"
	"kaohe/templates"
)

// runResultsPublish is `kaohe results publish`: it queues the approved
// (审定) result of every agency to the agency's registered addresses, once;
// an agency whose result changed since it was published gets one 更正. It
// runs beside the daemon, whose outbox sends what it queued.
func runResultsPublish(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return publishResults(ctx, args, stdout, stderr, time.Now)
}

// resultMail is how `kaohe results publish` names itself and its mail.
var resultMail = agencyMail{cmd: "results publish", verb: "发布", noun: "通知"}

// publishResults is runResultsPublish on the clock now.
func publishResults(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	env, _, dryRun, code := resultMail.open(args, stderr, "只列出将要发送的通知，不发送")
	if env == nil {
		return code
	}
	defer env.store.Close()
	return publishWith(ctx, env, dryRun, stdout, stderr, now)
}

// publishWith publishes with the settings and store of env: the command's,
// or the demo's daemon's.
func publishWith(ctx context.Context, env *offlineEnv, dryRun bool, stdout, stderr io.Writer, now func() time.Time) int {
	approval, approved, err := env.store.ResultsApproval(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results publish：读取考核结果失败：%v\n", err)
		return exitBad
	}
	if !approved {
		fmt.Fprintf(stderr, "kaohe results publish：%d 年度的考核结果尚未审定，不能发布。\n"+
			"请先生成考核结果工作簿（kaohe results -o 考核结果.xlsx），经主任办公会审定后导入（kaohe results import 考核结果.xlsx），再发布。\n", env.season)
		return exitNeedsFix
	}
	opts, ok := resultMail.composeOptions(env, stderr, "发布考核结果")
	if !ok {
		return exitBad
	}
	if env.cfg.Results.RecommendCutoff.IsZero() {
		fmt.Fprintln(stderr, "kaohe results publish：配置中没有推荐材料的报送截止时间（results.recommend_cutoff），通知无法写明截止时间。请设定后再发布。")
		return exitBad
	}
	finals, err := env.store.FinalResults(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results publish：读取考核结果失败：%v\n", err)
		return exitBad
	}
	in := resultsInput{form: env.form, cutoff: env.cutoff, rules: env.cfg.Results}
	if env.form != nil {
		// A season whose year has no 推荐表 built in gets notices without
		// it; they say to ask the staff for one.
		in.recommend, _ = recommend.Load(env.form.Year)
	}
	emails := agencyEmails(env)
	contents, err := in.notices(finals)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results publish：生成推荐表失败：%v\n", err)
		return exitBad
	}
	var notices []notice.Notice
	for _, n := range contents {
		notices = append(notices, notice.Result(n, emails[n.Agency], opts))
	}
	pubOpts := notice.ResultOptions(now())
	pubOpts.DryRun = dryRun
	rep, err := notice.Publish(ctx, env.store, pubOpts, notices)
	printPublished(stdout, rep, env.season, approval, dryRun)
	if err != nil {
		resultMail.reportFailure(stderr, env.cfg.DataDir, err)
		return exitBad
	}
	return exitOK
}

// printPublished says what a run queued, in Chinese.
func printPublished(w io.Writer, rep notice.Report, season int, approval store.ResultsRun, dryRun bool) {
	fmt.Fprintf(w, "%d 年度考核结果（%s 审定）%s：\n", season, approval.At.In(cst.Location()).Format("2006-01-02 15:04"), queuedVerb(dryRun))
	first, corrected := rep.Count(notice.ActionFirst), rep.Count(notice.ActionCorrected)
	fmt.Fprintf(w, "  考核结果通知 %d 家，更正通知 %d 家，共 %d 封邮件\n", first, corrected, rep.Queued())
	if n := rep.Count(notice.ActionUnchanged); n > 0 {
		fmt.Fprintf(w, "  已发布过、结果没有变化、不再发送的 %d 家\n", n)
	}
	for _, o := range rep.Outcomes {
		switch o.Action {
		case notice.ActionCorrected:
			var ch []string
			for _, c := range o.Changes {
				ch = append(ch, fmt.Sprintf("%s %s→%s", c.Label, orDash(c.Before), orDash(c.After)))
			}
			fmt.Fprintf(w, "  更正：%s（第 %d 次发布）：%s\n", o.Agency, o.Revision, strings.Join(ch, "；"))
		default:
			printAddressOutcome(w, o)
		}
	}
	if !dryRun && rep.Queued() > 0 {
		fmt.Fprintln(w, "运行中的 kaohe serve 会按发送限额陆续发出；发送情况见 /healthz 和每日汇总。")
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// resultsInput turns the season's approved results into the notices'
// content.
type resultsInput struct {
	form      *templates.Form
	cutoff    time.Time
	rules     config.Results
	recommend *recommend.Definition // the 推荐表 attached; nil: none
}

func (in resultsInput) notices(finals []store.FinalResult) ([]reply.ResultNotice, error) {
	// "of N" counts every agency of the type, ranked or not, so that one
	// agency's change to or from 不合格 does not change every other's notice.
	ofType := map[scoring.AgencyType]int{}
	for _, r := range finals {
		ofType[r.Type]++
	}
	out := make([]reply.ResultNotice, 0, len(finals))
	for _, r := range finals {
		n := reply.ResultNotice{
			Agency: r.Agency, Grade: string(r.Grade), Final: r.Final, Rank: r.Rank, Ranked: ofType[r.Type],
			Fail: failReason(r), Cutoff: in.cutoff, Quota: r.Quota,
			RecommendCutoff: in.rules.RecommendCutoff, PublicityDays: in.rules.PublicityDays,
		}
		if r.Type == scoring.District || r.Type == scoring.Sector {
			n.Group = r.Type.Label() + "代办处"
		}
		if in.form != nil {
			n.Cap = in.form.TotalCap
		}
		if n.Scored() {
			for _, s := range r.Sections {
				n.Sections = append(n.Sections, in.section(s))
			}
		}
		for _, note := range r.Notes {
			n.Notes = append(n.Notes, reply.ReviewNote{Item: in.item(note.Indicator), Text: note.Comment})
		}
		if err := in.attach(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// attach gives an agency that may recommend (any but 不合格) its 推荐表,
// prefilled with its name and one row per place of its quota.
func (in resultsInput) attach(n *reply.ResultNotice) error {
	if in.recommend == nil || n.Failed() {
		return nil
	}
	var b bytes.Buffer
	if err := recommend.WriteBlank(&b, in.recommend, recommend.BlankOptions{Agency: n.Agency, Persons: n.Quota, Quota: true,
		PublicityDays: n.PublicityDays}); err != nil {
		return fmt.Errorf("推荐表 of %s: %w", n.Agency, err)
	}
	n.Attachment, n.AttachmentName = b.Bytes(), in.recommend.Title+"（"+n.Agency+"）.xlsx"
	return nil
}

// failReason says why a result is 不合格 whatever its score, from the 汇总
// state it was computed from.
func failReason(r store.FinalResult) reply.FailReason {
	if r.Grade != store.GradeFail {
		return reply.FailNone
	}
	switch r.State {
	case consolidate.StateLate:
		return reply.FailLate
	case consolidate.StateMissing:
		return reply.FailMissing
	case consolidate.StateVetoed:
		return reply.FailVeto
	case consolidate.StateUnreadable:
		return reply.FailUnreadable
	}
	return reply.FailNone
}

// section is a section's scores as the notice shows them: the reviewers'
// only where they differ from the verified score.
func (in resultsInput) section(s store.SectionScore) reply.SectionResult {
	sr := reply.SectionResult{Name: s.Name, Self: &s.Self, Verified: s.Verified}
	if s.Reviewed != s.Verified {
		sr.Reviewed = &s.Reviewed
	}
	if in.form != nil {
		for _, fs := range in.form.Sections {
			if fs.ID == s.ID {
				sr.Cap = fs.Cap
				if sr.Name == "" {
					sr.Name = fs.Name
				}
			}
		}
	}
	return sr
}

// item names the indicator a note is on: 指标 2.3（its criteria, cut short）;
// "" for a note on the agency as a whole.
func (in resultsInput) item(id string) string {
	if id == "" {
		return ""
	}
	if in.form != nil {
		if ind, ok := in.form.Indicator(id); ok {
			return "指标 " + id + "（" + display.Clean(ind.Criteria, 16) + "）"
		}
	}
	return "指标 " + id
}
