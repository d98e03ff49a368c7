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
	formFile := fs.String("form-file", "", "考核表定义文件（YAML）：按它生成空白表，而不用程序内置的表")
	out := fs.String("o", "", "输出文件，例如 考核表.xlsx（必填）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe template [--year 2021 | --form-file 定义.yaml] -o 考核表.xlsx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
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
