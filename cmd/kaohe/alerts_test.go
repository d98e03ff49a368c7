package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/monitor"
)

// TestAlerter: staff hear of a fault once when it has lasted its time and
// once when it clears; of a short one never; and of a store fault, during
// which nothing can be queued, once afterwards with its whole span.
func TestAlerter(t *testing.T) {
	t.Parallel()
	clk := &outboxClock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)}
	var sent []string
	storeDown := false
	var log strings.Builder
	a := &alerter{after: 2 * time.Minute, imapAfter: 30 * time.Minute, mailbox: "kaohe@example.org",
		queue: func(_ context.Context, text string) error {
			if storeDown {
				return errors.New("enqueue mail: commit: database or disk is full (13)")
			}
			sent = append(sent, text)
			return nil
		}, now: clk.Now, log: zerolog.New(&log), open: map[string]*openFault{}}
	ctx := context.Background()
	run := func(d time.Duration, reasons ...monitor.Reason) {
		for end := clk.Now().Add(d); clk.Now().Before(end); clk.Add(10 * time.Second) {
			a.check(ctx, reasons)
		}
	}

	// A short SMTP fault and a short mailbox outage: nobody is told.
	run(time.Minute, monitor.Reason{Component: monitor.ComponentSMTP, Since: clk.Now(), LastError: "451"})
	run(20*time.Minute, monitor.Reason{Component: monitor.ComponentIMAP, Since: clk.Now()})
	run(time.Minute)
	if len(sent) != 0 {
		t.Fatalf("short faults told: %q", sent)
	}

	// A lasting staff-mail fault: one notice, then one when it clears.
	run(10*time.Minute, monitor.Reason{Component: monitor.ComponentStaffMail, Since: clk.Now(), LastError: "to: invalid address"})
	run(time.Minute)
	if len(sent) != 2 || !strings.Contains(sent[0], "给工作人员的邮件无法生成或发送（技术细节（英文原文）：“to: invalid address”）") ||
		!strings.Contains(sent[1], "已恢复：工作人员邮件的故障从 2021-12-20 10:") {
		t.Fatalf("staff-mail fault notices: %q", sent)
	}

	// The store fails for ten minutes: nothing can be queued meanwhile.
	sent = nil
	storeDown = true
	since := clk.Now()
	run(10*time.Minute, monitor.Reason{Component: monitor.ComponentStore, Since: since, LastError: "database or disk is full"})
	storeDown = false
	run(time.Minute)
	if len(sent) != 1 || !strings.Contains(sent[0], "从 2021-12-20 10:33 到 2021-12-20 10:43，数据目录写入出现故障（技术细节（英文原文）：“database or disk is full”），当时无法发出通知，现已恢复") {
		t.Fatalf("store fault notices: %q", sent)
	}
	if n := strings.Count(log.String(), "staff notice cannot be queued now"); n != 1 {
		t.Errorf("the owed notice was logged %d times, want once", n)
	}

	// A full disk pauses intake too: one incident, one notice, the store's.
	sent = nil
	storeDown = true
	since = clk.Now()
	run(10*time.Minute, monitor.Reason{Component: monitor.ComponentIntake, Since: since, LastError: "save result: database or disk is full"},
		monitor.Reason{Component: monitor.ComponentStore, Since: since, LastError: "probe: database or disk is full"})
	storeDown = false
	run(time.Minute)
	if len(sent) != 1 || !strings.Contains(sent[0], "数据目录写入出现故障（技术细节（英文原文）：“probe: database or disk is full”）") ||
		!strings.Contains(sent[0], "原因：数据目录所在的磁盘已满，请腾出空间或扩大磁盘。") {
		t.Fatalf("store and intake fault notices: %q", sent)
	}
}
