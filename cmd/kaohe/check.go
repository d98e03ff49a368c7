package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "每个文件输出一行 JSON")
	typ := fs.String("type", "", "代办处类型：district（区、开发区）或 sector（局总公司、产业工会）；不填则按单位名称推定")
	year := fs.Int("year", 2021, "考核表年度（默认取配置文件的 campaign.form_year，没有配置时为 2021）")
	cfgPath := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）：取其中的考核表年度和截止时刻")
	cutoff := fs.String("cutoff", "", "截止时刻，如 2022-01-06 或 2022-01-06T00:00:00+08:00（北京时间）；填报日期在此之后的给出提醒。默认取配置的 campaign.cutoff，没有配置时取考核通知规定的截止时刻")
	received := fs.String("received", "", "收到邮件的时间，如 2022-01-03 或 2022-01-03T15:04:05+08:00；填报日期晚于它的给出提醒")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe check [--json] [--type district|sector] [--year 2021] [--cutoff 时刻] [--received 时刻] [--config F] 文件.xlsx ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitBad
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	camp, ok := checkCampaign(*cfgPath, os.LookupEnv, stderr)
	if !ok {
		return exitBad
	}
	if camp.found && !set["year"] {
		*year = camp.year
	}
	form, err := templates.Load(*year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe check：没有 %d 年度的考核表（可用：%v）\n", *year, templates.Years())
		return exitBad
	}
	opts := assess.Options{Validate: validate.Options{Form: form, Cutoff: form.Cutoff}}
	if camp.found && (camp.ownCutoff || form.Cutoff.IsZero()) {
		opts.Validate.Cutoff = camp.cutoff
	}
	if *cutoff != "" {
		if opts.Validate.Cutoff, err = parseInstant(*cutoff); err != nil {
			fmt.Fprintf(stderr, "kaohe check：--cutoff %q 不是时刻：%v\n", *cutoff, err)
			return exitBad
		}
	}
	if *received != "" {
		if opts.Validate.ReceivedAt, err = parseInstant(*received); err != nil {
			fmt.Fprintf(stderr, "kaohe check：--received %q 不是时刻：%v\n", *received, err)
			return exitBad
		}
	}
	if *typ != "" {
		t, ok := scoring.ParseAgencyType(*typ)
		if !ok {
			fmt.Fprintf(stderr, "kaohe check：--type 只能是 district 或 sector，不是 %q\n", *typ)
			return exitBad
		}
		opts.Type = t
	}
	worst := exitOK
	for i, path := range fs.Args() {
		if ctx.Err() != nil {
			return exitBad
		}
		rep := checkFile(ctx, path, opts)
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(rep); err != nil {
				return exitBad
			}
		} else {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			writeCheckText(stdout, form, rep)
		}
		worst = max(worst, exitCodeOf(rep.Status))
	}
	return worst
}

// checkCampaignSettings is what a configuration says about the campaign.
type checkCampaignSettings struct {
	found  bool // a configuration file or a KAOHE_* setting of the campaign was given
	year   int
	cutoff time.Time
	// ownCutoff is set when the configuration sets a cut-off other than
	// the built-in default, which is the 2021 campaign's: for another
	// year the form's own cut-off says it better.
	ownCutoff bool
}

// checkCampaign reads the campaign's form year and cut-off from the
// configuration named by path or KAOHE_CONFIG, or from KAOHE_FORM_YEAR and
// KAOHE_CUTOFF; found is false when neither is given. ok is false when the
// configuration cannot be read (the problem is printed).
func checkCampaign(path string, env func(string) (string, bool), stderr io.Writer) (s checkCampaignSettings, ok bool) {
	if path == "" {
		path, _ = env("KAOHE_CONFIG")
	}
	_, hasYear := env(config.EnvName("campaign.form_year"))
	_, hasCutoff := env(config.EnvName("campaign.cutoff"))
	if path == "" && !hasYear && !hasCutoff {
		return s, true
	}
	cfg, err := config.Load(path, env)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe check：配置有误：\n%v\n", err)
		return s, false
	}
	s.found, s.year, s.cutoff = true, cfg.Campaign.FormYear, cfg.Campaign.Cutoff
	s.ownCutoff = hasCutoff || !s.cutoff.Equal(config.Default().Campaign.Cutoff)
	return s, true
}

// parseInstant reads a time as a clerk types it: RFC 3339, or a day, or a
// day and a time, both in Beijing time. A day alone is its first instant.
func parseInstant(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, cst.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("请写成 2022-01-06、2022-01-06 09:30 或 2022-01-06T09:30:00+08:00")
}

// checkFile checks one file; a file that cannot be opened is reported
// like any unreadable workbook.
func checkFile(ctx context.Context, path string, opts assess.Options) *assess.Report {
	opts.Validate.Filename = filepath.Base(path)
	data, err := readLimited(path, validate.DefaultMaxFileSize)
	var rep *assess.Report
	if err == nil {
		rep, err = assess.Check(ctx, data, opts)
	}
	if err != nil {
		f := validate.NewFinding(validate.CodeUnreadableFile, fmt.Sprintf("无法读取文件：%s。", describeOpenError(err)))
		return &assess.Report{File: path, Form: fmt.Sprint(opts.Validate.Form.Year), Status: assess.StatusUnreadable,
			Fields: map[string]any{}, Findings: []validate.Finding{f}}
	}
	rep.File = path
	return rep
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("文件超过 %d MB 的上限", limit>>20)
	}
	return data, nil
}

func describeOpenError(err error) string {
	switch {
	case os.IsNotExist(err):
		return "文件不存在"
	case os.IsPermission(err):
		return "没有读取权限"
	}
	return err.Error()
}

func exitCodeOf(s assess.Status) int {
	switch s {
	case assess.StatusAccepted:
		return exitOK
	case assess.StatusNeedsFix:
		return exitNeedsFix
	}
	return exitBad
}

// writeCheckText prints the report a clerk reads in a terminal.
func writeCheckText(w io.Writer, form *templates.Form, rep *assess.Report) {
	errs, warns := rep.Counts()
	fmt.Fprintf(w, "文件：%s\n", rep.File)
	if rep.Status == assess.StatusUnreadable {
		fmt.Fprintf(w, "状态：%s\n", rep.Status.Label())
		for _, f := range rep.Findings {
			fmt.Fprintf(w, "  [%s] %s\n", f.Severity.Label(), f.Message)
		}
		return
	}
	unit := rep.Unit
	if unit == "" {
		unit = "（未填写）"
	}
	fmt.Fprintf(w, "考核单位：%s（%s代办处）\n", unit, rep.AgencyType.Label())
	fmt.Fprintf(w, "状态：%s（错误 %d 项，提醒 %d 项）\n", rep.Status.Label(), errs, warns)
	fmt.Fprintf(w, "自评总分 %s，核定总分 %s（满分 %s）\n", num(rep.SelfTotal), num(rep.VerifiedTotal), num(form.TotalCap))

	if len(rep.Findings) > 0 {
		fmt.Fprintln(w, "\n问题清单：")
		for _, f := range rep.Findings {
			fmt.Fprintf(w, "  [%s] %s%s\n", f.Severity.Label(), where(f), f.Message)
		}
	}
	problems := map[string][]string{}
	for _, f := range rep.Findings {
		if f.Indicator != "" {
			problems[f.Indicator] = append(problems[f.Indicator], f.Code.Label())
		}
	}
	fmt.Fprintln(w, "\n指标得分：")
	fmt.Fprintf(w, "  %-6s %-7s %6s %6s %6s  %s\n", "指标", "单元格", "自评分", "核定分", "标准分", "问题")
	for _, ind := range rep.Indicators {
		self := "—"
		if ind.Self != nil {
			self = num(*ind.Self)
		}
		cell := ind.Cell
		if cell == "" {
			cell = "—"
		}
		fmt.Fprintf(w, "  %-8s %-8s %8s %8s %8s  %s\n", ind.ID, cell, self, num(ind.Verified), num(ind.Cap), strings.Join(problems[ind.ID], "、"))
	}
	fmt.Fprintln(w, "\n分项小计：")
	for _, s := range rep.Sections {
		fmt.Fprintf(w, "  %s、%s：自评 %s，核定 %s，满分 %s\n", s.ID, s.Name, num(s.Self), num(s.Verified), num(s.Cap))
	}
	var signs []string
	for _, fd := range form.Fields {
		if fd.Kind != templates.KindSign {
			continue
		}
		state := "缺"
		if present, _ := rep.Fields[fd.ID].(bool); present {
			state = "有"
		}
		signs = append(signs, fd.Label+"："+state)
	}
	fmt.Fprintf(w, "\n签章：%s\n", strings.Join(signs, "；"))
}

// where names the indicator a finding is about, unless its message does.
func where(f validate.Finding) string {
	if f.Indicator == "" || strings.Contains(f.Message, "指标"+f.Indicator) || strings.Contains(f.Message, "第 "+f.Indicator+" 项") {
		return ""
	}
	return "指标" + f.Indicator + " "
}

// num prints a score without a trailing .0.
func num(v float64) string { return fmt.Sprintf("%g", v) }
