package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"kaohe/formdef"
	"kaohe/internal/atomicfile"
	"kaohe/templates"
)

// definitionMode is a definition file's mode: the service reads it as its
// own dynamic user, and it holds nothing private.
const definitionMode = 0o644

// maxFormFile bounds a definition file: the 2021 one is 20 KB.
const maxFormFile = 4 << 20

const formUsage = `用法：
  kaohe form check [--json] 定义.yaml      检查考核表定义文件，逐条指出问题和所在行
  kaohe form draft [--base 定义.yaml] 空白考核表.xlsx [-o form-2022.yaml]
                                           按办事处的空白考核表起草定义文件，待核对补全
  kaohe form source [--year 2021] [-o F]  打印程序内置的某年度定义（带注释），可复制后修改`

func runForm(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, formUsage)
		return exitBad
	}
	switch args[0] {
	case "check":
		return runFormCheck(args[1:], stdout, stderr)
	case "draft":
		return runFormDraft(args[1:], stdout, stderr)
	case "source":
		return runFormSource(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "kaohe form：未知子命令 %q\n%s\n", args[0], formUsage)
	return exitBad
}

// runFormCheck lints a definition: exit 0 when it has no problem and its
// blank form reads back, 1 with problems, 2 when it cannot be read.
func runFormCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("form check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "输出 JSON：读到的字段、各部分、指标（编号、所属部分、标准分、可得分数、考核部门）和问题")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe form check [--json] 定义.yaml")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return exitBad
	}
	if len(files) != 1 {
		fs.Usage()
		return exitBad
	}
	path := files[0]
	data, err := readLimited(path, maxFormFile)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe form check：无法读取 %s：%s\n", path, describeOpenError(err))
		return exitBad
	}
	res := formdef.Check(data)
	sum := formdef.Summarize(path, res)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return exitBad
		}
	} else {
		writeFormCheck(stdout, sum)
	}
	switch {
	case res.Unreadable:
		return exitBad
	case len(res.Problems) > 0:
		return exitNeedsFix
	}
	return exitOK
}

func writeFormCheck(w io.Writer, s formdef.Summary) {
	fmt.Fprintf(w, "考核表定义：%s\n", s.File)
	if s.Unreadable {
		for _, p := range s.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		fmt.Fprintln(w, "文件无法读取，请按提示改正后重新检查。")
		return
	}
	nf, ns, ni := s.Counts()
	fmt.Fprintf(w, "年度 %d，定义编号 %s：字段 %d 个，%d 个部分，指标 %d 项，总分值 %g\n", s.Year, s.ID, nf, ns, ni, s.TotalCap)
	if len(s.Problems) > 0 {
		fmt.Fprintf(w, "\n发现 %d 处问题：\n", len(s.Problems))
		for _, p := range s.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		fmt.Fprintln(w, "\n请逐条改正后重新运行 kaohe form check。")
		return
	}
	fmt.Fprintln(w, "\n未发现问题：按本定义生成的空白表已读回，字段和指标全部找到；按它正确填写的样表检查通过。")
	fmt.Fprintf(w, "下一步：kaohe template --form-file %s -o 考核表.xlsx 生成空白表；在配置中设 campaign.form_file 后重启 kaohe serve。\n", s.File)
}

// runFormDraft writes a draft definition from the office's blank workbook,
// to -o (never over an existing file) or to standard output.
func runFormDraft(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("form draft", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "草稿写入的文件，如 form-2022.yaml（不覆盖已有文件）；不填则打印到标准输出")
	baseFile := fs.String("base", "", "上一年度的定义文件：同名字段、同样考核标准的指标沿用它的设置；默认用程序内置的最新年度")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe form draft [--base 定义.yaml] 空白考核表.xlsx [-o form-2022.yaml]")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return exitBad
	}
	if len(files) != 1 {
		fs.Usage()
		return exitBad
	}
	years := templates.Years()
	base, ok := loadCommandForm("form draft", *baseFile, years[len(years)-1], stderr)
	if !ok {
		return exitBad
	}
	path := files[0]
	data, err := readLimited(path, formdef.MaxBlankSize)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe form draft：无法读取 %s：%s\n", path, describeOpenError(err))
		return exitBad
	}
	draft, err := formdef.Draft(data, base)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe form draft：%s：%v\n", path, err)
		return exitBad
	}
	if code, done := writeDefinition("form draft", *out, draft, stdout, stderr); done {
		return code
	}
	marks := strings.Count(string(draft), "# 请核对")
	fmt.Fprintf(stdout, "已生成定义草稿：%s，其中 %d 处标有“请核对”。\n", *out, marks)
	fmt.Fprintf(stdout, "下一步：逐条核对后运行 kaohe form check %s，直到没有问题。\n", *out)
	return exitOK
}

// parseInterspersed parses flags given before or after the file names, as
// `kaohe form draft 考核表.xlsx -o form-2022.yaml` writes them.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// runFormSource prints a built-in definition, comments and all: the
// starting point of a copy when the office has no new blank to draft from.
func runFormSource(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("form source", flag.ContinueOnError)
	fs.SetOutput(stderr)
	year := fs.Int("year", 0, "年度；默认为程序内置的最新年度")
	out := fs.String("o", "", "写入的文件（不覆盖已有文件）；不填则打印到标准输出")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "用法：kaohe form source [--year 2021] [-o form-2022.yaml]")
		return exitBad
	}
	if *year == 0 {
		years := templates.Years()
		*year = years[len(years)-1]
	}
	src, err := templates.Source(*year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe form source：没有 %d 年度的考核表（可用：%v）\n", *year, templates.Years())
		return exitBad
	}
	if code, done := writeDefinition("form source", *out, src, stdout, stderr); done {
		return code
	}
	fmt.Fprintf(stdout, "已写出 %d 年度的定义：%s。修改后运行 kaohe form check %s。\n", *year, *out, *out)
	return exitOK
}

// loadCommandForm loads the form a command works with: the definition in
// file when one is named, else the built-in form of year; ok is false when
// there is none (the problem is printed).
func loadCommandForm(cmd, file string, year int, stderr io.Writer) (*templates.Form, bool) {
	if file != "" {
		form, err := templates.LoadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "kaohe %s：考核表定义文件 %s 无法使用，请运行 kaohe form check %s 查看每处问题：\n%v\n", cmd, file, file, err)
			return nil, false
		}
		return form, true
	}
	form, err := templates.Load(year)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe %s：没有 %d 年度的考核表（可用：%v；其他年度请用 --form-file 指定定义文件）\n", cmd, year, templates.Years())
		return nil, false
	}
	return form, true
}

// formLine says which form definition is in effect, for config check.
func formLine(form *templates.Form, file string) string {
	from := "程序内置"
	if file != "" {
		from = "定义文件 " + file
	}
	return fmt.Sprintf("考核表：%s（%d 年度，定义编号 %s，%s）", form.Title, form.Year, form.ID, from)
}

// writeDefinition writes a definition to stdout when out is "", else to the
// new file out, never over an existing one. done is true when the command
// ends here: written to stdout, or failed.
func writeDefinition(cmd, out string, def []byte, stdout, stderr io.Writer) (code int, done bool) {
	if out == "" {
		if _, err := stdout.Write(def); err != nil {
			return exitBad, true
		}
		return exitOK, true
	}
	if _, err := os.Lstat(out); err == nil {
		fmt.Fprintf(stderr, "kaohe %s：%s 已存在，没有覆盖；请换一个文件名或先把它移走\n", cmd, out)
		return exitBad, true
	}
	if err := atomicfile.WriteBytes(out, def, definitionMode); err != nil {
		fmt.Fprintf(stderr, "kaohe %s：写入 %s 失败：%v\n", cmd, out, err)
		return exitBad, true
	}
	return exitOK, false
}
