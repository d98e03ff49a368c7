package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/store"
	"kaohe/templates"
)

// State keys kept in the store.
const (
	stateNoticeCursor = "notice.message_cursor" // last message row id reported to staff
	stateOutboxCursor = "notice.outbox_cursor"  // last failed outbox id reported
	stateNoticeAt     = "notice.last_at"
	stateSummaryDay   = "summary.last_day"
	stateCutoffSent   = "summary.after_cutoff"
)

// ErrStaffMail wraps a failure to compose a staff mail (an address that
// cannot be written, a broken template): no staff mail can go out until
// the configuration is fixed.
var ErrStaffMail = errors.New("staff mail cannot be composed")

// noteStaff records the outcome of composing a staff mail, for
// StaffMailError; a failure comes back wrapped in ErrStaffMail.
func (c *Campaign) noteStaff(err error) error {
	c.mu.Lock()
	c.staffErr = err
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStaffMail, err)
	}
	return nil
}

// StaffMailError is the failure of the last staff mail composed (notice,
// summary or alert), nil when it composed or none was composed yet.
func (c *Campaign) StaffMailError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.staffErr
}

// AfterBatch runs after the mailbox was drained: the staff workbook is
// rebuilt and staff get a batched notice of what needs them.
func (c *Campaign) AfterBatch(ctx context.Context) error {
	if _, err := c.Regenerate(ctx); err != nil {
		return fmt.Errorf("regenerate workbook: %w", err)
	}
	return c.notifyStaff(ctx)
}

// Tick runs the timed jobs: reminders and summaries. Call it every minute
// or so; it does each thing once.
func (c *Campaign) Tick(ctx context.Context) error {
	if err := c.remind(ctx); err != nil {
		return fmt.Errorf("reminders: %w", err)
	}
	return c.summarize(ctx)
}

// notifyStaff sends one notice listing what happened since the last one:
// late submissions, unknown senders, unreadable files, mail not answered,
// quarantined mail and replies that could not be delivered.
func (c *Campaign) notifyStaff(ctx context.Context) error {
	if len(c.cfg.Staff) == 0 {
		return nil
	}
	now := c.cfg.Now()
	if last, ok, err := c.store.GetState(ctx, stateNoticeAt); err != nil {
		return err
	} else if ok {
		if t, err := time.Parse(time.RFC3339, last); err == nil && now.Sub(t) < c.cfg.NoticeEvery {
			return nil
		}
	}
	msgCursor := c.intState(ctx, stateNoticeCursor)
	outCursor := c.intState(ctx, stateOutboxCursor)
	events, newMsg, newOut, err := c.events(ctx, msgCursor, outCursor)
	if err != nil || len(events) == 0 {
		return err
	}
	key := fmt.Sprintf("notice|%d|%d", newMsg, newOut)
	for _, to := range c.cfg.Staff {
		opts := c.cfg.Compose
		opts.Now = now
		m, err := reply.ComposeStaffNotice(events, reply.Recipient{Addr: to}, key+"|"+to, opts)
		if err != nil {
			return c.noteStaff(err)
		}
		c.noteStaff(nil)
		if _, err := c.store.EnqueueMail(ctx, store.OutgoingMail{MessageID: m.MessageID, Kind: store.KindStaffNotice, To: m.To, Raw: m.Raw}); err != nil {
			return err
		}
	}
	for k, v := range map[string]string{stateNoticeCursor: strconv.FormatInt(newMsg, 10),
		stateOutboxCursor: strconv.FormatInt(newOut, 10), stateNoticeAt: now.UTC().Format(time.RFC3339)} {
		if err := c.store.SetState(ctx, k, v); err != nil {
			return err
		}
	}
	c.cfg.Log.Info().Int("events", len(events)).Msg("staff notice queued")
	return nil
}

func (c *Campaign) intState(ctx context.Context, key string) int64 {
	v, ok, err := c.store.GetState(ctx, key)
	if err != nil || !ok {
		return 0
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// events lists what staff should hear of since the cursors.
func (c *Campaign) events(ctx context.Context, msgCursor, outCursor int64) ([]reply.StaffEvent, int64, int64, error) {
	msgs, err := c.store.Messages(ctx, store.MessageFilter{})
	if err != nil {
		return nil, 0, 0, err
	}
	var evs []reply.StaffEvent
	newMsg := msgCursor
	for _, m := range msgs {
		if m.ID <= msgCursor || m.Outcome == store.OutcomeReceived {
			continue
		}
		newMsg = max(newMsg, m.ID)
		ev := reply.StaffEvent{At: m.ReceivedAt, Agency: m.Agency, Sender: m.Sender, Subject: m.Subject}
		switch m.Outcome {
		case store.OutcomeUnknownSender:
			ev.Kind = reply.EventUnknownSender
		case store.OutcomeForeign:
			ev.Kind, ev.Detail = reply.EventForeign, "表内考核单位是名册中的单位，但发件地址不是该单位登记的邮箱；未计入该单位，已通知其登记邮箱"
		case store.OutcomeNoSender:
			ev.Kind, ev.Detail = reply.EventNoSender, "发件人地址缺失或无效，无法回复；原始邮件已存档，请人工查看"
		case store.OutcomeAutomated:
			ev.Kind, ev.Detail = reply.EventNoReply, "自动回复、退信或群发邮件，未自动回复"
		case store.OutcomeQuarantined:
			ev.Kind, ev.Archive = reply.EventOther, store.ArchivedPath(m.Hash)
			ev.Detail = "系统多次未能处理，请人工查看；最后一次的原因：" + firstLine(m.LastError)
		case store.OutcomeTooLarge:
			ev.Kind, ev.Detail = reply.EventOther, fmt.Sprintf("邮件大小 %.1f MB 超过上限，未读取，请人工查看", float64(m.Size)/(1<<20))
		case store.OutcomeUnparseable:
			ev.Kind, ev.Detail = reply.EventOther, "邮件格式无法解析，已存档，请人工查看"
		case store.OutcomeRateLimited:
			ev.Kind, ev.Detail = reply.EventNoReply, "同一发件人一小时内回执过多，本封未回复"
		}
		subs, err := c.store.Submissions(ctx, store.SubmissionFilter{MessageID: m.ID})
		if err != nil {
			return nil, 0, 0, err
		}
		if m.Outcome == store.OutcomeForeign {
			ev.Agency = c.namedAgencies(subs)
		}
		words := c.words(m)
		if m.Outcome == store.OutcomeAutomated && words != "" {
			// A clerk pressing Reply on a receipt to ask something looks
			// like an auto-reply to the classifier: staff read it among
			// the questions, told that no receipt went back.
			ev.Kind, ev.Detail = reply.EventWords, "系统判断为自动回复或对本系统邮件的回复，未发回执"
		}
		switch {
		case ev.Kind != "":
			ev.Words = words
			evs = append(evs, ev)
		case words != "":
			// The receipt told the agency its words went to staff.
			evs = append(evs, reply.StaffEvent{Kind: reply.EventWords, At: m.ReceivedAt, Agency: m.Agency,
				Sender: m.Sender, Subject: m.Subject, Words: words})
		}
		if !m.OnTime && m.Agency != "" {
			evs = append(evs, reply.StaffEvent{Kind: reply.EventLate, At: m.ReceivedAt, Agency: m.Agency, Sender: m.Sender, Subject: m.Subject})
		}
		for _, s := range subs {
			if s.Status == assess.StatusUnreadable {
				detail := ""
				if s.Report != nil && len(s.Report.Findings) > 0 {
					// What is wrong, not the steps the receipt gave the agency.
					detail = s.Report.Findings[0].Message
					if first, _, found := strings.Cut(detail, "。"); found {
						detail = first + "。"
					}
				}
				evs = append(evs, reply.StaffEvent{Kind: reply.EventUnreadable, At: m.ReceivedAt, Agency: m.Agency,
					Sender: m.Sender, Subject: m.Subject, File: s.Filename, Detail: detail})
			}
		}
	}
	failed, err := c.store.OutboxByState(ctx, store.StateFailed, 0)
	if err != nil {
		return nil, 0, 0, err
	}
	newOut := outCursor
	for _, o := range failed {
		if o.ID <= outCursor {
			continue
		}
		newOut = max(newOut, o.ID)
		if o.Kind == store.KindStaffNotice {
			continue // a notice about failed notices would fail the same way
		}
		evs = append(evs, reply.StaffEvent{Kind: reply.EventReplyFailed, At: o.NextAttempt, Sender: o.To, Detail: reply.DescribeFailure(o.LastError)})
	}
	return evs, newMsg, newOut, nil
}

// words is what the sender of m wrote beyond greetings and signature
// (reply.SenderWords), read again from the archived mail: the store keeps
// no body text. A mail that cannot be read again gives "" (logged); the
// notice still goes out. Mail that failed or was too large is left alone.
func (c *Campaign) words(m store.Message) (words string) {
	switch m.Outcome {
	case store.OutcomeProcessed, store.OutcomeNoForm, store.OutcomeAutomated, store.OutcomeUnknownSender,
		store.OutcomeForeign, store.OutcomeRateLimited:
	default:
		return ""
	}
	log := c.cfg.Log.With().Int64("msg", m.ID).Logger()
	defer func() {
		// The parser met this mail before; a panic now is still not the
		// notice's to die of.
		if r := recover(); r != nil {
			log.Error().Interface("panic", r).Msg("reading the archived mail for its text panicked")
			words = ""
		}
	}()
	raw, err := c.store.ReadArchived(m.Hash)
	if err != nil {
		log.Warn().Err(err).Msg("archived mail not readable: its text is not quoted to staff")
		return ""
	}
	parsed, err := mailparse.Parse(raw, mailparse.Limits{})
	if parsed == nil {
		log.Warn().Err(err).Msg("archived mail not parsed: its text is not quoted to staff")
		return ""
	}
	return reply.SenderWords(parsed.Text, parsed.From.Name, m.SenderName, m.Agency)
}

// namedAgencies names the roster agencies the forms of a 名册外来件 name,
// as "表内单位：朝阳区代办处".
func (c *Campaign) namedAgencies(subs []store.Submission) string {
	var names []string
	for _, s := range subs {
		if a, ok := c.cfg.Roster.ByUnit(s.Unit); ok && s.Agency == "" && !slices.Contains(names, a.Name) {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "表内单位：" + strings.Join(names, "、")
}

// summarize queues the daily summary with the workbook while the campaign
// is open, and one summary right after the cut-off.
func (c *Campaign) summarize(ctx context.Context) error {
	if len(c.cfg.Staff) == 0 {
		return nil
	}
	now := c.cfg.Now()
	today := beijingDay(now)
	local := now.In(cst.Location())
	at := time.Date(local.Year(), local.Month(), local.Day(), c.cfg.DailySummaryTime.Hour, c.cfg.DailySummaryTime.Minute, 0, 0, cst.Location())
	var key string
	switch {
	case !c.cfg.Cutoff.IsZero() && !now.Before(c.cfg.Cutoff):
		if _, sent, err := c.store.GetState(ctx, stateCutoffSent); err != nil || sent {
			return err
		}
		key = "after-cutoff"
	case !now.Before(at):
		last, _, err := c.store.GetState(ctx, stateSummaryDay)
		if err != nil || last == today {
			return err
		}
		key = today
	default:
		return nil
	}
	data, sum, err := c.Build(ctx)
	if err != nil {
		return err
	}
	lines := sum.Lines()
	if depth, err := c.store.OutboxDepth(ctx); err == nil && depth[store.StatePending]+depth[store.StateFailed] > 0 {
		// The send backlog: a provider's daily cap or a failing server
		// shows here before agencies start asking where their receipt is.
		lines = append(lines, fmt.Sprintf("待发送的邮件 %d 封，发送失败 %d 封（失败的见提示邮件）", depth[store.StatePending], depth[store.StateFailed]))
	}
	if key == "after-cutoff" {
		lines = append([]string{"报送截止时间已过，以下为截止时的汇总。"}, lines...)
	}
	for _, to := range c.cfg.Staff {
		opts := c.cfg.Compose
		opts.Now = now
		m, err := reply.ComposeConsolidated(reply.Consolidated{To: reply.Recipient{Addr: to}, Summary: lines, Workbook: data,
			Filename: "考核汇总-" + today + ".xlsx"}, "summary|"+key+"|"+to, opts)
		if err != nil {
			return c.noteStaff(err)
		}
		c.noteStaff(nil)
		if _, err := c.store.EnqueueMail(ctx, store.OutgoingMail{MessageID: m.MessageID, Kind: store.KindConsolidated, To: m.To, Raw: m.Raw}); err != nil {
			return err
		}
	}
	stateKey, value := stateSummaryDay, today
	if key == "after-cutoff" {
		stateKey, value = stateCutoffSent, now.UTC().Format(time.RFC3339)
	}
	c.cfg.Log.Info().Str("summary", key).Msg("staff summary queued")
	return c.store.SetState(ctx, stateKey, value)
}

// remind queues the reminders that are due now, each at most once per
// agency and day, across restarts.
func (c *Campaign) remind(ctx context.Context) error {
	if len(c.cfg.ReminderDays) == 0 || c.cfg.Cutoff.IsZero() {
		return nil
	}
	now := c.cfg.Now()
	local := now.In(cst.Location())
	if local.Hour()*60+local.Minute() < c.cfg.ReminderTime.Hour*60+c.cfg.ReminderTime.Minute {
		return nil
	}
	subs, err := c.store.Submissions(ctx, store.SubmissionFilter{})
	if err != nil {
		return err
	}
	onTime := map[string]bool{}
	for _, s := range subs {
		if s.OnTime && s.Agency != "" {
			onTime[s.Agency] = true
		}
	}
	var roster []consolidate.Agency
	for _, a := range c.cfg.Roster.Agencies {
		roster = append(roster, consolidate.Agency{Name: a.Name, Type: a.Type, Emails: a.Emails})
	}
	sent, err := c.store.RemindersSent(ctx)
	if err != nil {
		return err
	}
	due := consolidate.ReminderTargets(roster, onTime, c.cfg.Cutoff, now, c.cfg.ReminderDays,
		func(agency string, day int) bool { return sent[store.ReminderKey(agency, day)] })
	if len(due) == 0 {
		return nil
	}
	var blank bytes.Buffer
	if err := templates.WriteBlank(c.cfg.Form, &blank); err != nil {
		return err
	}
	for _, d := range due {
		if len(d.Emails) == 0 {
			continue
		}
		opts := c.cfg.Compose
		opts.Now = now
		daysLeft := int(c.cfg.Cutoff.Sub(now).Hours()/24) + 1
		m, err := reply.ComposeReminder(reply.Reminder{Agency: d.Agency, To: d.Emails[0], DaysLeft: daysLeft, Cutoff: c.cfg.Cutoff,
			BlankForm: blank.Bytes(), FormName: c.cfg.Form.Title + ".xlsx"},
			fmt.Sprintf("reminder|%s|%d", d.Agency, d.Day), opts)
		if err != nil {
			return err
		}
		if _, err := c.store.EnqueueReminder(ctx, d.Agency, d.Day, store.OutgoingMail{MessageID: m.MessageID,
			Kind: store.KindReminder, To: m.To, Raw: m.Raw}); err != nil {
			return err
		}
		c.cfg.Log.Info().Str("agency", d.Agency).Int("day", d.Day).Msg("reminder queued")
	}
	return nil
}

// Alert queues a staff notice about the daemon itself (the mailbox is
// unreachable, say), to every staff address, at once.
func (c *Campaign) Alert(ctx context.Context, text string) error {
	now := c.cfg.Now()
	ev := []reply.StaffEvent{{Kind: reply.EventOther, At: now, Detail: text}}
	for _, to := range c.cfg.Staff {
		opts := c.cfg.Compose
		opts.Now = now
		// The text is in the key: two alerts of one moment are two mails.
		m, err := reply.ComposeStaffNotice(ev, reply.Recipient{Addr: to}, fmt.Sprintf("alert|%d|%x|%s", now.Unix(), sha256.Sum256([]byte(text)), to), opts)
		if err != nil {
			return c.noteStaff(err)
		}
		c.noteStaff(nil)
		if _, err := c.store.EnqueueMail(ctx, store.OutgoingMail{MessageID: m.MessageID, Kind: store.KindStaffNotice, To: m.To, Raw: m.Raw}); err != nil {
			return err
		}
	}
	return nil
}

// firstLine keeps an error's first line: a recovered panic's stack is for
// the log, not for staff.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
