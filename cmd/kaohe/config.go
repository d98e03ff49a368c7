package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"kaohe/config"
	"kaohe/roster"
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
		if form, ferr := cfg.Campaign.Form(); ferr == nil {
			fmt.Fprintln(stdout, formLine(form, cfg.Campaign.FormFile))
		}
		rosterOK := checkRosterAddresses(cfg.Roster, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "\n配置有误：\n%v\n", err)
			return exitNeedsFix
		}
		if !rosterOK {
			return exitNeedsFix
		}
		fmt.Fprintln(stdout, "\n配置无误。")
		return exitOK
	}
	fmt.Fprintf(stderr, "kaohe config：未知子命令 %q（可用：example、check）\n", args[0])
	return exitBad
}

// checkRosterAddresses reads the roster as the daemon will and checks every
// registered address with the parser composing uses, so that a receipt
// that could never be sent is found now. It reports false, after saying
// why on w, when the roster cannot be read or holds such an address. A
// missing file is left to the configuration check, which names the key.
func checkRosterAddresses(path string, w io.Writer) bool {
	if path == "" {
		return true
	}
	if _, err := os.Stat(path); err != nil {
		return true
	}
	r, _, err := roster.Load(path)
	if err != nil {
		fmt.Fprintf(w, "\n名单 %s 无法读取（roster）：%v\n", path, err)
		return false
	}
	ps := r.AddressProblems()
	if len(ps) == 0 {
		return true
	}
	fmt.Fprintf(w, "\n名单 %s（roster）中有 %d 个地址无法收信：\n", path, len(ps))
	for _, p := range ps {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return false
}
