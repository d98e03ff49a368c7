package campaign

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/store"
)

// TestForeignAndSenderlessMailForStaff: a form naming a roster agency from
// an address not registered for it (名册外来件), and a mail without a
// usable sender, reach staff in the notice and the workbook, and the
// agency's own submission is the one that counts.
func TestForeignAndSenderlessMailForStaff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit("朝阳区代办处", "cy@example.org", e.clock)
	save := func(id, sender string, outcome store.Outcome, unit string) {
		m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: id, Hash: strings.Repeat("e", 60) + id[:4], Sender: sender,
			Subject: "考核表（更正）", ReceivedAt: e.clock})
		if err != nil {
			t.Fatal(err)
		}
		rep := storedReport(unit, assess.StatusNeedsFix, 130)
		if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: outcome, OnTime: true,
			Attachments: []store.AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Hash: strings.Repeat("cd", 32), Report: rep, Foreign: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	save("f001@evil.example", "mallory@evil.example", store.OutcomeForeign, "朝阳区代办处")
	save("n001@x", "", store.OutcomeNoSender, "某街道工会")
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d staff notices", len(notices))
	}
	text := decodedText(t, notices[0].Raw)
	for _, want := range []string{"名册外来件", "表内单位：朝阳区代办处", "mallory@evil.example", "没有有效发件地址的邮件", "无法回复"} {
		if !strings.Contains(text, want) {
			t.Errorf("the staff notice lacks %q:\n%s", want, text)
		}
	}

	data, sum, err := e.c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(consolidate.SheetSummary)
	byName := map[string]string{}
	for _, row := range rows[1:] {
		if len(row) > 2 {
			byName[row[0]] = strings.Join(row, "|")
		}
	}
	if r := byName["朝阳区代办处"]; !strings.Contains(r, consolidate.StateAccepted) {
		t.Errorf("朝阳区's row is not its own accepted form: %s", r)
	}
	if len(byName) != 3 {
		t.Errorf("汇总 lists %d rows, want the 3 roster agencies only: %v", len(byName), byName)
	}
	outside, _ := f.GetRows(consolidate.SheetOutside)
	var lines []string
	for _, row := range outside[1:] {
		lines = append(lines, strings.Join(row, "|"))
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "mallory@evil.example") || !strings.Contains(lines[0], "朝阳区代办处") ||
		!strings.Contains(lines[0], "考核表（更正）") || !strings.Contains(lines[1], "没有有效的发件地址") {
		t.Errorf("名册外来件 rows:\n%s", strings.Join(lines, "\n"))
	}
	if sum.Unknown != 2 || sum.Submitted != 1 || sum.Submitted+sum.Missing != sum.Roster {
		t.Errorf("summary counts %+v: want 1 roster agency submitted and 2 名册外来件", sum)
	}
}
