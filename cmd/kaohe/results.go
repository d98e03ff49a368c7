package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/internal/atomicfile"
	"kaohe/internal/cst"
	"kaohe/internal/wbtoken"
	"kaohe/results"
	"kaohe/scoring"
	"kaohe/store"
)

type subcommand func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// resultsCommands are the subcommands of `kaohe results`; without one it
// computes the results.
func resultsCommands() map[string]subcommand {
	return map[string]subcommand{
		"import":  runResultsImport,
		"publish": runResultsPublish,
	}
}

func runResults(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub, ok := resultsCommands()[args[0]]; ok {
			return sub(ctx, args[1:], stdout, stderr)
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "kaohe results：未知的子命令 %q\n", args[0])
			resultsUsage(stderr)
			return exitBad
		}
	}
	return runResultsCompute(ctx, args, stdout, stderr)
}

func resultsUsage(w io.Writer) {
	names := make([]string, 0, len(resultsCommands()))
	for n := range resultsCommands() {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "用法：kaohe results [-o 考核结果.xlsx] [--config F]    计算最终得分、等级、排名和优秀个人名额，生成考核结果表")
	fmt.Fprintln(w, "      kaohe results import [--config F] 考核结果.xlsx   导入主任办公会审定后的考核结果表")
	fmt.Fprintln(w, "      kaohe results publish [--dry-run] [--config F]  把审定后的考核结果通知发给各代办处（已发的不重发，结果有变的发更正）")
	fmt.Fprintf(w, "子命令：%s\n", strings.Join(names, "、"))
}

// runResultsCompute computes the season's results, stores them as the
// computed version and writes the results workbook. It runs beside the
// daemon, sharing the database under SQLite's locking.
func runResultsCompute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out *string
	env, fs, code := openOffline("results", args, stderr, config.ModeResults, store.Options{Shared: true}, func(fs *flag.FlagSet) {
		out = fs.String("o", "考核结果.xlsx", "输出文件")
	})
	if env == nil {
		return code
	}
	defer env.store.Close()
	if fs.NArg() != 0 {
		resultsUsage(stderr)
		return exitBad
	}
	in, err := env.campaign().Input(ctx)
	if err != nil {
		if !reportDamaged(stderr, "results", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe results：读取名册和提交记录失败：%v\n", err)
		}
		return exitBad
	}
	o, err := results.Compute(in, results.Options{Rules: env.cfg.Results, Season: env.season, Placeholders: env.cfg.Placeholders()})
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results：计算失败：%v\n", err)
		return exitBad
	}
	// Stamped, so that staff can mail the approved copy back (pipeline.StaffWorkbook).
	key, err := env.campaign().Key()
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results：无法读取数据目录中的工作簿密钥 %s：%v\n", wbtoken.KeyFile, err)
		return exitBad
	}
	stamp := func(f *excelize.File) error {
		_, err := key.Stamp(f, env.season, wbtoken.KindResults, "results-"+time.Now().In(cst.Location()).Format("20060102T150405"))
		return err
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, o, results.WriteOptions{Stamp: stamp}); err != nil {
		fmt.Fprintf(stderr, "kaohe results：生成考核结果表失败：%v\n", err)
		return exitBad
	}
	if err := env.store.SaveComputedResults(ctx, o.Results, store.ResultsRun{By: operator(), Source: "kaohe results"}); err != nil {
		if !reportDamaged(stderr, "results", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe results：保存计算结果失败：%v\n", err)
		}
		return exitBad
	}
	if err := atomicfile.WriteBytes(*out, buf.Bytes(), store.FileMode); err != nil {
		fmt.Fprintf(stderr, "kaohe results：写入 %s 失败：%v\n", *out, err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已生成 %d 年度考核结果表：%s\n", env.season, *out)
	for _, l := range resultLines(o) {
		fmt.Fprintln(stdout, "  "+l)
	}
	if run, ok, err := env.store.ResultsApproval(ctx); err == nil && ok {
		fmt.Fprintf(stdout, "注意：本届考核结果已于 %s 审定（%s）。重新计算不改变审定结果；如按新表审定，请把新表交主任办公会，改好后再导入。\n",
			run.At.In(cst.Location()).Format("2006-01-02 15:04"), run.Source)
	}
	return exitOK
}

// resultLines counts the grades of each type, the quota and what is still
// to be set, for the terminal.
func resultLines(o *results.Outcome) []string {
	var lines []string
	for _, t := range []scoring.AgencyType{scoring.District, scoring.Sector} {
		counts := map[store.Grade]int{}
		n := 0
		for _, r := range o.Results {
			if (r.Type == scoring.District) == (t == scoring.District) {
				counts[r.Grade]++
				n++
			}
		}
		var parts []string
		for _, g := range store.Grades() {
			parts = append(parts, fmt.Sprintf("%s %d", g, counts[g]))
		}
		lines = append(lines, fmt.Sprintf("%s代办处 %d 个：%s", t.Label(), n, strings.Join(parts, "，")))
	}
	lines = append(lines, fmt.Sprintf("优秀个人名额：共 %d 个，已分配 %d 个", o.Quota.Total, o.Quota.Allocated()))
	if o.Quota.Note != "" {
		lines = append(lines, o.Quota.Note)
	}
	if len(o.Placeholders) > 0 {
		lines = append(lines, "以下配置项仍是占位默认值，请办事处设定后重新生成："+strings.Join(o.Placeholders, "、"))
	}
	return lines
}

// runResultsImport stores an edited results workbook as the approved
// (审定) results, all or nothing.
func runResultsImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env, fs, code := openOffline("results", args, stderr, config.ModeResults, store.Options{Shared: true}, nil)
	if env == nil {
		return code
	}
	defer env.store.Close()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "用法：kaohe results import [--config F] 审定后的考核结果.xlsx")
		return exitBad
	}
	path := fs.Arg(0)
	data, err := readLimited(path, results.MaxImportSize)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe results：无法读取 %s：%v\n", path, err)
		return exitBad
	}
	rep, err := results.Import(ctx, env.store, env.season, data, results.ImportOptions{Source: path, By: operator(),
		Total: env.cfg.Results.IndividualQuota})
	switch {
	case errors.Is(err, results.ErrNotComputed):
		fmt.Fprintln(stderr, rep.Summary+"请先运行 kaohe results 生成考核结果表，审定后再导入。")
		return exitBad
	case err != nil:
		if !reportDamaged(stderr, "results", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe results：保存失败，全部未导入：%v\n", err)
		}
		return exitBad
	case len(rep.Refused) > 0:
		fmt.Fprintln(stderr, rep.Summary)
		for _, p := range rep.Refused {
			fmt.Fprintln(stderr, "  "+p.Message)
		}
		return exitNeedsFix
	}
	fmt.Fprintln(stdout, rep.Summary)
	for _, l := range rep.Changed {
		fmt.Fprintln(stdout, "  "+l)
	}
	return exitOK
}
