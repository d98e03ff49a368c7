package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"kaohe/config"
)

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "用法：kaohe config example          打印带注释的配置样例")
		fmt.Fprintln(stderr, "      kaohe config check [--config F] 检查配置（不连接服务器），打印生效的设置（密码不显示）")
		return exitBad
	}
	switch args[0] {
	case "example":
		fmt.Fprint(stdout, config.Example())
		return exitOK
	case "check", "show":
		fs := flag.NewFlagSet("config check", flag.ContinueOnError)
		fs.SetOutput(stderr)
		path := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）")
		if err := fs.Parse(args[1:]); err != nil {
			return exitBad
		}
		cfg, err := config.LoadFor(*path, os.LookupEnv, config.ModeServe)
		fmt.Fprint(stdout, cfg.Redacted().String())
		if cfg.DataDir != "" {
			fmt.Fprintln(stdout, "\n"+dataDirLine(cfg.DataDir))
		}
		if err != nil {
			fmt.Fprintf(stderr, "\n配置有误：\n%v\n", err)
			return exitNeedsFix
		}
		fmt.Fprintln(stdout, "\n配置无误。")
		return exitOK
	}
	fmt.Fprintf(stderr, "kaohe config：未知子命令 %q（可用：example、check）\n", args[0])
	return exitBad
}
