package reply

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRenderMails writes the HTML body of every kind of mail people read
// into the folder named by KAOHE_RENDER_DIR, one file each, for
// contrib/render/render-mails.sh to turn into pictures. Without the
// variable it is skipped.
func TestRenderMails(t *testing.T) {
	dir := os.Getenv("KAOHE_RENDER_DIR")
	if dir == "" {
		t.Skip("KAOHE_RENDER_DIR not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	n := 0
	write := func(name string, m Mail, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n++
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s.html", n, name))
		if err := os.WriteFile(path, []byte(parseMail(t, m.Raw).html), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shown := map[string]string{
		"accepted": "receipt-accepted", "accepted with a warning and a question": "receipt-accepted-warning-question",
		"needs fixing": "receipt-needs-fix", "xls": "receipt-xls", "wrong year": "receipt-wrong-year",
		"question without form": "receipt-question-no-form",
	}
	for _, sit := range receiptSituations() {
		name, ok := shown[sit.name]
		if !ok {
			continue
		}
		for _, late := range []bool{false, true} {
			if late && sit.name != "accepted" && sit.name != "needs fixing" && sit.name != "question without form" {
				continue
			}
			in := testIncoming(t)
			in.OnTime, in.Text, in.Attachments = !late, sit.text, sit.atts(t)
			if late {
				in.ReceivedAt = testCutoff.Add(25 * time.Hour)
			}
			suffix := ""
			if late {
				suffix = "-late"
			}
			m, err := Compose(in, opts)
			write(name+suffix, m, err)
		}
	}
	rec := testIncoming(t)
	rec.Subject = "朝阳区推荐表"
	rec.Attachments = []Attachment{{Filename: "推荐表.xlsx", Kind: AttachRecommend, Recommend: testRecommendation()}}
	m, err := Compose(rec, opts)
	write("receipt-recommend", m, err)
	in := testIncoming(t)
	in.Attachments = nil
	m, err = ComposeQuarantined(in, opts)
	write("receipt-held", m, err)
	in.To, in.Agency = in.FromAddr, ""
	m, err = ComposeUnknownSender(in, opts)
	write("unknown-sender", m, err)
	m, err = ComposeForeignNotice(ForeignNotice{Agency: "朝阳区代办处", To: "chaoyang@agency.example.cn", Sender: "someone@elsewhere.example",
		ReceivedAt: testReceived}, "foreign|render", opts)
	write("foreign-notice", m, err)
	for _, name := range []string{"staff-import-done", "staff-import-refused", "staff-import-token", "staff-workbook-notice", "staff-workbook-notice-forged", "staff-workbook-notice-token"} {
		write(name, staffImportMails(t)[name], nil)
	}
	m, err = ComposeReminder(Reminder{Agency: "顺义区代办处", To: "shunyi@agency.example.cn", DaysLeft: 3, Cutoff: testCutoff,
		BlankForm: testWorkbook(t, false), FormName: "2021年度职工互助保障工作代办处考核表.xlsx"}, "reminder|render", opts)
	write("reminder", m, err)
	events := []StaffEvent{
		{Kind: EventWords, At: testReceived, Agency: "大兴区代办处", Sender: "dbc012@example.org", Subject: "请问考核表在哪里下载？",
			Words: "请问今年的考核表在哪里下载？"},
		{Kind: EventLate, At: testCutoff.Add(25 * time.Hour), Agency: "平谷区代办处", Sender: "dbc014@example.org", Subject: "补交考核表"},
		{Kind: EventUnknownSender, At: testReceived, Sender: "someone@unknown-mail.example.com", Subject: "考核表"},
		{Kind: EventUnreadable, At: testReceived, Agency: "市环卫工会代办处", Sender: "dbc068@example.org", Subject: "考核表",
			File: "市环卫工会代办处考核表.xls", Detail: "附件「市环卫工会代办处考核表.xls」是旧版 Excel 97-2003（.xls）或 WPS 表格（.et）格式，系统只能读取 .xlsx。"},
		{Kind: EventWords, At: testReceived, Agency: "延庆区代办处", Sender: "dbc016@example.org", Subject: "回复：回执：考核表",
			Detail: "系统判断为自动回复或对本系统邮件的回复，未发回执", Words: "盖章页需要另外寄吗？"},
		{Kind: EventNoReply, At: testReceived, Agency: "怀柔区代办处", Sender: "dbc013@example.org", Subject: "自动回复：考核表回执",
			Detail: "自动回复、退信或群发邮件，未自动回复"},
		{Kind: EventReplyFailed, At: testReceived, Sender: "dbc099@example.org", Detail: "550 5.1.1 mailbox unavailable"},
	}
	m, err = ComposeStaffNotice(events, Recipient{Addr: "wangming@bjszghzbz.org.cn", Name: "王明"}, "notice|render", opts)
	write("staff-notice", m, err)
	sum := opts
	sum.Now = testCutoff.Add(-6 * time.Hour)
	m, err = ComposeConsolidated(Consolidated{To: Recipient{Addr: "wangming@bjszghzbz.org.cn"}, Filename: "考核汇总-2022-01-05.xlsx",
		Workbook: testWorkbook(t, false), Summary: []string{
			"名册 20 家：已提交 17 家，未提交 3 家；另有名册外发件人 1 个",
			"合格 14 家，需修改 2 家，无法读取 1 家",
			"逾期 1 家，一票否决 0 家（均按不合格处理）",
			"待发送的邮件 0 封，发送失败 0 封（失败的见提示邮件）",
		}}, "summary|render", sum)
	write("staff-summary", m, err)
	res := resultOptions()
	m, err = ComposeResultNotice(testResult(), "dongcheng@agency.example.cn", Issue{Number: 1, At: testPublished}, "result|render", res)
	write("result-notice", m, err)
	before, after := testResult(), testResult()
	after.Grade, after.Final, after.Quota = "优秀", 87, 4
	after.Sections[1].Reviewed = ptr(43)
	m, err = ComposeResultNotice(after, "dongcheng@agency.example.cn", Issue{Number: 2, Changes: diffFacts(before.Facts(), after.Facts()),
		Previous: testPublished, At: testPublished.Add(72 * time.Hour)}, "result|render|2", res)
	write("result-notice-correction", m, err)
	failed := testResult()
	failed.Grade, failed.Fail, failed.Cutoff, failed.Quota, failed.Rank, failed.Attachment = "不合格", FailLate, testCutoff, 0, 0, nil
	m, err = ComposeResultNotice(failed, "dongcheng@agency.example.cn", Issue{Number: 1, At: testPublished}, "result|render|late", res)
	write("result-notice-late", m, err)
	m, err = ComposeFinalList(FinalList{Agency: "东城区代办处", Unit: &FinalDecision{Decision: DecisionConfirmed},
		Persons: []FinalPerson{{Name: "张伟", Post: "代办员", FinalDecision: FinalDecision{Decision: DecisionConfirmed}},
			{Name: "李娜", Post: "会计", FinalDecision: FinalDecision{Decision: DecisionNotConfirmed, Note: "公示期不足 5 个工作日"}}}},
		"dongcheng@agency.example.cn", Issue{Number: 1, At: testPublished}, "final|render", res)
	write("final-list", m, err)
	t.Logf("%d mails written to %s", n, dir)
}
