package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/mailbox"
	"kaohe/pipeline"
	"kaohe/store"
)

func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）；与 kaohe serve 用同一份")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe rebuild [--config kaohe.toml]")
		fmt.Fprintln(stderr, "从存档 archive/ 补回数据库中缺少的邮件记录（例如恢复了较早的备份之后）；不重发任何邮件。须先停止守护进程。")
		fs.PrintDefaults()
	}
	cfg, ok := parseConfig("rebuild", fs, args, cfgPath, config.ModeServe, stderr)
	if !ok {
		return exitBad
	}
	log := newLogger(cfg.Log, stderr)
	// Nothing is sent, and every reply is queued now: the per-recipient cap
	// would count replies of past weeks as one hour's and wrongly leave
	// messages "rate_limited".
	cfg.SMTP.PerRecipientPerHour = 0
	d, err := newDaemon(cfg, log, daemonOptions{})
	if err != nil {
		switch {
		case reportDamaged(stderr, "rebuild", cfg.DataDir, err):
		case errors.Is(err, store.ErrLocked):
			fmt.Fprintf(stderr, "kaohe rebuild：数据目录 %s 正被运行中的 kaohe 使用。请先停止守护进程（systemctl stop kaohe），重建完成后再启动。（%v）\n", cfg.DataDir, err)
		default:
			fmt.Fprintf(stderr, "kaohe rebuild：无法开始：%v\n", err)
		}
		return exitBad
	}
	defer d.Close()
	// Mail still waiting in the mailbox is the daemon's to process and
	// answer; recording it here as answered would leave it unanswered.
	waiting, err := mailbox.Waiting(ctx, mailboxConfig(cfg, daemonOptions{}, log))
	if err != nil {
		fmt.Fprintf(stderr, "kaohe rebuild：无法读取邮箱 %s 的 %s：%v\n本次什么也没有做：不知道哪些来信还在等待处理，就可能把没回复过的来信记成已回复。请检查 IMAP 设置和网络后重试。\n",
			cfg.IMAP.Addr, cfg.IMAP.Mailbox, err)
		return exitNeedsFix
	}
	rep, err := d.pipe.Rebuild(ctx, d.campaign, waiting)
	if err != nil {
		if reportDamaged(stderr, "rebuild", cfg.DataDir, err) {
			return exitBad
		}
		fmt.Fprintf(stderr, "kaohe rebuild：%v\n", err)
		return exitNeedsFix
	}
	if len(rep.Rebuilt) > 0 {
		if _, err := d.campaign.Regenerate(ctx); err != nil {
			fmt.Fprintf(stderr, "kaohe rebuild：记录已补回，但汇总工作簿未能更新（守护进程启动后会重新生成）：%v\n", err)
		}
	}
	printRebuild(stdout, rep, cfg.DataDir)
	if len(rep.Failed) > 0 {
		return exitNeedsFix
	}
	return exitOK
}

// printRebuild tells the operator what rebuild did.
func printRebuild(w io.Writer, r pipeline.RebuildReport, dataDir string) {
	rel := func(p string) string {
		if q, err := filepath.Rel(dataDir, p); err == nil {
			return q
		}
		return p
	}
	fmt.Fprintf(w, "已从存档补回 %d 封邮件的记录；%d 封原已在数据库中；%d 封仍在收件箱等待，留给守护进程照常处理和回复；%d 封失败。\n",
		len(r.Rebuilt), r.Present, r.Waiting, len(r.Failed))
	if len(r.Rebuilt) > 0 {
		bySource := map[pipeline.TimeSource]int{}
		for _, it := range r.Rebuilt {
			bySource[it.Source]++
		}
		var parts []string
		for _, s := range []pipeline.TimeSource{pipeline.FromReceivedLog, pipeline.FromReceived, pipeline.FromDate, pipeline.FromFile} {
			if n := bySource[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d 封取自%s", n, s))
			}
		}
		fmt.Fprintf(w, "收到时间（决定是否按期）：%s。\n", strings.Join(parts, "，"))
		fmt.Fprintln(w, "补回的邮件：")
		for _, it := range r.Rebuilt {
			fmt.Fprintf(w, "  %s  收到于 %s（%s）\n", rel(it.Mail.Path), it.At.In(cst.Location()).Format("2006-01-02 15:04:05"), it.Source)
		}
	}
	if len(r.Failed) > 0 {
		fmt.Fprintln(w, "失败的邮件（原始邮件仍在存档中，未做任何改动）：")
		for _, f := range r.Failed {
			fmt.Fprintln(w, "  "+f)
		}
	}
	fmt.Fprintf(w, "为补回的邮件生成的 %d 封回执和通知记为已发送，不会重发；邮箱未做任何改动。\n", r.MarkedAs)
	switch {
	case len(r.Rebuilt) == 0:
	case r.Noticed:
		fmt.Fprintln(w, "工作人员当初已收到这些邮件的通知，不再重复通知。")
	default:
		fmt.Fprintln(w, "数据库中还有尚未通知工作人员的邮件：下一次通知会一并列出其中逾期、名单外或无法读取的补回邮件。")
	}
}
