package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"kaohe/campaign"
	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/internal/atomicfile"
	"kaohe/internal/cst"
	"kaohe/internal/mailserver"
	"kaohe/store"
	"kaohe/templates"
)

// demoMarker marks a folder `kaohe demo` made: only such a folder is
// emptied by the next run.
const demoMarker = ".kaohe-demo"

// demoOptions say how big a campaign the demo plays and where it writes.
type demoOptions struct {
	Out      string
	Agencies int
	Keep     bool
	Log      io.Writer // the daemon's log; nil: warnings only, to stderr
}

// demoResult is what a demo run produced.
type demoResult struct {
	Scenario *demo.Scenario
	// Recommended are the agencies' 推荐表 mails, written once the result
	// notices they answer were sent.
	Recommended []demo.Mail
	Replies     []mailserver.Delivery // receipts to agencies and strangers
	Reminders   []mailserver.Delivery // deadline reminders to agencies
	Staff       []mailserver.Delivery // to the office's staff
	Results     []mailserver.Delivery // result notices (考核结果) to agencies
	Finals      []mailserver.Delivery // final lists (确定名单反馈) to agencies
	Summary     consolidate.Summary
	// Password opens every mailbox of the demo's mail server: new for
	// every run, since --keep leaves the servers listening.
	Password string
	Took     time.Duration
	Panics   uint64 // recovered while handling the demo's mail: 0, or a bug
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := demoOptions{}
	fs.StringVar(&opts.Out, "o", "demo-out", "输出目录")
	fs.IntVar(&opts.Agencies, "agencies", 20, fmt.Sprintf("演示用代办处数量（至少 %d）", demo.MinAgencies))
	fs.BoolVar(&opts.Keep, "keep", false, "演示结束后保持邮件服务器和守护进程运行，可用邮件客户端连接（Ctrl-C 退出）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法：kaohe demo [-o demo-out] [--keep]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if _, err := playDemo(ctx, opts, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "kaohe demo：%v\n", err)
		return exitBad
	}
	return exitOK
}

// playDemo starts the mail servers, feeds them the campaign, runs the real
// daemon until the mailbox is drained and the outbox empty, and writes
// everything into opts.Out.
func playDemo(ctx context.Context, opts demoOptions, stdout, stderr io.Writer) (*demoResult, error) {
	start := time.Now()
	form := templates.MustLoad(2021)
	sc, err := demo.Build(form, opts.Agencies)
	if err != nil {
		return nil, err
	}
	if err := prepareDemoOut(opts.Out); err != nil {
		return nil, err
	}
	dataDir := filepath.Join(opts.Out, "data")
	for _, d := range []string{filepath.Join(opts.Out, "回执"), filepath.Join(opts.Out, "批注表")} {
		if err := os.Mkdir(d, store.DirMode); err != nil {
			return nil, err
		}
	}
	rosterPath := filepath.Join(opts.Out, "名册.csv")
	if err := atomicfile.WriteBytes(rosterPath, sc.RosterCSV, store.FileMode); err != nil {
		return nil, err
	}

	// The office's clock follows the scenario: it is set to each moment
	// of the campaign in turn and runs on at the real pace from there, so
	// that every receipt is dated after the mail it answers and every
	// summary after the mail it counts.
	clock := &demoClock{}
	clock.Set(sc.Mails[0].At)

	fmt.Fprintln(stdout, "▶ 启动内置邮件服务器（IMAP + SMTP，仅本机）")
	srv, err := mailserver.Start(mailserver.Options{Now: clock.Now})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	password := rand.Text()[:16]
	for _, addr := range []string{demo.Office, demo.Staff} {
		if err := srv.AddUser(addr, password); err != nil {
			return nil, err
		}
	}
	for _, a := range sc.Agencies {
		if err := srv.AddUser(a.Email, password); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(stdout, "▶ 名册：%d 个代办处 → %s\n", len(sc.Agencies), rosterPath)

	cfg := demoConfig(sc, srv, password, dataDir, rosterPath)
	log := demoLogger(opts, stderr)

	d, err := newDaemon(cfg, log, daemonOptions{Now: clock.Now})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "▶ 按时间顺序把 %d 封邮件投到考核邮箱 %s（2021年12月—2022年1月，截止 %s），\n", len(sc.Mails), demo.Office, sc.Cutoff.Format("2006-01-02 15:04"))
	fmt.Fprintln(stdout, "  守护进程随即处理（与 kaohe serve 相同的流程）：收信、检查、评分、存储、回复、提醒、汇总")
	if err := playSteps(ctx, d, srv, clock, demoSteps(sc, cfg.Campaign), stdout); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "    已处理 %d/%d 封，回执已发出\n", d.pipe.Handled(), len(sc.Mails))
	recommended, err := playAfterDeadline(ctx, d, srv, clock, sc, opts.Out, stdout)
	if err != nil {
		return nil, err
	}

	res := &demoResult{Scenario: sc, Recommended: recommended, Password: password, Panics: d.metrics.Panics()}
	if err := exportDeliveries(srv.Deliveries(), opts.Out, res); err != nil {
		return nil, err
	}
	_, res.Summary, err = d.campaign.Build(ctx)
	if err != nil {
		return nil, err
	}
	wb, err := os.ReadFile(campaign.WorkbookPath(dataDir))
	if err != nil {
		return nil, fmt.Errorf("staff workbook: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(opts.Out, "汇总.xlsx"), wb, store.FileMode); err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	printDemoSummary(stdout, opts.Out, res)
	if opts.Keep {
		keepDemo(ctx, d, srv, sc, password, stdout)
	}
	return res, nil
}

// demoConfig is the daemon's configuration for the demo: the built-in
// mail servers, the scenario's roster and cut-off.
func demoConfig(sc *demo.Scenario, srv *mailserver.Server, password, dataDir, rosterPath string) config.Config {
	cfg := config.Default()
	cfg.DataDir, cfg.Roster = dataDir, rosterPath
	cfg.IMAP.Addr, cfg.IMAP.TLS, cfg.IMAP.User, cfg.IMAP.Password = srv.IMAPAddr, config.NoTLS, demo.Office, config.Secret(password)
	cfg.IMAP.PollInterval = 2 * time.Second
	cfg.SMTP.Addr, cfg.SMTP.TLS = srv.SMTPAddr, config.NoTLS
	cfg.SMTP.PerRecipientPerHour = 20
	cfg.Reply.From = "中国职工保险互助会北京办事处组织机构部 <" + demo.Office + ">"
	cfg.Campaign.Staff = []string{demo.Staff}
	cfg.Campaign.Cutoff = sc.Cutoff
	// The day's summary is due at 09:00 here, with the reminders, so that
	// the demo shows one on each reminder day.
	cfg.Campaign.DailySummaryTime = cst.TimeOfDay{Hour: 9}
	// The office's figures for after the deadline, which the notice leaves
	// to it: 30 优秀个人 for the demo's roster, recommendations due by
	// 15 April (demo.Scenario.RecommendCutoff).
	cfg.Results.IndividualQuota = 30
	cfg.Results.RecommendCutoff = sc.RecommendCutoff
	// A 公示 lasts five working days; the 2022 holidays of the season
	// (Spring Festival, Qingming) are not working days.
	cfg.Results.PublicityDays = 5
	for _, d := range []string{"2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04", "2022-04-04", "2022-04-05"} {
		day, _ := time.ParseInLocation(time.DateOnly, d, cst.Location())
		cfg.Results.Holidays = append(cfg.Results.Holidays, day)
	}
	cfg.HTTP.Listen = ""
	return cfg
}

// demoLogger is the daemon's log in the demo: opts.Log at info level, or
// warnings only to stderr.
func demoLogger(opts demoOptions, stderr io.Writer) zerolog.Logger {
	logOut := opts.Log
	level := zerolog.InfoLevel
	if logOut == nil {
		logOut, level = stderr, zerolog.WarnLevel
	}
	return newLogger(config.Log{Level: level.String(), Format: "console"}, logOut)
}

// keepDemo leaves the servers and the daemon running for a person with a
// mail client, until Ctrl-C.
func keepDemo(ctx context.Context, d *daemon, srv *mailserver.Server, sc *demo.Scenario, password string, w io.Writer) {
	fmt.Fprintln(w, "\n邮件服务器保持运行（Ctrl-C 退出）。用邮件客户端（如 Thunderbird）连接：")
	fmt.Fprintf(w, "  IMAP %s（无加密），SMTP %s（无加密），密码均为 %s（本次运行随机生成，只显示这一次）\n", srv.IMAPAddr, srv.SMTPAddr, password)
	fmt.Fprintf(w, "  考核邮箱：%s；工作人员：%s\n", demo.Office, demo.Staff)
	fmt.Fprintf(w, "  代办处邮箱，例如：%s（%s）\n", sc.Agencies[0].Email, sc.Agencies[0].Name)
	fmt.Fprintln(w, "  以代办处身份把考核表发到考核邮箱，几秒后即可在该代办处的收件箱看到回执。")
	fmt.Fprintln(w, "  演示的时钟此时已过报送截止时间，新发来的考核表按逾期处理。")
	if err := d.run(ctx); err != nil {
		fmt.Fprintf(w, "守护进程停止：%v\n", err)
	}
}

// prepareDemoOut makes out ready for a demo and marks it as the demo's:
// a new folder, an empty one, or one an earlier demo made (emptied first).
// Any other folder is refused, for it may hold someone's files.
func prepareDemoOut(out string) error {
	fi, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("输出目录 %s 无法读取：%w", out, err)
	case !fi.IsDir():
		return fmt.Errorf("%s 是一个文件，不是文件夹：请用 -o 指定一个新的或空的文件夹", out)
	default:
		entries, err := os.ReadDir(out)
		if err != nil {
			return fmt.Errorf("输出目录 %s 无法读取：%w", out, err)
		}
		if len(entries) == 0 {
			break
		}
		if m, err := os.Lstat(filepath.Join(out, demoMarker)); err != nil || !m.Mode().IsRegular() {
			return fmt.Errorf("输出目录 %s 里已有文件，且不是 kaohe demo 建的。为免删掉其中的文件，演示不写入这里：请用 -o 指定一个新的或空的文件夹，或先自行清空它", out)
		}
		if err := os.RemoveAll(out); err != nil {
			return fmt.Errorf("清空上次演示的输出目录 %s：%w", out, err)
		}
	}
	if _, err := store.SecureDir(out); err != nil {
		return fmt.Errorf("创建输出目录 %s：%w", out, err)
	}
	return atomicfile.WriteBytes(filepath.Join(out, demoMarker),
		[]byte("kaohe demo 的输出目录：再次运行 kaohe demo -o 这个目录时，其中的内容会被清空重写。\n"), store.FileMode)
}
