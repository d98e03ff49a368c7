package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"kaohe/internal/cst"
	"kaohe/notice"
	"kaohe/reclist"
)

// runResultsFinal is `kaohe results final`: it queues each agency that
// proposed anything its 确定名单反馈 (the confirmed 优秀单位 and 优秀个人),
// once; an agency whose list changed since gets one 更正. It is refused
// while a proposal has no decision, and lists the agencies that sent no
// 推荐表 in time. It runs beside the daemon, whose outbox sends the mail.
func runResultsFinal(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sendFinalLists(ctx, args, stdout, stderr, time.Now)
}

// finalListMail is how `kaohe results final` names itself and its mail.
var finalListMail = agencyMail{cmd: "results final", verb: "发送", noun: "邮件"}

// sendFinalLists is runResultsFinal on the clock now.
func sendFinalLists(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	env, fs, dryRun, code := finalListMail.open(args, stderr, "只列出将要发送的确定名单反馈，不发送")
	if env == nil {
		return code
	}
	defer env.store.Close()
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "用法：kaohe results final [--dry-run] [--config F]")
		return exitBad
	}
	return finalWith(ctx, env, dryRun, stdout, stderr, now)
}

// finalWith sends the final lists with the settings and store of env: the
// command's, or the demo's daemon's.
func finalWith(ctx context.Context, env *offlineEnv, dryRun bool, stdout, stderr io.Writer, now func() time.Time) int {
	purged, err := env.store.Purged(ctx, env.season)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results final：读取数据目录失败：%v\n", err)
		return exitBad
	}
	if !purged.IsZero() {
		fmt.Fprintf(stderr, "kaohe results final：%d 年度的个人信息已清除（kaohe purge），不能再发送确定名单反馈。\n", env.season)
		return exitNeedsFix
	}
	if c := env.cfg.Results.RecommendCutoff; !c.IsZero() && now().Before(c) {
		fmt.Fprintf(stderr, "kaohe results final：推荐材料的报送截止时间（results.recommend_cutoff）%s 还没到，代办处还可能报送或更换推荐表。截止后再发送确定名单反馈。\n",
			c.In(cst.Location()).Format("2006-01-02 15:04"))
		return exitNeedsFix
	}
	rec, err := env.campaign().Recommendations(ctx)
	if err != nil {
		if !reportDamaged(stderr, "results final", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe results final：读取推荐和决定失败：%v\n", err)
		}
		return exitBad
	}
	lists, undecided := reclist.Final(rec.Proposals, rec.Decisions)
	if len(undecided) > 0 {
		fmt.Fprintf(stderr, "kaohe results final：还有 %d 项推荐没有主任办公会的决定，未发送任何确定名单反馈：\n", len(undecided))
		for _, p := range undecided {
			fmt.Fprintf(stderr, "  %s（编号 %s）\n", p.Label(), p.Ref)
		}
		fmt.Fprintln(stderr, "请在汇总表的“推荐名单”中填写“主任办公会决定”，导入（kaohe review import，或把汇总表发回考核邮箱）后再运行。")
		printMissing(stderr, rec.Missing)
		return exitNeedsFix
	}
	opts, ok := finalListMail.composeOptions(env, stderr, "发送确定名单反馈")
	if !ok {
		return exitBad
	}
	emails := agencyEmails(env)
	var notices []notice.Notice
	for _, l := range lists {
		notices = append(notices, notice.FinalList(l, emails[l.Agency], opts))
	}
	pubOpts := notice.FinalListOptions(now())
	pubOpts.DryRun = dryRun
	rep, err := notice.Publish(ctx, env.store, pubOpts, notices)
	printFinalLists(stdout, rep, env.season, dryRun)
	printMissing(stdout, rec.Missing)
	if err != nil {
		finalListMail.reportFailure(stderr, env.cfg.DataDir, err)
		return exitBad
	}
	return exitOK
}

// printFinalLists says what a run queued, in Chinese. Persons are not
// named: the terminal says how many, the mail says who.
func printFinalLists(w io.Writer, rep notice.Report, season int, dryRun bool) {
	fmt.Fprintf(w, "%d 年度优秀单位、优秀个人确定名单反馈%s：\n", season, queuedVerb(dryRun))
	fmt.Fprintf(w, "  确定名单反馈 %d 家，更正 %d 家，共 %d 封邮件\n", rep.Count(notice.ActionFirst), rep.Count(notice.ActionCorrected), rep.Queued())
	if n := rep.Count(notice.ActionUnchanged); n > 0 {
		fmt.Fprintf(w, "  已发送过、决定没有变化、不再发送的 %d 家\n", n)
	}
	for _, o := range rep.Outcomes {
		switch o.Action {
		case notice.ActionCorrected:
			fmt.Fprintf(w, "  更正：%s（第 %d 次发送），%d 处改动\n", o.Agency, o.Revision, len(o.Changes))
		default:
			printAddressOutcome(w, o)
		}
	}
}

// printMissing lists the agencies that sent no 推荐表 in time, for staff.
func printMissing(w io.Writer, missing []reclist.MissingAgency) {
	if len(missing) == 0 {
		return
	}
	fmt.Fprintf(w, "以下 %d 家代办处截止时未报送推荐表（截止后不再提醒；汇总表“未推荐单位”中也有列出）：\n", len(missing))
	for _, m := range missing {
		line := "  " + m.Result.Agency
		if m.Result.Grade != "" {
			line += fmt.Sprintf("（%s，名额 %d）", m.Result.Grade, m.Result.Quota)
		}
		if !m.LateAt.IsZero() {
			line += "：推荐表逾期报送，收到于 " + m.LateAt.In(cst.Location()).Format("2006-01-02 15:04")
		}
		fmt.Fprintln(w, line)
	}
}
