package campaign

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"kaohe/internal/cst"
	"kaohe/reply"
	"kaohe/store"
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
	data, sum, err := c.BuildStamped(ctx, "summary-"+key)
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
			Filename: fmt.Sprintf("%d年度考核汇总-%s.xlsx", c.cfg.Season, today)}, "summary|"+key+"|"+to, opts)
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
