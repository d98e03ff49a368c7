package campaign

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaohe/assess"
	"kaohe/mailparse"
	"kaohe/reply"
	"kaohe/store"
	"kaohe/validate"
)

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
	msgs, err := c.store.Messages(ctx, store.MessageFilter{AfterID: msgCursor})
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
		props, err := c.store.Proposals(ctx, store.ProposalFilter{MessageID: m.ID})
		if err != nil {
			return nil, 0, 0, err
		}
		if m.Outcome == store.OutcomeForeign {
			ev.Agency = c.namedAgencies(subs, props)
			if len(subs) == 0 && len(props) > 0 {
				ev.Detail = strings.Replace(ev.Detail, "表内考核单位", "推荐表的推荐单位", 1)
			}
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
		evs = append(evs, duplicateEvents(m, props)...)
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

// namedAgencies names the roster agencies the forms (考核表 and 推荐表) of
// a 名册外来件 name, as "表内单位：朝阳区代办处".
func (c *Campaign) namedAgencies(subs []store.Submission, props []store.Proposal) string {
	var names []string
	name := func(unit string) {
		if a, ok := c.cfg.Roster.ByUnit(unit); ok && !slices.Contains(names, a.Name) {
			names = append(names, a.Name)
		}
	}
	for _, s := range subs {
		if s.Agency == "" {
			name(s.Unit)
		}
	}
	for _, p := range props {
		if p.Agency == "" {
			name(p.Unit.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "表内单位：" + strings.Join(names, "、")
}

// firstLine keeps an error's first line: a recovered panic's stack is for
// the log, not for staff.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// duplicateEvents tells staff of the persons of m's current 推荐表 that
// other agencies propose too (duplicate_person, found when it was saved,
// and still so): staff settle which agency proposes them. Each pair is
// told once, with the proposal saved second; a proposal already replaced
// by a newer one says nothing.
func duplicateEvents(m store.Message, props []store.Proposal) []reply.StaffEvent {
	var evs []reply.StaffEvent
	for _, p := range props {
		if !p.Current {
			continue
		}
		for i, pp := range p.Persons {
			found := slices.ContainsFunc(p.Findings, func(f store.ProposalFinding) bool {
				return f.Code == validate.CodeDuplicatePerson && f.Person == i
			})
			if !found || len(pp.AlsoProposedBy) == 0 {
				continue
			}
			evs = append(evs, reply.StaffEvent{Kind: reply.EventDuplicate, At: m.ReceivedAt, Agency: p.Agency, Sender: m.Sender,
				Subject: m.Subject, Detail: fmt.Sprintf("%s（出生年月 %s，推荐表 %s 格）也由%s推荐", pp.Name, pp.Birth, pp.Cell,
					strings.Join(pp.AlsoProposedBy, "、"))})
		}
	}
	return evs
}
