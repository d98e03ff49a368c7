package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/rs/zerolog"

	"kaohe/campaign"
	"kaohe/config"
	"kaohe/internal/atomicfile"
	"kaohe/mailparse"
	"kaohe/pipeline"
	"kaohe/roster"
	"kaohe/sandbox"
	"kaohe/store"
	"kaohe/templates"
)

// offlineEnv is what the commands that work on the data folder share.
type offlineEnv struct {
	cfg    config.Config
	log    zerolog.Logger
	form   *templates.Form
	store  *store.Store
	roster *roster.Roster
	season int       // the season worked on: --season, else the configured one
	cutoff time.Time // the season's cut-off
}

// openOffline parses the flags of an offline command, loads the settings,
// the form and the roster, and opens the store with storeOpts for the
// season asked for with --season (withSeason), else the configured one. An
// earlier season is worked on with the form year, cut-off and roster it
// ran with, as the store recorded them. The terminal
// shows the command's own Chinese output only: logs go to stderr, as JSON,
// only when asked for with --log or KAOHE_LOG_LEVEL.
func openOffline(name string, args []string, stderr io.Writer, mode string, storeOpts store.Options, extra func(*flag.FlagSet)) (*offlineEnv, *flag.FlagSet, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）")
	withLog := fs.Bool("log", false, "把运行日志（JSON）写到标准错误，供排查问题")
	season := fs.Int("season", 0, "处理哪一届（年度），如 2021；不填则为配置中的本届")
	formFile := fs.String("form-file", "", "考核表定义文件（YAML），代替配置的 campaign.form_file")
	if extra != nil {
		extra(fs)
	}
	cfg, ok := parseConfig(name, fs, args, path, mode, stderr)
	if !ok {
		return nil, fs, exitBad
	}
	var err error
	env := &offlineEnv{cfg: cfg, log: zerolog.Nop()}
	if _, asked := os.LookupEnv("KAOHE_LOG_LEVEL"); asked || *withLog {
		env.log = newLogger(config.Log{Level: cfg.Log.Level, Format: "json"}, stderr)
	}
	if *formFile != "" {
		cfg.Campaign.FormFile = *formFile
	}
	env.cfg = cfg
	env.season, env.cutoff = cfg.Campaign.SeasonYear(), cfg.Campaign.Cutoff
	formYear := cfg.Campaign.FormYear
	if *season != 0 {
		env.season = *season
	}
	storeOpts.Season = env.season
	if env.store, err = store.Open(cfg.DataDir, storeOpts); err != nil {
		if reportDamaged(stderr, name, cfg.DataDir, err) {
			return nil, fs, exitBad
		}
		fmt.Fprintf(stderr, "kaohe %s：无法打开数据目录 %s：%v\n", name, cfg.DataDir, err)
		return nil, fs, exitBad
	}
	var past store.Season
	if env.season != cfg.Campaign.SeasonYear() {
		if past, err = env.store.SeasonInfo(context.Background(), env.season); err != nil {
			env.store.Close()
			fmt.Fprintf(stderr, "kaohe %s：数据目录 %s 中没有 %d 年度这一届的记录（%v）\n", name, cfg.DataDir, env.season, err)
			return nil, fs, exitBad
		}
		formYear = past.FormYear
		if !past.Cutoff.IsZero() {
			env.cutoff = past.Cutoff
		}
	}
	// The configured season reads the configured form (a file, or a year
	// built in); an earlier one the form year it recorded.
	seasonForm := cfg.Campaign.FormFile
	if env.season != cfg.Campaign.SeasonYear() {
		seasonForm = ""
	}
	if env.form, ok = loadCommandForm(name, seasonForm, formYear, stderr); !ok {
		env.store.Close()
		return nil, fs, exitBad
	}
	if past.Roster != nil {
		// The roster as the season stood, not today's file.
		env.roster, _ = roster.New(past.Roster)
	} else if env.roster, err = loadRoster(cfg.Roster, env.log); err != nil {
		env.store.Close()
		fmt.Fprintf(stderr, "kaohe %s：%v\n", name, err)
		return nil, fs, exitBad
	}
	return env, fs, exitOK
}

func (e *offlineEnv) campaign() *campaign.Campaign {
	return campaign.New(e.store, campaign.Config{Season: e.season, Form: e.form, Roster: e.roster, Cutoff: e.cutoff, Log: e.log,
		RecommendCutoff: e.cfg.Results.RecommendCutoff, Results: e.cfg.Results})
}

func runConsolidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out *string
	env, _, code := openOffline("consolidate", args, stderr, config.ModeConsolidate, store.Options{ReadOnly: true}, func(fs *flag.FlagSet) {
		out = fs.String("o", "汇总.xlsx", "输出文件")
	})
	if env == nil {
		return code
	}
	defer env.store.Close()
	data, sum, err := env.campaign().Build(ctx)
	if err != nil {
		if !reportDamaged(stderr, "consolidate", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe consolidate：生成汇总失败：%v\n", err)
		}
		return exitBad
	}
	if err := atomicfile.WriteBytes(*out, data, store.FileMode); err != nil {
		fmt.Fprintf(stderr, "kaohe consolidate：写入 %s 失败：%v\n", *out, err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已生成 %d 年度汇总工作簿：%s\n", env.season, *out)
	for _, l := range sum.Lines() {
		fmt.Fprintln(stdout, "  "+l)
	}
	return exitOK
}

func runReprocess(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env, _, code := openOffline("reprocess", args, stderr, config.ModeReprocess, store.Options{}, nil)
	if env == nil {
		return code
	}
	defer env.store.Close()
	runner, err := sandbox.New("", sandbox.Limits{Memory: env.cfg.Limits.WorkerMemory,
		CPUSeconds: uint64(env.cfg.Limits.WorkerCPUSeconds), Wall: env.cfg.Limits.WorkerTimeout})
	if err != nil {
		fmt.Fprintf(stderr, "kaohe reprocess：%v\n", err)
		return exitBad
	}
	defer runner.Close()
	pipe := pipeline.New(env.store, pipeline.Config{
		Form: env.form, Cutoff: env.cutoff, Roster: env.roster, Reader: runner.Read,
		MIME:        mailparse.Limits{MaxAttachmentSize: env.cfg.Limits.MaxAttachmentSize, MaxUnzipSize: env.cfg.Limits.MaxUnzipSize},
		MaxFileSize: env.cfg.Limits.MaxAttachmentSize, MaxUnzipSize: env.cfg.Limits.MaxUnzipSize,
		Log: env.log,
	})
	n, changed, err := pipe.Reprocess(ctx)
	if err != nil {
		if reportDamaged(stderr, "reprocess", env.cfg.DataDir, err) {
			return exitBad
		}
		fmt.Fprintf(stderr, "kaohe reprocess：%v\n", err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已按当前规则重新检查 %d 年度的 %d 份考核表，其中 %d 份结果有变化。邮箱未做任何改动，也不会重发回执。\n", env.season, n, changed)
	return exitOK
}

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "import" {
		fmt.Fprintln(stderr, "用法：kaohe review import [--config F] 已填写审核分的汇总.xlsx")
		return exitBad
	}
	// Staff import while the daemon serves: the store is shared with it
	// under SQLite's locking, not locked against it.
	env, fs, code := openOffline("review", args[1:], stderr, config.ModeReview, store.Options{Shared: true}, nil)
	if env == nil {
		return code
	}
	defer env.store.Close()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "用法：kaohe review import [--config F] 已填写审核分的汇总.xlsx")
		return exitBad
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe review：无法打开 %s：%v\n", path, err)
		return exitBad
	}
	defer f.Close()
	// Reviews only for the agencies the staff workbook of this data folder
	// lists: a name that appears only in the file is refused.
	prep, problems, err := env.campaign().PrepareReview(ctx, f, campaign.ReviewFrom{Reviewer: operator(), Source: path, Now: time.Now()})
	if err != nil {
		fmt.Fprintf(stderr, "kaohe review：读取名册和提交记录失败：%v\n", err)
		return exitBad
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "审核表中有 %d 处问题，全部未导入，请改正后重新导入：\n", len(problems))
		for _, p := range problems {
			fmt.Fprintln(stderr, "  "+p.Message)
		}
		return exitNeedsFix
	}
	if err := env.store.SaveReviewImport(ctx, prep.Import); err != nil {
		switch {
		case reportDamaged(stderr, "review", env.cfg.DataDir, err):
		case errors.Is(err, store.ErrAssigned):
			fmt.Fprintln(stderr, "kaohe review：有名册外来件已在别处认定了归属，全部未导入。请重新生成汇总表（kaohe consolidate），在新表上填写后再导入。")
		default:
			fmt.Fprintf(stderr, "kaohe review：保存失败，全部未导入：%v\n", err)
		}
		return exitBad
	}
	fmt.Fprintf(stdout, "已导入 %d 条审核意见、%d 个一票否决", prep.Reviews, prep.Vetoes)
	if prep.Paper > 0 || prep.PaperCleared > 0 {
		fmt.Fprintf(stdout, "，%d 家纸质版收到记录", prep.Paper)
		if prep.PaperCleared > 0 {
			fmt.Fprintf(stdout, "（另撤销 %d 家）", prep.PaperCleared)
		}
	}
	if prep.Assignments > 0 {
		fmt.Fprintf(stdout, "，%d 件名册外来件已归入所选单位", prep.Assignments)
	}
	if prep.Decisions > 0 || prep.DecisionsChanged > 0 {
		fmt.Fprintf(stdout, "，推荐名单的主任办公会决定 %d 条（新增、改动或清除 %d 条）", prep.Decisions, prep.DecisionsChanged)
	}
	fmt.Fprintln(stdout, "。重新生成汇总（kaohe consolidate）即可看到审核分和最终得分；运行中的 kaohe serve 下次更新汇总时也会带上。")
	return exitOK
}

// operator names who ran an import, for the record: the login name.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
