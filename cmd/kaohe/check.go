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

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "每个文件输出一行 JSON")
	typ := fs.String("type", "", "代办处类型：district（区、开发区）或 sector（局总公司、产业工会）；不填则按单位名称推定")
	year := fs.Int("year", 2021, "考核表年度")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe check [--json] [--type district|sector] [--year 2021] 文件.xlsx ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitBad
	}
	form, err := templates.Load(*year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe check：没有 %d 年度的考核表（可用：%v）\n", *year, templates.Years())
		return exitBad
	}
	opts := assess.Options{Validate: validate.Options{Form: form}}
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
		rep := checkFile(path, opts)
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

// checkFile checks one file; a file that cannot be opened is reported
// like any unreadable workbook.
func checkFile(path string, opts assess.Options) *assess.Report {
	opts.Validate.Filename = filepath.Base(path)
	data, err := readLimited(path, validate.DefaultMaxFileSize)
	if err != nil {
		f := validate.NewFinding(validate.CodeUnreadableFile, fmt.Sprintf("无法读取文件：%s。", describeOpenError(err)))
		return &assess.Report{File: path, Form: fmt.Sprint(opts.Validate.Form.Year), Status: assess.StatusUnreadable,
			Fields: map[string]any{}, Findings: []validate.Finding{f}}
	}
	rep := assess.Check(data, opts)
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
