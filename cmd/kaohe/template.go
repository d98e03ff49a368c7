package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"kaohe/internal/atomicfile"
	"kaohe/recommend"
	"kaohe/store"
	"kaohe/templates"
)

func runTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("form", "assess", "哪一张表：assess（考核表）或 recommend（推荐表）")
	year := fs.Int("year", 2021, "表的年度")
	formFile := fs.String("form-file", "", "考核表定义文件（YAML）：按它生成空白表，而不用程序内置的表")
	agency := fs.String("agency", "", "推荐表：预先填好的推荐单位名称")
	persons := fs.Int("persons", -1, "推荐表：该单位的优秀个人名额，表中留出同样多的推荐人员行（0 表示没有名额）")
	out := fs.String("o", "", "输出文件，例如 考核表.xlsx（必填）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe template [--year 2021 | --form-file 定义.yaml] -o 考核表.xlsx")
		fmt.Fprintln(stderr, "      kaohe template --form recommend [--year 2021] [--agency 单位名称] [--persons 名额] -o 推荐表.xlsx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitBad
	}
	switch *kind {
	case "recommend":
		if *formFile != "" {
			fmt.Fprintln(stderr, "kaohe template：--form-file 只用于考核表；推荐表用 --year 选择内置的年度")
			return exitBad
		}
		return writeRecommendBlank(*year, *agency, *persons, *out, stdout, stderr)
	case "assess", "":
	default:
		fmt.Fprintf(stderr, "kaohe template：--form 只能是 assess（考核表）或 recommend（推荐表），不是 %q\n", *kind)
		return exitBad
	}
	if *agency != "" || *persons >= 0 {
		fmt.Fprintln(stderr, "kaohe template：--agency 和 --persons 只用于推荐表（--form recommend）")
		return exitBad
	}
	form, ok := loadCommandForm("template", *formFile, *year, stderr)
	if !ok {
		return exitBad
	}
	if err := atomicfile.Write(*out, store.FileMode, func(w io.Writer) error { return templates.WriteBlank(form, w) }); err != nil {
		fmt.Fprintf(stderr, "kaohe template：写入 %s 失败：%v\n", *out, err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已生成空白考核表：%s（%s）\n", *out, form.Title)
	return exitOK
}

// writeRecommendBlank writes the 推荐表 of a year; persons < 0 means no
// quota given: the definition's number of rows.
func writeRecommendBlank(year int, agency string, persons int, out string, stdout, stderr io.Writer) int {
	def, err := recommend.Load(year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe template：没有 %d 年度的推荐表（内置年度：%v）\n", year, recommend.Years())
		return exitBad
	}
	if persons > 50 {
		fmt.Fprintf(stderr, "kaohe template：--persons %d 过大，名额不能超过 50\n", persons)
		return exitBad
	}
	opts := recommend.BlankOptions{Agency: agency}
	if persons >= 0 {
		opts.Persons, opts.Quota = persons, true
	}
	if err := atomicfile.Write(out, store.FileMode, func(w io.Writer) error { return recommend.WriteBlank(w, def, opts) }); err != nil {
		fmt.Fprintf(stderr, "kaohe template：写入 %s 失败：%v\n", out, err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已生成空白推荐表：%s（%s）\n", out, def.Title)
	return exitOK
}
