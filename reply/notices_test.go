package reply

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestComposeUnknownSender(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	in.Subject = "您的账户已冻结，请致电 400-000-0000 解冻 http://evil.example/x"
	in.FromName = "客服中心 请致电 400-000-0000"
	in.To, in.ToName, in.Agency = in.FromAddr, in.FromName, ""
	m, err := ComposeUnknownSender(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if s, _ := pm.h.Subject(); s != UnknownSenderSubject {
		t.Errorf("Subject = %q", s)
	}
	if pm.h.Get("Auto-Submitted") != "auto-replied" || pm.h.Get("In-Reply-To") == "" {
		t.Error("unknown-sender reply lacks Auto-Submitted or In-Reply-To")
	}
	if !strings.Contains(pm.text, "不在代办处登记名册中") || !strings.Contains(pm.html, "不在代办处登记名册中") {
		t.Errorf("text = %q", pm.text)
	}
	// Nothing the sender wrote comes back: not the subject, not the name.
	for _, echo := range []string{"400-000-0000", "冻结", "evil", "客服"} {
		if strings.Contains(pm.text, echo) || strings.Contains(pm.html, echo) || bytes.Contains(m.Raw, []byte(echo)) {
			t.Errorf("the reply echoes %q", echo)
		}
	}
	if len(pm.atts) != 0 {
		t.Error("unknown-sender reply carries attachments")
	}
	receipt, _ := Compose(testIncoming(t), testOptions())
	if receipt.MessageID == m.MessageID {
		t.Error("receipt and unknown-sender reply share a Message-ID")
	}
}

func TestComposeForeignNotice(t *testing.T) {
	t.Parallel()
	n := ForeignNotice{Agency: "朝阳区代办处", To: "chaoyang@agency.example.cn", Sender: "mallory@www.evil.example", ReceivedAt: testReceived}
	m, err := ComposeForeignNotice(n, "foreign|abc|朝阳区代办处|chaoyang@agency.example.cn", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if s, _ := pm.h.Subject(); s != ForeignNoticeSubject {
		t.Errorf("Subject = %q", s)
	}
	if m.To != n.To || pm.h.Get("Auto-Submitted") != "auto-generated" || pm.h.Get("In-Reply-To") != "" {
		t.Errorf("To %s, Auto-Submitted %q, In-Reply-To %q", m.To, pm.h.Get("Auto-Submitted"), pm.h.Get("In-Reply-To"))
	}
	for _, want := range []string{"朝阳区代办处", "mallory@www[.]evil.example", "2022年1月4日", "未予登记", "chaoyang@agency.example.cn", "王明、孙梦艺，电话 67687655"} {
		if want == "未予登记" {
			want = "没有登记为贵单位的报送"
		}
		if !strings.Contains(pm.text, want) {
			t.Errorf("text lacks %q:\n%s", want, pm.text)
		}
	}
	if len(pm.atts) != 0 {
		t.Errorf("the notice carries %d attachments", len(pm.atts))
	}
	again, _ := ComposeForeignNotice(n, "foreign|abc|朝阳区代办处|chaoyang@agency.example.cn", testOptions())
	if again.MessageID != m.MessageID || !bytes.Equal(again.Raw, m.Raw) {
		t.Error("the same notice composed twice differs")
	}
}

func TestComposeStaffNotice(t *testing.T) {
	t.Parallel()
	at := testReceived
	events := []StaffEvent{
		{Kind: EventReplyFailed, At: at, Agency: "海淀区代办处", Detail: "smtp permanent failure: 550 no such user"},
		{Kind: EventLate, At: at, Agency: "朝阳区代办处", Sender: "clerk@agency.example.cn", Subject: "考核表"},
		{Kind: EventUnknownSender, At: at, Sender: "someone@example.com", Subject: "见附件\r\nBcc: x@y.z"},
		{Kind: EventUnreadable, At: at, Agency: "东城区代办处", File: "考核表.xls", Detail: "旧版格式"},
		{Kind: EventWords, At: at, Agency: "大兴区代办处", Sender: "dx@agency.example.cn", Subject: "请问",
			Words: "请问考核表在哪里下载？<b>急</b>\r\nBcc: x@y.z 见 http://evil.example " + strings.Repeat("很长", 400)},
	}
	to := Recipient{Addr: "staff@bjszghzbz.org.cn", Name: "王明"}
	m, err := ComposeStaffNotice(events, to, "notice|2022-01-06T10:00", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if s, _ := pm.h.Subject(); s != "考核表收取情况提示（5 项）" {
		t.Errorf("Subject = %q", s)
	}
	if pm.h.Get("Auto-Submitted") != "auto-generated" || pm.h.Has("Bcc") {
		t.Error("staff notice headers")
	}
	// Questions come first: they wait for an answer; quoted on one line,
	// bounded, links defanged, markup escaped in the HTML.
	quote := regexp.MustCompile(`来信原文：「请问考核表在哪里下载？<b>急</b> Bcc: x@y.z 见 hxxp://evil.example (很长)+很?…」`)
	if !quote.MatchString(pm.text) || strings.Count(pm.text, "很") > MaxWordsRunes {
		t.Errorf("the question is not quoted, or not bounded:\n%s", pm.text)
	}
	if strings.Contains(pm.html, "<b>急") || !strings.Contains(pm.html, "&lt;b&gt;急") {
		t.Error("the question's markup is not escaped in the HTML")
	}
	order := []string{"来信中的问题或说明", "大兴区代办处", "dx@agency.example.cn", "请问考核表在哪里下载", "逾期提交", "朝阳区代办处", "名册外发件人", "someone@example.com", "无法读取的文件", "考核表.xls", "回执发送失败", "550 no such user"}
	last := -1
	for _, s := range order {
		i := strings.Index(pm.text, s)
		if i < last || i < 0 {
			t.Errorf("notice text: %q missing or out of order\n%s", s, pm.text)
		}
		last = i
	}
	again, _ := ComposeStaffNotice(events, to, "notice|2022-01-06T10:00", testOptions())
	other, _ := ComposeStaffNotice(events, to, "notice|2022-01-06T11:00", testOptions())
	if again.MessageID != m.MessageID || other.MessageID == m.MessageID || !bytes.Equal(again.Raw, m.Raw) {
		t.Error("staff notice Message-ID is not a function of the key")
	}
	if _, err := ComposeStaffNotice(nil, to, "k", testOptions()); err == nil {
		t.Error("empty notice composed")
	}
}

func TestComposeReminder(t *testing.T) {
	t.Parallel()
	blank := testWorkbook(t, false)
	r := Reminder{Agency: "朝阳区代办处", To: "chaoyang@agency.example.cn", DaysLeft: 2, Cutoff: testCutoff,
		BlankForm: blank, FormName: "2021年度职工互助保障工作代办处考核表.xlsx"}
	m, err := ComposeReminder(r, "reminder|朝阳|2022-01-03", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	for _, s := range []string{"朝阳区代办处", "2022年1月5日 24:00", "还有 2 天", "zzjgb@bjszghzbz.org.cn", "67687655"} {
		if !strings.Contains(pm.text, s) {
			t.Errorf("reminder lacks %q:\n%s", s, pm.text)
		}
	}
	if len(pm.atts) != 1 || pm.atts[0].name != r.FormName || !bytes.Equal(pm.atts[0].data, blank) {
		t.Fatalf("reminder attachment wrong: %d", len(pm.atts))
	}
	if to, _ := pm.h.AddressList("To"); len(to) != 1 || to[0].Address != r.To {
		t.Errorf("To = %v", to)
	}
}

func TestComposeConsolidated(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	_ = f.SetCellStr("Sheet1", "A1", "汇总")
	buf, err := f.WriteToBuffer()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.Now = time.Date(2022, 1, 6, 2, 0, 0, 0, time.UTC)
	c := Consolidated{To: Recipient{Addr: "staff@bjszghzbz.org.cn"}, Summary: []string{"已提交 85 家", "逾期 3 家"},
		Workbook: buf.Bytes(), Filename: "考核汇总-2022-01-06.xlsx"}
	m, err := ComposeConsolidated(c, "summary|2022-01-06", opts)
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if !strings.Contains(pm.text, "已提交 85 家") || !strings.Contains(pm.text, "2022年1月6日 10:00") {
		t.Errorf("text = %s", pm.text)
	}
	if len(pm.atts) != 1 || pm.atts[0].name != "考核汇总-2022-01-06.xlsx" || !bytes.Equal(pm.atts[0].data, buf.Bytes()) {
		t.Error("summary workbook not attached intact")
	}
}

func FuzzComposeHeaders(f *testing.F) {
	f.Add("考核表\r\nBcc: x@y.z", "表.xlsx", "张三")
	f.Add("=?UTF-8?B?5Zue?=", "../../etc/passwd", "\u202e")
	f.Add(strings.Repeat("长", 500), strings.Repeat("名", 300)+".xlsx", "")
	f.Fuzz(func(t *testing.T, subject, filename, name string) {
		in := Incoming{MessageID: "<fuzz@agency.example.cn>", Subject: subject, To: "c@agency.example.cn", ToName: name,
			ReceivedAt: testReceived, Cutoff: testCutoff, OnTime: true}
		in.Attachments = []Attachment{{Filename: filename, Kind: AttachOther}, {Filename: filename, Kind: AttachLegacy}}
		m, err := Compose(in, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		pm := parseMail(t, m.Raw)
		if pm.h.Has("Bcc") || pm.h.Has("Cc") || len(pm.h.Values("To")) != 1 || len(pm.h.Values("Subject")) != 1 {
			t.Fatal("extra or missing header")
		}
		if s, _ := pm.h.Subject(); !strings.HasPrefix(s, "回执：") || strings.ContainsAny(s, "\r\n") {
			t.Fatalf("Subject = %q", s)
		}
	})
}

// TestStaffAddressWithName: staff written as `kaohe config example` shows
// them, "王明 <wangming@example.org>", get their notices and summaries.
func TestStaffAddressWithName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, addr, name string
		bad            bool
	}{
		{"王明 <wangming@example.org>", "wangming@example.org", "王明", false},
		{"wangming@example.org", "wangming@example.org", "", false},
		{" \"孙 梦艺\" <SunMengyi@Example.org> ", "SunMengyi@Example.org", "孙 梦艺", false},
		{"王明 wangming@example.org", "", "", true},
		{"", "", "", true},
		{"<a@b.cn>, <c@d.cn>", "", "", true},
	} {
		r, err := ParseRecipient(tc.in)
		if (err != nil) != tc.bad || r.Addr != tc.addr || r.Name != tc.name {
			t.Errorf("ParseRecipient(%q) = %+v, %v", tc.in, r, err)
		}
	}
	to := Recipient{Addr: "王明 <wangming@example.org>"}
	ev := []StaffEvent{{Kind: EventOther, At: testReceived, Detail: "测试"}}
	notice, err := ComposeStaffNotice(ev, to, "alert|1", testOptions())
	if err != nil {
		t.Fatalf("staff notice: %v", err)
	}
	summary, err := ComposeConsolidated(Consolidated{To: to, Summary: []string{"已提交 1 家"}}, "summary|1", testOptions())
	if err != nil {
		t.Fatalf("summary: %v", err)
	}
	for _, m := range []Mail{notice, summary} {
		pm := parseMail(t, m.Raw)
		addrs, err := pm.h.AddressList("To")
		if m.To != "wangming@example.org" || err != nil || len(addrs) != 1 || addrs[0].Address != "wangming@example.org" || addrs[0].Name != "王明" {
			t.Errorf("%s: envelope %q, To %v, %v", m.Kind, m.To, addrs, err)
		}
	}
	if _, err := ComposeStaffNotice(ev, Recipient{Addr: "王明 wangming@example.org"}, "alert|2", testOptions()); err == nil {
		t.Error("an unparseable staff address composed")
	}
}
