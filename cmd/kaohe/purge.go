package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kaohe/campaign"
	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/store"
)

// runPurge is `kaohe purge --season YEAR [--yes]`: it removes a finished
// season's personal data once results.retention has passed since its end.
// Without --yes it prints what it would remove and changes nothing. It
// prints counts and archive paths only, never a person's name, and logs
// nothing of the persons.
func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）")
	season := fs.Int("season", 0, "清除哪一届（年度）的个人信息，如 2021（必填）")
	yes := fs.Bool("yes", false, "确认清除；不加则只列出将清除的内容，不做任何改动")
	cfg, ok := parseConfig("purge", fs, args, path, config.ModePurge, stderr)
	if !ok {
		return exitBad
	}
	if *season == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "用法：kaohe purge --season 年度 [--yes] [--config F]")
		return exitBad
	}
	// Shared: the daemon may keep serving the current season meanwhile.
	st, err := store.Open(cfg.DataDir, store.Options{Shared: true, Season: *season})
	if err != nil {
		if !reportDamaged(stderr, "purge", cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe purge：无法打开数据目录 %s：%v\n", cfg.DataDir, err)
		}
		return exitBad
	}
	defer st.Close()
	if msg := purgeRefusal(ctx, st, cfg, *season); msg != "" {
		fmt.Fprintln(stderr, "kaohe purge："+msg)
		return exitNeedsFix
	}
	plan, err := st.PlanPurge(ctx, *season)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe purge：%v\n", err)
		return exitBad
	}
	until := plan.End.AddDate(cfg.Results.Retention, 0, 0)
	if time.Now().Before(until) {
		fmt.Fprintf(stderr, "kaohe purge：%d 年度这一届结束于 %s，按 results.retention（%d 年）须保留到 %s，现在不能清除，未做任何改动。\n",
			*season, day(plan.End), cfg.Results.Retention, day(until))
		return exitNeedsFix
	}
	fmt.Fprintf(stdout, "%d 年度这一届结束于 %s，保留期 %d 年已满（%s 起可清除）。\n", *season, day(plan.End), cfg.Results.Retention, day(until))
	if !plan.PurgedAt.IsZero() {
		fmt.Fprintf(stdout, "这一届的个人信息已于 %s 清除过。\n", day(plan.PurgedAt))
	}
	// The staff workbooks kept in the data folder during the round list
	// the persons too.
	var books []string
	if !plan.RoundStart.IsZero() {
		if books, err = campaign.DatedWorkbooks(cfg.DataDir, plan.RoundStart, plan.End.AddDate(0, 0, 1)); err != nil {
			fmt.Fprintf(stderr, "kaohe purge：读取数据目录中的汇总表失败：%v\n", err)
			return exitBad
		}
	}
	if plan.Empty() && len(books) == 0 {
		fmt.Fprintln(stdout, "没有需要清除的个人信息，未做任何改动。")
		return exitOK
	}
	if !*yes {
		fmt.Fprintln(stdout, "将清除以下个人信息（这次未做任何改动；确认后加 --yes 再运行一次）：")
		printPurge(stdout, plan, books)
		return exitOK
	}
	done, err := st.Purge(ctx, *season, operator())
	if err == nil {
		err = removeAll(cfg.DataDir, books)
	}
	if err != nil {
		if !reportDamaged(stderr, "purge", cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe purge：清除未完成：%v。可再次运行 kaohe purge --season %d --yes 清除余下的内容。\n", err, *season)
		}
		return exitBad
	}
	fmt.Fprintln(stdout, "已清除以下个人信息：")
	printPurge(stdout, done, books)
	return exitOK
}

// removeAll removes the files of rel, relative to dir; one already gone
// is fine.
func removeAll(dir string, rel []string) error {
	for _, r := range rel {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(r))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// purgeRefusal says why season may not be purged at all ("" when it may):
// it is the current season, or a later one.
func purgeRefusal(ctx context.Context, st *store.Store, cfg config.Config, season int) string {
	current := cfg.Campaign.SeasonYear()
	seasons, err := st.Seasons(ctx)
	if err != nil {
		return fmt.Sprintf("读取数据目录中的各届记录失败：%v", err)
	}
	if n := len(seasons); n > 0 && seasons[n-1] > current {
		current = seasons[n-1]
	}
	switch {
	case season >= current:
		return fmt.Sprintf("%d 年度是本届（或尚未开始的一届），不能清除，未做任何改动。只能清除已结束、且过了保留期（results.retention）的往届。", season)
	case !contains(seasons, season):
		return fmt.Sprintf("数据目录中没有 %d 年度这一届的记录，没有可清除的内容。", season)
	}
	return ""
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// printPurge lists a plan's removals and the counts kept.
func printPurge(w io.Writer, p store.PurgePlan, books []string) {
	var per []string
	for _, a := range p.Agencies {
		if a.Persons > 0 {
			per = append(per, fmt.Sprintf("%s %d 人", a.Agency, a.Persons))
		}
	}
	line := func(n int, what, unit string) {
		if n > 0 {
			fmt.Fprintf(w, "  %s：%d %s\n", what, n, unit)
		}
	}
	line(p.Persons, "推荐表中的人员信息（姓名、性别、出生年月、职务、年限、事迹）", "人")
	if len(per) > 0 {
		fmt.Fprintln(w, "    其中 "+strings.Join(per, "，"))
	}
	line(p.Findings, "关于个人的检查结果", "条")
	line(p.Decisions, "主任办公会决定中的姓名、出生年月和备注", "条")
	line(p.Notices, "确定名单反馈的记录内容", "份")
	line(p.Copies, "发件箱中带人员信息的邮件（推荐表回执及核对件、导入回复、确定名单反馈、推荐期间发给工作人员的汇总表和提示）", "封")
	line(len(p.Mails), "存档中带人员信息的原始邮件（推荐表、推荐期间发回的汇总表）", "封")
	for _, m := range p.Mails {
		fmt.Fprintln(w, "    "+m)
	}
	line(len(books), "数据目录中推荐期间的汇总表（含推荐名单）", "份")
	for _, b := range books {
		fmt.Fprintln(w, "    "+b)
	}
	fmt.Fprintln(w, "保留：考核表及其得分、等级和考核结果，推荐表的报送记录（单位、时间、公示日期），各代办处推荐和确定的人数：")
	for _, a := range p.Agencies {
		fmt.Fprintf(w, "  %s：推荐 %d 人，确定 %d 人\n", a.Agency, a.Proposed, a.Confirmed)
	}
}

// day writes a time as a Beijing date.
func day(t time.Time) string {
	if t.IsZero() {
		return "（无记录）"
	}
	return t.In(cst.Location()).Format("2006-01-02")
}
