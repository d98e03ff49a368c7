package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"kaohe/assess"
	"kaohe/campaign"
	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/ingest"
	"kaohe/internal/atomicfile"
	"kaohe/roster"
	"kaohe/sandbox"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

// offlineEnv is what the commands that work on the data folder share.
type offlineEnv struct {
	cfg    config.Config
	log    zerolog.Logger
	form   *templates.Form
	store  *store.Store
	roster *roster.Roster
}

func openOffline(name string, args []string, stderr io.Writer, mode string, readOnly bool, extra func(*flag.FlagSet)) (*offlineEnv, *flag.FlagSet, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, fs, exitBad
	}
	cfg, err := config.LoadFor(*path, os.LookupEnv, mode)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe %s：配置有误：\n%v\n", name, err)
		return nil, fs, exitBad
	}
	env := &offlineEnv{cfg: cfg, log: newLogger(cfg.Log, stderr)}
	if env.form, err = templates.Load(cfg.Campaign.FormYear); err != nil {
		fmt.Fprintf(stderr, "kaohe %s：%v\n", name, err)
		return nil, fs, exitBad
	}
	if env.store, err = store.Open(cfg.DataDir, store.Options{ReadOnly: readOnly}); err != nil {
		if reportDamaged(stderr, name, cfg.DataDir, err) {
			return nil, fs, exitBad
		}
		fmt.Fprintf(stderr, "kaohe %s：无法打开数据目录 %s：%v\n", name, cfg.DataDir, err)
		return nil, fs, exitBad
	}
	if env.roster, err = loadRoster(cfg.Roster, env.log); err != nil {
		env.store.Close()
		fmt.Fprintf(stderr, "kaohe %s：%v\n", name, err)
		return nil, fs, exitBad
	}
	return env, fs, exitOK
}

func (e *offlineEnv) campaign() *campaign.Campaign {
	return campaign.New(e.store, campaign.Config{Form: e.form, Roster: e.roster, Cutoff: e.cfg.Campaign.Cutoff, Log: e.log})
}

func runConsolidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out *string
	env, _, code := openOffline("consolidate", args, stderr, config.ModeConsolidate, true, func(fs *flag.FlagSet) {
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
	fmt.Fprintf(stdout, "已生成汇总工作簿：%s\n", *out)
	for _, l := range sum.Lines() {
		fmt.Fprintln(stdout, "  "+l)
	}
	return exitOK
}

func runReprocess(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env, _, code := openOffline("reprocess", args, stderr, config.ModeReprocess, false, nil)
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
	n, changed, err := reprocess(ctx, env, runner.Read)
	if err != nil {
		if reportDamaged(stderr, "reprocess", env.cfg.DataDir, err) {
			return exitBad
		}
		fmt.Fprintf(stderr, "kaohe reprocess：%v\n", err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已按当前规则重新检查 %d 份考核表，其中 %d 份结果有变化。邮箱未做任何改动，也不会重发回执。\n", n, changed)
	return exitOK
}

// reprocess re-runs validation and scoring of every stored submission over
// the archived raw mail, keeping the previous result as history.
func reprocess(ctx context.Context, env *offlineEnv, read assess.Reader) (n, changed int, err error) {
	subs, err := env.store.Submissions(ctx, store.SubmissionFilter{})
	if err != nil {
		return 0, 0, err
	}
	parsedByHash := map[string]*ingest.Parsed{}
	for _, s := range subs {
		if ctx.Err() != nil {
			return n, changed, ctx.Err()
		}
		p, ok := parsedByHash[s.MessageHash]
		if !ok {
			raw, err := env.store.ReadArchived(s.MessageHash)
			if err != nil {
				return n, changed, fmt.Errorf("archive of message %d: %w", s.MessageID, err)
			}
			if p, err = ingest.Parse(raw, ingest.Limits{MaxAttachmentSize: env.cfg.Limits.MaxAttachmentSize, MaxUnzipSize: env.cfg.Limits.MaxUnzipSize}); err != nil {
				return n, changed, fmt.Errorf("parse archived message %d: %w", s.MessageID, err)
			}
			parsedByHash[s.MessageHash] = p
		}
		if s.AttachmentIndex < 0 || s.AttachmentIndex >= len(p.Attachments) {
			env.log.Warn().Int64("submission", s.ID).Msg("attachment no longer found in the archived message")
			continue
		}
		a := p.Attachments[s.AttachmentIndex]
		rep, err := assess.Check(ctx, a.Data, assess.Options{
			Validate: validate.Options{Form: env.form, Filename: a.Filename, ReceivedAt: s.ReceivedAt, Cutoff: env.cfg.Campaign.Cutoff,
				MaxFileSize: env.cfg.Limits.MaxAttachmentSize, MaxUnzipSize: env.cfg.Limits.MaxUnzipSize},
			Reader: read,
			Resolve: func(unit string) assess.Agency {
				ag, known, mismatch := env.roster.Resolve(s.Sender, unit)
				if !known {
					if n, ok := env.roster.ByUnit(unit); ok {
						return assess.Agency{Type: n.Type} // a 名册外来件, checked as the pipeline checks it
					}
					return assess.Agency{}
				}
				return assess.Agency{Name: ag.Name, Type: ag.Type, Known: true, Mismatch: mismatch}
			},
		})
		if err != nil {
			// Nothing is replaced by a reading that did not happen.
			return n, changed, fmt.Errorf("submission %d: %w", s.ID, err)
		}
		ch, err := env.store.ReplaceReports(ctx, s.ID, rep)
		if err != nil {
			return n, changed, err
		}
		n++
		if ch {
			changed++
		}
	}
	return n, changed, nil
}

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "import" {
		fmt.Fprintln(stderr, "用法：kaohe review import [--config F] 已填写审核分的汇总.xlsx")
		return exitBad
	}
	env, fs, code := openOffline("review", args[1:], stderr, config.ModeReview, false, nil)
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
	season, err := env.campaign().Input(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe review：读取名册和提交记录失败：%v\n", err)
		return exitBad
	}
	imp, problems := consolidate.ImportReview(f, consolidate.ImportOptions{Form: env.form, Now: time.Now(), Agencies: season.AgencyNames()})
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "审核表中有 %d 处问题，全部未导入，请改正后重新导入：\n", len(problems))
		for _, p := range problems {
			fmt.Fprintln(stderr, "  "+p.Message)
		}
		return exitNeedsFix
	}
	var reviews []store.Review
	// A cleared review is saved empty: it replaces the earlier one.
	for _, r := range append(imp.Reviews, imp.Cleared...) {
		reviews = append(reviews, store.Review{Agency: r.Agency, Indicator: r.Indicator, Score: r.Score, Comment: r.Comment,
			Source: r.Source, At: r.At})
	}
	if err := env.store.SaveReviews(ctx, reviews, imp.Vetoes, path); err != nil {
		if !reportDamaged(stderr, "review", env.cfg.DataDir, err) {
			fmt.Fprintf(stderr, "kaohe review：保存失败：%v\n", err)
		}
		return exitBad
	}
	vetoes := 0
	for _, v := range imp.Vetoes {
		if v {
			vetoes++
		}
	}
	fmt.Fprintf(stdout, "已导入 %d 条审核意见、%d 个一票否决。重新生成汇总（kaohe consolidate）即可看到审核分和最终得分。\n", len(reviews), vetoes)
	return exitOK
}
