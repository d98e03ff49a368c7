package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"kaohe/config"
	"kaohe/notice"
	"kaohe/reply"
	"kaohe/store"
)

// What `kaohe results publish` and `kaohe results final` share: both mail
// every agency a notice through notice.Publish and speak of it the same
// way, the one of 通知 it 发布, the other of 邮件 it 发送.

// agencyMail is how a subcommand names itself and what it mails.
type agencyMail struct {
	cmd  string // "results publish"
	verb string // 发布, 发送: what a run does
	noun string // 通知, 邮件: what it queues
}

// open opens the season for the subcommand as `kaohe results` does, the
// store shared with the running daemon, with a --dry-run flag whose help
// says what would be sent. A nil env means it failed, with code to exit
// with; else the caller closes env.store.
func (m agencyMail) open(args []string, stderr io.Writer, dryRunHelp string) (env *offlineEnv, fs *flag.FlagSet, dryRun bool, code int) {
	var dry *bool
	env, fs, code = openOffline(m.cmd, args, stderr, config.ModeResults, store.Options{Shared: true}, func(fs *flag.FlagSet) {
		dry = fs.Bool("dry-run", false, dryRunHelp)
	})
	if env == nil {
		return nil, fs, false, code
	}
	return env, fs, *dry, code
}

// composeOptions is the season's compose options for mail to agencies. It
// reports to stderr and answers false when the configuration cannot send:
// cannot says what could not be done without a sender.
func (m agencyMail) composeOptions(env *offlineEnv, stderr io.Writer, cannot string) (reply.ComposeOptions, bool) {
	opts, err := composeOptions(env.cfg, env.form)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe %s：%v\n", m.cmd, err)
		return opts, false
	}
	if opts.From == "" {
		fmt.Fprintf(stderr, "kaohe %s：配置中没有发件邮箱（reply.from），无法%s。\n", m.cmd, cannot)
		return opts, false
	}
	opts.Season = env.season
	return opts, true
}

// reportFailure tells staff why notice.Publish stopped, and that what it
// queued before stands.
func (m agencyMail) reportFailure(stderr io.Writer, dataDir string, err error) {
	switch {
	case reportDamaged(stderr, m.cmd, dataDir, err):
	case errors.Is(err, store.ErrNoticeRevision):
		fmt.Fprintf(stderr, "kaohe %s：另一个%s正在进行，本次已停止；已排入队列的%s不受影响。请稍后再运行一次，已发出的不会重发。\n", m.cmd, m.verb, m.noun)
	default:
		fmt.Fprintf(stderr, "kaohe %s：%s中断：%v\n已排入队列的%s不受影响；改正后再运行一次，已发出的不会重发。\n", m.cmd, m.verb, err, m.noun)
	}
}

// agencyEmails maps each agency of the roster to its registered addresses.
func agencyEmails(env *offlineEnv) map[string][]string {
	emails := map[string][]string{}
	for _, a := range env.roster.Agencies {
		emails[a.Name] = a.Emails
	}
	return emails
}

// queuedVerb is how a report's heading says what the run did.
func queuedVerb(dryRun bool) string {
	if dryRun {
		return "试运行（未发送）：将排入发送队列"
	}
	return "已排入发送队列"
}

// printAddressOutcome prints the line of an agency whose notice went to a
// newly registered address or to none; other outcomes print nothing.
func printAddressOutcome(w io.Writer, o notice.Outcome) {
	switch o.Action {
	case notice.ActionNewAddress:
		fmt.Fprintf(w, "  补发：%s 新登记的邮箱 %s\n", o.Agency, strings.Join(o.To, "、"))
	case notice.ActionNoAddress:
		fmt.Fprintf(w, "  未发送：%s 在名册中没有登记邮箱，请补登记后再运行一次\n", o.Agency)
	}
}
