package campaign

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStaffAddressWithName: staff written "王明 <wangming@example.org>", as
// `kaohe config example` shows them, get alerts, notices and summaries; an
// address that cannot be written is ErrStaffMail.
func TestStaffAddressWithName(t *testing.T) {
	e := newEnv(t)
	e.c.cfg.Staff = []string{"王明 <wangming@example.org>", "sunmengyi@example.org"}
	ctx := context.Background()
	// Two alerts of one moment are two mails.
	for _, text := range []string{"数据目录无法写入", "已恢复：邮件发送的故障"} {
		if err := e.c.Alert(ctx, text); err != nil {
			t.Fatalf("alert: %v", err)
		}
	}
	e.clock = e.clock.Add(18 * time.Hour) // past the daily summary time
	if err := e.c.Tick(ctx); err != nil {
		t.Fatalf("tick: %v", err)
	}
	for _, kind := range []string{"staff_notice", "consolidated"} {
		got := map[string]bool{}
		for _, m := range e.mails(kind) {
			got[m.To] = true
		}
		if len(got) != 2 || !got["wangming@example.org"] || !got["sunmengyi@example.org"] {
			t.Errorf("%s went to %v", kind, got)
		}
		if n, want := len(e.mails(kind)), map[string]int{"staff_notice": 4, "consolidated": 2}[kind]; n != want {
			t.Errorf("%d mails of %s, want %d", n, kind, want)
		}
	}
	e.c.cfg.Staff = []string{"王明 wangming@example.org"}
	if e.c.StaffMailError() != nil {
		t.Errorf("staff mail error after staff mail composed: %v", e.c.StaffMailError())
	}
	if err := e.c.Alert(ctx, "x"); !errors.Is(err, ErrStaffMail) || e.c.StaffMailError() == nil {
		t.Errorf("alert to an unwritable address: %v; want ErrStaffMail", err)
	}
}
