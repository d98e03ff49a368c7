// Command kaohe runs the yearly agency self-assessment: it checks filled
// 考核表 workbooks, watches the office mailbox, answers every sender and
// builds the staff workbook. Run `kaohe help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"kaohe/sandbox"
)

// exit codes of `kaohe check` and of usage errors.
const (
	exitOK       = 0
	exitNeedsFix = 1
	exitBad      = 2
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "检查一个或多个填好的考核表（.xlsx），打印问题清单和核定分", runCheck},
		{"template", "生成空白考核表（.xlsx）", runTemplate},
		{"form", "新年度考核表：kaohe form check 检查定义文件，kaohe form draft 按空白表起草定义", runForm},
		{"serve", "运行邮箱守护进程：收表、检查、回复、汇总", runServe},
		{"consolidate", "生成汇总工作簿（汇总.xlsx）", runConsolidate},
		{"reprocess", "用当前规则重新检查存档中的全部邮件（不动邮箱）", runReprocess},
		{"rebuild", "从存档补回数据库缺少的邮件记录（恢复备份或数据库损坏之后），不重发邮件", runRebuild},
		{"review", "导入工作人员填写了审核分的汇总工作簿：kaohe review import FILE", runReview},
		{"results", "考核结果：计算等级、排名和优秀个人名额，生成考核结果.xlsx；kaohe results import FILE 导入审定", runResults},
		{"demo", "在内置邮件服务器上演示完整流程，结果写入 ./demo-out", runDemo},
		{"config", "配置：kaohe config example 打印带注释的配置样例", runConfig},
	}
}

func main() {
	restrictUmask()
	// A workbook reader re-executes this binary; it never returns then.
	sandbox.MaybeWorker()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kaohe：未知命令 %q\n\n", args[0])
	usage(stderr)
	return exitBad
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kaohe —— 代办处年度考核表的收取、检查、回复与汇总")
	fmt.Fprintln(w, "\n用法：kaohe 命令 [参数]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n每个命令加 -h 查看参数。")
}
