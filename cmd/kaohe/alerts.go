package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/monitor"
	"kaohe/reply"
)

// alerter tells staff of a fault once it has lasted its time, and once more
// when it clears. A notice that cannot be queued (the fault is the store
// itself) is owed: it is said in the log, and staff get one notice "from X
// to Y" once it can be queued.
type alerter struct {
	imapAfter, after time.Duration // how long a fault lasts before staff are told
	mailbox          string        // the IMAP user, named in the mailbox alert
	queue            func(ctx context.Context, text string) error
	now              func() time.Time
	log              zerolog.Logger
	open             map[string]*openFault // by component
}

// openFault is one fault the alerter follows.
type openFault struct {
	since     time.Time
	lastErr   string
	told      bool      // staff were told it began
	owed      bool      // it lasted its time, but the notice could not be queued
	clearedAt time.Time // non-zero once it cleared and its notice waits to be queued
}

func newAlerter(cfg config.Config, queue func(ctx context.Context, text string) error, now func() time.Time, log zerolog.Logger) *alerter {
	return &alerter{imapAfter: cfg.HTTP.MailboxAlertAfter, after: cfg.HTTP.UnhealthyAfter, mailbox: cfg.IMAP.User,
		queue: queue, now: now, log: log.With().Str("component", "alerts").Logger(), open: map[string]*openFault{}}
}

// alertReasons are the health reasons, plus the mailbox as soon as it is
// disconnected: its alert has its own time (http.mailbox_alert_after).
func (d *daemon) alertReasons(ctx context.Context) []monitor.Reason {
	reasons := d.healthSources().Check(ctx).Reasons
	st := d.watcher.Status()
	if st.Connected {
		return reasons
	}
	for _, r := range reasons {
		if r.Component == monitor.ComponentIMAP {
			return reasons
		}
	}
	since := st.LastPoll
	if since.IsZero() {
		since = d.started
	}
	return append(reasons, monitor.Reason{Component: monitor.ComponentIMAP, Since: since, LastError: st.LastError})
}

// check follows the faults in force now.
func (a *alerter) check(ctx context.Context, reasons []monitor.Reason) {
	now := a.now()
	seen := map[string]bool{}
	for _, r := range reasons {
		if r.Component == monitor.ComponentConsumer {
			continue // consumerAlert tells staff at once, with what to do
		}
		if r.Component == monitor.ComponentIntake && a.open[r.Component] == nil && hasReason(reasons, monitor.ComponentStore) {
			// The store's fault pauses intake: one incident, and the store's
			// notice already says that new mail waits in the mailbox.
			continue
		}
		seen[r.Component] = true
		f := a.open[r.Component]
		if f == nil {
			f = &openFault{since: r.Since}
			a.open[r.Component] = f
		}
		f.lastErr, f.clearedAt = r.LastError, time.Time{}
		after := a.after
		if r.Component == monitor.ComponentIMAP {
			after = a.imapAfter
		}
		if f.told || after <= 0 || now.Sub(f.since) < after {
			continue
		}
		log := a.log.With().Str("fault", r.Component).Time("since", f.since).Str("last_error", r.LastError).Logger()
		if err := a.queue(ctx, a.begun(r.Component, f)); err != nil {
			if !f.owed {
				log.Error().Err(err).Msg("fault lasts, but the staff notice cannot be queued now; staff are told once it can be")
			}
			f.owed = true
			continue
		}
		f.told, f.owed = true, false
		log.Error().Msg("fault lasts: staff notice queued")
	}
	for c, f := range a.open {
		if seen[c] {
			continue
		}
		if !f.told && !f.owed {
			delete(a.open, c) // it did not last: nobody was told, nobody needs to be
			continue
		}
		if f.clearedAt.IsZero() {
			f.clearedAt = now
		}
		if err := a.queue(ctx, a.ended(c, f)); err != nil {
			continue // tried again next tick
		}
		a.log.Warn().Str("fault", c).Time("since", f.since).Time("until", f.clearedAt).Msg("fault cleared: staff notice queued")
		delete(a.open, c)
	}
}

// begun is the staff notice of a fault that lasts.
func (a *alerter) begun(component string, f *openFault) string {
	at, why := alertTime(f.since), ""
	if f.lastErr != "" {
		// The error is English, ours or a server's: quoted and labelled,
		// never mixed into the Chinese sentence.
		why = "（" + reply.DescribeFailure(f.lastErr) + "）"
	}
	switch component {
	case monitor.ComponentStore:
		return fmt.Sprintf("自 %s 起数据目录无法写入%s。在恢复之前，新邮件留在考核邮箱中，回执暂不发送。%s", at, why,
			adviceOr(storeHint(f.lastErr), "请检查磁盘空间和数据目录的权限。"))
	case monitor.ComponentIntake:
		return fmt.Sprintf("自 %s 起暂停收取考核邮件%s。邮件留在考核邮箱中，不会丢失，故障排除后自动继续处理。", at, why)
	case monitor.ComponentSMTP:
		return fmt.Sprintf("自 %s 起有邮件等待发送，但一直没有发出%s。请检查发信服务器、发信密码或服务商的每日发信上限。", at, why)
	case monitor.ComponentIMAP:
		return fmt.Sprintf("自 %s 起无法连接考核邮箱 %s，新的考核表暂时收不到。请检查邮箱密码、网络或邮件服务商的状态。%s", at, a.mailbox, describeIMAPFailure(f.lastErr))
	case monitor.ComponentStaffMail:
		return fmt.Sprintf("自 %s 起给工作人员的邮件无法生成或发送%s。请检查配置中的工作人员地址（campaign.staff）。", at, why)
	case monitor.ComponentConsumer:
		return fmt.Sprintf("自 %s 起发现另有程序在处理考核邮箱中的邮件%s。请确认只有一个 kaohe 在使用这个邮箱。", at, why)
	}
	return fmt.Sprintf("自 %s 起出现故障：%s%s。", at, component, why)
}

// ended is the staff notice of a fault that cleared: a short one when its
// beginning was told, the whole story when it could not be.
func (a *alerter) ended(component string, f *openFault) string {
	if f.told {
		return fmt.Sprintf("已恢复：%s的故障从 %s 持续到 %s。", faultLabel(component), alertTime(f.since), alertTime(f.clearedAt))
	}
	why := ""
	if f.lastErr != "" {
		why = "（" + reply.DescribeFailure(f.lastErr) + "）"
	}
	meanwhile := ""
	if component == monitor.ComponentStore {
		if h := storeHint(f.lastErr); h != "" {
			meanwhile = "原因：" + h + "。"
		}
		meanwhile += "期间新邮件留在考核邮箱中，没有丢失，现已继续处理。"
	}
	return fmt.Sprintf("从 %s 到 %s，%s出现故障%s，当时无法发出通知，现已恢复。%s", alertTime(f.since), alertTime(f.clearedAt),
		faultLabel(component), why, meanwhile)
}

// storeHint says in Chinese why the data folder could not be written, when
// the error says it plainly; "" otherwise.
func storeHint(detail string) string {
	d := strings.ToLower(detail)
	switch {
	case strings.Contains(d, "no space left") || strings.Contains(d, "disk is full") || strings.Contains(d, "disk quota"):
		return "数据目录所在的磁盘已满，请腾出空间或扩大磁盘"
	case strings.Contains(d, "read-only file system") || strings.Contains(d, "readonly"):
		return "数据目录所在的磁盘是只读的，请让它可写"
	case strings.Contains(d, "permission denied"):
		return "kaohe 没有写数据目录的权限，请检查目录的属主和权限"
	}
	return ""
}

// adviceOr is the specific advice when there is one, else the general one.
func adviceOr(specific, general string) string {
	if specific != "" {
		return specific + "。"
	}
	return general
}

func hasReason(rs []monitor.Reason, component string) bool {
	for _, r := range rs {
		if r.Component == component {
			return true
		}
	}
	return false
}

func faultLabel(component string) string {
	switch component {
	case monitor.ComponentStore:
		return "数据目录写入"
	case monitor.ComponentIntake:
		return "收信"
	case monitor.ComponentSMTP:
		return "邮件发送"
	case monitor.ComponentIMAP:
		return "考核邮箱连接"
	case monitor.ComponentStaffMail:
		return "工作人员邮件"
	case monitor.ComponentConsumer:
		return "考核邮箱独占"
	}
	return component
}

func alertTime(t time.Time) string { return t.In(cst.Location()).Format("2006-01-02 15:04") }
