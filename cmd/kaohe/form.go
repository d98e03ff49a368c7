package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"kaohe/formdef"
)

// maxFormFile bounds a definition file: the 2021 one is 20 KB.
const maxFormFile = 4 << 20

const formUsage = `用法：
  kaohe form check [--json] 定义.yaml      检查考核表定义文件，逐条指出问题和所在行
  kaohe form draft 空白考核表.xlsx -o form-2022.yaml
                                           按办事处的空白考核表起草定义文件，待核对补全`

func runForm(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, formUsage)
		return exitBad
	}
	switch args[0] {
	case "check":
		return runFormCheck(args[1:], stdout, stderr)
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
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitBad
	}
	path := fs.Arg(0)
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
