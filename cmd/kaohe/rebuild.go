package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kaohe/config"
	"kaohe/ingest"
	"kaohe/internal/cst"
	"kaohe/internal/fault"
	"kaohe/store"
)

// timeSource says where a rebuilt message's receipt time came from.
type timeSource string

const (
	fromReceivedLog timeSource = "收信记录"       // the INTERNALDATE noted when it was first recorded
	fromReceived    timeSource = "Received 头" // the last hop's date: the receiving server's
	fromDate        timeSource = "Date 头"     // the sender's clock
	fromFile        timeSource = "存档文件时间"     // when it was archived: at or after its arrival
)

// rebuildItem is one archived mail the database lacks.
type rebuildItem struct {
	mail   store.ArchivedMail
	raw    []byte
	at     time.Time
	source timeSource
}

// rebuildReport is what `kaohe rebuild` did.
type rebuildReport struct {
	rebuilt  []rebuildItem
	present  int
	waiting  int
	failed   []string // "file: error"
	markedAs int      // queued mail recorded as sent
	// noticed: staff notices will not report the re-created messages again.
	noticed bool
}

func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "配置文件（也可用环境变量 KAOHE_CONFIG）；与 kaohe serve 用同一份")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe rebuild [--config kaohe.toml]")
		fmt.Fprintln(stderr, "从存档 archive/ 补回数据库中缺少的邮件记录（例如恢复了较早的备份之后）；不重发任何邮件。须先停止守护进程。")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	cfg, err := config.LoadFor(*cfgPath, os.LookupEnv, config.ModeServe)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe rebuild：配置有误：\n%v\n", err)
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
	waiting, err := ingest.Waiting(ctx, mailboxConfig(cfg, daemonOptions{}, log))
	if err != nil {
		fmt.Fprintf(stderr, "kaohe rebuild：无法读取邮箱 %s 的 %s：%v\n本次什么也没有做：不知道哪些来信还在等待处理，就可能把没回复过的来信记成已回复。请检查 IMAP 设置和网络后重试。\n",
			cfg.IMAP.Addr, cfg.IMAP.Mailbox, err)
		return exitNeedsFix
	}
	rep, err := rebuild(ctx, d, waiting)
	if err != nil {
		if reportDamaged(stderr, "rebuild", cfg.DataDir, err) {
			return exitBad
		}
		fmt.Fprintf(stderr, "kaohe rebuild：%v\n", err)
		return exitNeedsFix
	}
	if len(rep.rebuilt) > 0 {
		if _, err := d.campaign.Regenerate(ctx); err != nil {
			fmt.Fprintf(stderr, "kaohe rebuild：记录已补回，但汇总工作簿未能更新（守护进程启动后会重新生成）：%v\n", err)
		}
	}
	rep.print(stdout, cfg.DataDir)
	if len(rep.failed) > 0 {
		return exitNeedsFix
	}
	return exitOK
}

// rebuild runs every archived mail that the database holds no decision for
// through the daemon's own pipeline, oldest first, and records what it
// queued as sent.
func rebuild(ctx context.Context, d *daemon, waiting map[string]bool) (rebuildReport, error) {
	var rep rebuildReport
	archived, err := d.store.Archived()
	if err != nil {
		return rep, err
	}
	done, err := d.store.DoneHashes(ctx)
	if err != nil {
		return rep, err
	}
	noted, err := d.store.ReceivedTimes()
	if err != nil {
		return rep, err
	}
	pending, err := d.campaign.NoticesPending(ctx)
	if err != nil {
		return rep, err
	}
	var todo []rebuildItem
	for _, a := range archived {
		switch {
		case done[a.Hash]:
			rep.present++
			continue
		case waiting[a.Hash]:
			rep.waiting++
			continue
		}
		raw, err := d.store.ReadArchived(a.Hash)
		if err != nil {
			rep.failed = append(rep.failed, fmt.Sprintf("%s：%v", a.Path, err))
			continue
		}
		it := rebuildItem{mail: a, raw: raw}
		it.at, it.source = receivedTime(raw, noted[a.Hash], a.ModTime)
		todo = append(todo, it)
	}
	// In order of arrival, so that an agency's versions are numbered as
	// they were and its newest on-time form is its current one.
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].at.Before(todo[j].at) })
	for _, it := range todo {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		err := d.pipe.Handle(ctx, ingest.Fetched{Mailbox: "archive", InternalDate: it.at, Size: int64(len(it.raw)), Raw: it.raw})
		if err != nil {
			if errors.Is(err, context.Canceled) || fault.Corrupt(err) {
				return rep, err
			}
			rep.failed = append(rep.failed, fmt.Sprintf("%s：%v", it.mail.Path, err))
			continue
		}
		n, err := d.store.MarkRebuiltSent(ctx, it.mail.Hash, d.now())
		if err != nil {
			return rep, err
		}
		rep.markedAs += n
		rep.rebuilt = append(rep.rebuilt, it)
	}
	if pending || len(rep.rebuilt) == 0 {
		// Staff will hear of what is pending, the re-created among it,
		// rather than miss anything.
		return rep, nil
	}
	through, err := lastMessageRow(ctx, d.store)
	if err == nil {
		err = d.campaign.SkipNotices(ctx, through)
	}
	rep.noticed = err == nil
	return rep, err
}

// lastMessageRow is the highest message row id, 0 for none.
func lastMessageRow(ctx context.Context, st *store.Store) (int64, error) {
	msgs, err := st.Messages(ctx, store.MessageFilter{})
	if err != nil {
		return 0, err
	}
	var last int64
	for _, m := range msgs {
		last = max(last, m.ID)
	}
	return last, nil
}

// receivedTime is the best stand-in for a mail's IMAP INTERNALDATE, which
// the archive file does not keep: the time noted when it was first
// recorded; else the date of its topmost Received: header, written by the
// server that delivered it to the mailbox; else its Date: header; else the
// archive file's time, which is at or after its arrival.
func receivedTime(raw []byte, noted, fileTime time.Time) (time.Time, timeSource) {
	if !noted.IsZero() {
		return noted, fromReceivedLog
	}
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		if rs := m.Header["Received"]; len(rs) > 0 {
			if i := strings.LastIndexByte(rs[0], ';'); i >= 0 {
				if t, err := mail.ParseDate(strings.TrimSpace(rs[0][i+1:])); err == nil {
					return t, fromReceived
				}
			}
		}
		if t, err := m.Header.Date(); err == nil {
			return t, fromDate
		}
	}
	return fileTime, fromFile
}

func (r rebuildReport) print(w io.Writer, dataDir string) {
	rel := func(p string) string {
		if q, err := filepath.Rel(dataDir, p); err == nil {
			return q
		}
		return p
	}
	fmt.Fprintf(w, "已从存档补回 %d 封邮件的记录；%d 封原已在数据库中；%d 封仍在收件箱等待，留给守护进程照常处理和回复；%d 封失败。\n",
		len(r.rebuilt), r.present, r.waiting, len(r.failed))
	if len(r.rebuilt) > 0 {
		bySource := map[timeSource]int{}
		for _, it := range r.rebuilt {
			bySource[it.source]++
		}
		var parts []string
		for _, s := range []timeSource{fromReceivedLog, fromReceived, fromDate, fromFile} {
			if n := bySource[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d 封取自%s", n, s))
			}
		}
		fmt.Fprintf(w, "收到时间（决定是否按期）：%s。\n", strings.Join(parts, "，"))
		fmt.Fprintln(w, "补回的邮件：")
		for _, it := range r.rebuilt {
			fmt.Fprintf(w, "  %s  收到于 %s（%s）\n", rel(it.mail.Path), it.at.In(cst.Location()).Format("2006-01-02 15:04:05"), it.source)
		}
	}
	if len(r.failed) > 0 {
		fmt.Fprintln(w, "失败的邮件（原始邮件仍在存档中，未做任何改动）：")
		for _, f := range r.failed {
			fmt.Fprintln(w, "  "+f)
		}
	}
	fmt.Fprintf(w, "为补回的邮件生成的 %d 封回执和通知记为已发送，不会重发；邮箱未做任何改动。\n", r.markedAs)
	switch {
	case len(r.rebuilt) == 0:
	case r.noticed:
		fmt.Fprintln(w, "工作人员当初已收到这些邮件的通知，不再重复通知。")
	default:
		fmt.Fprintln(w, "数据库中还有尚未通知工作人员的邮件：下一次通知会一并列出其中逾期、名单外或无法读取的补回邮件。")
	}
}
