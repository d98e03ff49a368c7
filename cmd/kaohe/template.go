package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"kaohe/internal/atomicfile"
	"kaohe/store"
	"kaohe/templates"
)

func runTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(stderr)
	year := fs.Int("year", 2021, "考核表年度")
	out := fs.String("o", "", "输出文件，例如 考核表.xlsx（必填）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe template [--year 2021] -o 考核表.xlsx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitBad
	}
	form, err := templates.Load(*year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe template：没有 %d 年度的考核表（可用：%v）\n", *year, templates.Years())
		return exitBad
	}
	if err := atomicfile.Write(*out, store.FileMode, func(w io.Writer) error { return templates.WriteBlank(form, w) }); err != nil {
		fmt.Fprintf(stderr, "kaohe template：写入 %s 失败：%v\n", *out, err)
		return exitBad
	}
	fmt.Fprintf(stdout, "已生成空白考核表：%s（%s）\n", *out, form.Title)
	return exitOK
}
