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
	if err := e.c.Alert(ctx, "数据目录无法写入"); err != nil {
		t.Fatalf("alert: %v", err)
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
	}
	e.c.cfg.Staff = []string{"王明 wangming@example.org"}
	if err := e.c.Alert(ctx, "x"); !errors.Is(err, ErrStaffMail) {
		t.Errorf("alert to an unwritable address: %v; want ErrStaffMail", err)
	}
}
