package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/atomicfile"
	"kaohe/internal/mailserver"
	"kaohe/internal/wbtoken"
	"kaohe/mailparse"
	"kaohe/results"
	"kaohe/store"
)

// ResultsWorkbookName is the results workbook the demo leaves in its
// output folder: the copy the 主任办公会 approved and staff mailed back.
const ResultsWorkbookName = "考核结果.xlsx"

// playAfterDeadline plays the season's second half, as the office does it:
// a staff member replies to the summary mail with the staff workbook
// reviewed (the daemon imports it and answers 导入), the results are
// computed and written as `kaohe results` does, the 主任办公会 changes one
// quota and approves the results workbook, which staff mail back (imported
// and answered 导入 again), and the results are published to every agency
// as `kaohe results publish` does, the daemon's outbox sending the notices;
// then the recommendations (playRecommendations), whose 推荐表 mails it
// returns.
func playAfterDeadline(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, sc *demo.Scenario, out string, w io.Writer) ([]demo.Mail, error) {
	fmt.Fprintln(w, "▶ 截止之后：审核、考核结果、审定、发布")
	if err := mailReview(ctx, d, srv, clock, sc, w); err != nil {
		return nil, fmt.Errorf("staff review: %w", err)
	}
	wb, err := computeResults(ctx, d, clock, sc, w)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	approved, err := mailApproval(ctx, d, srv, clock, sc, wb, w)
	if err != nil {
		return nil, fmt.Errorf("approve results: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(out, ResultsWorkbookName), approved, store.FileMode); err != nil {
		return nil, err
	}
	if err := publishDemoResults(ctx, d, clock, sc, w); err != nil {
		return nil, err
	}
	return playRecommendations(ctx, d, srv, clock, sc, filepath.Join(out, "data"), w)
}

// mailReview is the staff member's reply to the last summary mail, with
// its workbook reviewed, handled as the daemon handles any mail.
func mailReview(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, sc *demo.Scenario, w io.Writer) error {
	summary, wb, err := lastSummary(srv.Deliveries())
	if err != nil {
		return err
	}
	reviewed, err := demo.FillReview(d.form, wb, sc.Review)
	if err != nil {
		return err
	}
	raw, err := demo.StaffReply(summary.MessageID, summary.Subject, reviewed, sc.ReviewAt)
	if err != nil {
		return err
	}
	r := sc.Review
	vetoes := 0
	if r.Veto != "" {
		vetoes = 1
	}
	what := fmt.Sprintf("回复汇总邮件，附审核后的汇总表：审核分 %d 处、一票否决 %d 家、纸质版收到 %d 家", len(r.Scores), vetoes, len(r.Paper))
	return handleMail(ctx, d, srv, clock, demo.Mail{Raw: raw, At: sc.ReviewAt, From: demo.Staff, What: what}, staffWho, w)
}

// lastSummary is the last mail to staff with a workbook attached, and that
// workbook.
func lastSummary(ds []mailserver.Delivery) (*mailparse.Parsed, []byte, error) {
	for i := len(ds) - 1; i >= 0; i-- {
		if strings.Join(ds[i].To, ",") != demo.Staff {
			continue
		}
		p, err := mailparse.Parse(ds[i].Raw, mailparse.Limits{})
		if err != nil {
			continue
		}
		for _, a := range p.Attachments {
			if a.Kind == mailparse.KindXLSX {
				return p, a.Data, nil
			}
		}
	}
	return nil, nil, errors.New("no summary with the staff workbook was sent to staff")
}

// computeResults computes the season's results as `kaohe results` does,
// stores them and returns the results workbook, stamped so that staff can
// mail it back.
func computeResults(ctx context.Context, d *daemon, clock *demoClock, sc *demo.Scenario, w io.Writer) ([]byte, error) {
	clock.Set(sc.ResultsAt)
	in, err := d.campaign.Input(ctx)
	if err != nil {
		return nil, err
	}
	o, err := results.Compute(in, results.Options{Rules: d.cfg.Results, Season: d.cfg.Campaign.SeasonYear(), Placeholders: demoPlaceholders(d.cfg)})
	if err != nil {
		return nil, err
	}
	if err := d.store.SaveComputedResults(ctx, o.Results, store.ResultsRun{By: demoOperator, Source: ResultsWorkbookName}); err != nil {
		return nil, err
	}
	key, err := d.campaign.Key()
	if err != nil {
		return nil, err
	}
	stamp := func(f *excelize.File) error {
		_, err := key.Stamp(f, d.cfg.Campaign.SeasonYear(), wbtoken.KindResults, "results-"+sc.ResultsAt.Format("20060102T150405"))
		return err
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, o, results.WriteOptions{Stamp: stamp}); err != nil {
		return nil, err
	}
	grades := map[store.Grade]int{}
	for _, r := range o.Results {
		grades[r.Grade]++
	}
	var parts []string
	for _, g := range store.Grades() {
		parts = append(parts, fmt.Sprintf("%s %d 家", g, grades[g]))
	}
	fmt.Fprintf(w, "    %s  kaohe results -o %s：%s；优秀个人名额 %d 个已分配\n", sc.ResultsAt.Format("01-02 15:04"), ResultsWorkbookName,
		strings.Join(parts, "，"), o.Quota.Allocated())
	return buf.Bytes(), nil
}

// mailApproval is the 主任办公会's approval of the results workbook wb,
// with one quota changed, mailed back by staff and handled as the daemon
// handles any mail. It returns the approved workbook.
func mailApproval(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, sc *demo.Scenario, wb []byte, w io.Writer) ([]byte, error) {
	approved, change, err := demo.ApproveResults(wb)
	if err != nil {
		return nil, err
	}
	raw, err := demo.StaffResults(approved, sc.ApproveAt)
	if err != nil {
		return nil, err
	}
	m := demo.Mail{Raw: raw, At: sc.ApproveAt, From: demo.Staff, What: "寄回主任办公会审定的考核结果表（" + change + "）"}
	if err := handleMail(ctx, d, srv, clock, m, staffWho, w); err != nil {
		return nil, err
	}
	if _, ok, err := d.store.ResultsApproval(ctx); err != nil || !ok {
		return nil, fmt.Errorf("the mailed results workbook was not approved (%v)", err)
	}
	return approved, nil
}

// publishDemoResults publishes the approved results as `kaohe results
// publish` does, with the daemon's settings and store, and lets the
// daemon's outbox send the notices.
func publishDemoResults(ctx context.Context, d *daemon, clock *demoClock, sc *demo.Scenario, w io.Writer) error {
	return runDemoResultsStep(ctx, d, clock, sc.PublishAt, "publish", publishWith, w)
}

// runDemoResultsStep runs a `kaohe results` subcommand's work (publishWith,
// finalWith) at the demo's time at, with the daemon's settings and store,
// prints its output under the step, and lets the daemon's outbox send
// what it queued.
func runDemoResultsStep(ctx context.Context, d *daemon, clock *demoClock, at time.Time, sub string,
	step func(context.Context, *offlineEnv, bool, io.Writer, io.Writer, func() time.Time) int, w io.Writer) error {
	clock.Set(at)
	env := &offlineEnv{cfg: d.cfg, log: d.log, form: d.form, store: d.store, roster: d.roster,
		season: d.cfg.Campaign.SeasonYear(), cutoff: d.cfg.Campaign.Cutoff}
	var out, errOut bytes.Buffer
	if code := step(ctx, env, false, &out, &errOut, clock.Now); code != exitOK {
		return fmt.Errorf("results %s: exit %d: %s", sub, code, errOut.String())
	}
	fmt.Fprintf(w, "    %s  kaohe results %s\n", at.Format("01-02 15:04"), sub)
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		fmt.Fprintln(w, "          "+line)
	}
	return d.flush(ctx)
}

// demoPlaceholders are the [results] keys left at their placeholder
// defaults: all but the two demoConfig sets, which it sets in code where
// the configuration cannot see them set.
func demoPlaceholders(cfg config.Config) []string {
	var out []string
	for _, k := range cfg.Placeholders() {
		if k != "results.individual_quota" && k != "results.recommend_cutoff" {
			out = append(out, k)
		}
	}
	return out
}

// staffWho names the staff member in the progress output.
const staffWho = "工作人员 王明"

// demoOperator is who ran the office's commands in the demo, for the
// records.
const demoOperator = "demo"

// handleMail delivers m to the office's mailbox and lets the daemon take
// and answer it pickupDelay later, as `serve` would; the daily jobs run at
// their own steps.
func handleMail(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, m demo.Mail, who string, w io.Writer) error {
	clock.Set(m.At)
	if err := srv.Deliver(demo.Office, m.Raw, m.At); err != nil {
		return err
	}
	fmt.Fprintf(w, "    %s  %s %s\n", m.At.Format("01-02 15:04"), padRight(who, 22), m.What)
	clock.Set(m.At.Add(pickupDelay))
	if err := d.watcher.Once(ctx); err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	if err := d.campaign.AfterBatch(ctx); err != nil {
		return fmt.Errorf("after batch: %w", err)
	}
	return d.flush(ctx)
}
