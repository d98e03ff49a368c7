package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/mailbox"
	"kaohe/reply"
	"kaohe/store"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）")
	once := fs.Bool("once", false, "处理完邮箱中现有的邮件并发出回执后退出（用于定时任务和测试）")
	checkConfig := fs.Bool("check-config", false, "只检查配置：登录 IMAP 和 SMTP，报告哪些可用，然后退出")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe serve [--config kaohe.toml] [--once] [--check-config]")
		fs.PrintDefaults()
	}
	cfg, ok := parseConfig("serve", fs, args, cfgPath, config.ModeServe, stderr)
	if !ok {
		return exitBad
	}
	log := newLogger(cfg.Log, stderr)
	if *checkConfig {
		if !checkRosterAddresses(cfg.Roster, stdout) {
			fmt.Fprintln(stdout, "请先改正名单中的地址；未连接邮件服务器。")
			return exitNeedsFix
		}
		return checkServers(ctx, cfg, stdout)
	}
	// Every SIGINT/SIGTERM reaches sigs as well as main's ctx: the first
	// stops intake, the second cancels the messages in hand.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	d, err := newDaemon(cfg, log, daemonOptions{Signals: sigs})
	if err != nil {
		log.Error().Err(err).Msg("cannot start")
		if reportDamaged(stderr, "serve", cfg.DataDir, err) {
			return exitBad
		}
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintf(stderr, "kaohe serve：数据目录 %s 正被另一个 kaohe 进程使用，本次不启动，以免重复处理邮件。请先停止那个进程，或换一个数据目录。（%v）\n", cfg.DataDir, err)
		} else {
			fmt.Fprintf(stderr, "kaohe serve：无法启动：%v\n", err)
		}
		return exitBad
	}
	defer d.Close()
	if *once {
		err := d.once(ctx)
		if derr := d.damagedErr(); derr != nil {
			err = derr
		}
		if reportDamaged(stderr, "serve", cfg.DataDir, err) {
			log.Error().Err(err).Msg("database is damaged: stopped")
			return exitBad
		}
		if err != nil {
			log.Error().Err(err).Msg("once")
			return exitNeedsFix
		}
		return exitOK
	}
	if err := d.run(ctx); err != nil {
		if reportDamaged(stderr, "serve", cfg.DataDir, err) {
			return exitBad
		}
		return exitNeedsFix
	}
	return exitOK
}

// newLogger is JSON by default and readable on a terminal.
func newLogger(c config.Log, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil || c.Level == "" {
		level = zerolog.InfoLevel
	}
	console := c.Format == "console"
	if c.Format == "auto" || c.Format == "" {
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				console = true
			}
		}
	}
	// Messages are handled concurrently: writes must not interleave, whatever
	// the writer is.
	w = zerolog.SyncWriter(w)
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// checkServers logs in to both servers and says what works.
func checkServers(ctx context.Context, cfg config.Config, w io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	code := exitOK
	rep, err := mailbox.Inspect(ctx, mailboxConfig(cfg, daemonOptions{}, zerolog.Nop()))
	if err != nil {
		fmt.Fprintf(w, "IMAP %s：失败：%s\n", cfg.IMAP.Addr, explainIMAP(err))
		code = exitNeedsFix
	} else {
		fmt.Fprintf(w, "IMAP %s：登录成功，邮箱 %s 中有 %d 封邮件；", cfg.IMAP.Addr, cfg.IMAP.Mailbox, rep.Messages)
		if rep.Idle {
			fmt.Fprint(w, "支持 IDLE（新邮件即时处理）；")
		} else {
			fmt.Fprintf(w, "不支持 IDLE，每 %s 检查一次；", cfg.IMAP.PollInterval)
		}
		fmt.Fprintf(w, "处理完的邮件标记方式：%s%s\n", markModeLabel(rep.MarkMode, cfg.IMAP.Done), claimsLabel(rep.Claims))
	}
	err = reply.CheckSMTP(ctx, smtpConfig(cfg, daemonOptions{}))
	if err != nil {
		fmt.Fprintf(w, "SMTP %s：失败：%s\n", cfg.SMTP.Addr, reply.ExplainSMTP(err))
		code = exitNeedsFix
	} else {
		fmt.Fprintf(w, "SMTP %s：登录成功，可以发送回执\n", cfg.SMTP.Addr)
	}
	return code
}

// claimsLabel says whether a second kaohe on the mailbox is kept from
// answering the same mail.
func claimsLabel(mode mailbox.ClaimMode) string {
	switch mode {
	case mailbox.ClaimUnavailable:
		return "；邮箱不支持自定义标记：如有第二个 kaohe 读同一邮箱，代办处会收到重复回执"
	case mailbox.ClaimAtomic, mailbox.ClaimReadBack:
		return "；每封邮件处理前先加本机标记，第二个 kaohe 不会重复回复"
	}
	return "" // read-only EXAMINE could not tell
}

func markModeLabel(mode, done string) string {
	switch mode {
	case "move":
		return "移动到文件夹 " + done
	case "copy+uid-expunge":
		return "复制到文件夹 " + done + " 后从收件箱删除"
	case "keyword":
		return "留在收件箱，加处理标记"
	}
	return "留在收件箱，标为已读"
}
