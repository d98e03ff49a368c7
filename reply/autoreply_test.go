package reply

import "testing"

func TestMayAutoReply(t *testing.T) {
	t.Parallel()
	own := []string{"zzjgb@bjszghzbz.org.cn"}
	const domain = "bjszghzbz.org.cn"
	ourID := "<kaohe-reply-0123456789abcdef01234567@bjszghzbz.org.cn>"
	person := "clerk@agency.example.cn"
	tests := []struct {
		name       string
		h          Header
		from       string
		returnPath string
		reply      bool
		reason     string
	}{
		{"normal person", Header{"Subject": {"2021年考核表"}}, person, "<" + person + ">", true, ReasonOK},
		{"normal person without Return-Path", Header{"Subject": {"考核表"}}, person, "", true, ReasonOK},
		{"Auto-Submitted auto-replied", Header{"Auto-Submitted": {"auto-replied"}}, person, person, false, ReasonAutoSubmitted},
		{"Auto-Submitted auto-generated", Header{"Auto-Submitted": {"auto-generated"}}, person, person, false, ReasonAutoSubmitted},
		{"Auto-Submitted auto-notified", Header{"Auto-Submitted": {"Auto-Notified"}}, person, person, false, ReasonAutoSubmitted},
		{"Auto-Submitted No", Header{"Auto-Submitted": {"No"}}, person, person, true, ReasonOK},
		{"Auto-Submitted no (comment)", Header{"Auto-Submitted": {"no (sent by a human)"}}, person, person, true, ReasonOK},
		{"Auto-Submitted comment hiding a value", Header{"Auto-Submitted": {"(no) auto-replied"}}, person, person, false, ReasonAutoSubmitted},
		{"non-canonical key", Header{"auto-submitted": {"auto-replied"}}, person, person, false, ReasonAutoSubmitted},
		{"Precedence bulk", Header{"Precedence": {"bulk"}}, person, person, false, ReasonPrecedence},
		{"Precedence junk", Header{"Precedence": {"JUNK"}}, person, person, false, ReasonPrecedence},
		{"Precedence list", Header{"Precedence": {"list"}}, person, person, false, ReasonPrecedence},
		{"Precedence auto_reply", Header{"Precedence": {"auto_reply"}}, person, person, false, ReasonPrecedence},
		{"Precedence first-class", Header{"Precedence": {"first-class"}}, person, person, true, ReasonOK},
		{"List-Id", Header{"List-Id": {"<news.example.cn>"}}, person, person, false, ReasonMailingList},
		{"List-Unsubscribe", Header{"List-Unsubscribe": {"<mailto:x@example.cn>"}}, person, person, false, ReasonMailingList},
		{"Return-Path null", Header{}, person, "<>", false, ReasonNullSender},
		{"Return-Path null in header", Header{"Return-Path": {"<>"}}, person, "", false, ReasonNullSender},
		{"Return-Path MAILER-DAEMON", Header{}, person, "<MAILER-DAEMON@mx.example.cn>", false, ReasonNullSender},
		{"From MAILER-DAEMON", Header{}, "MAILER-DAEMON@163.com", "", false, ReasonDaemonAddress},
		{"From postmaster", Header{}, "PostMaster@qq.com", "", false, ReasonDaemonAddress},
		{"From noreply", Header{}, "noreply@example.cn", "", false, ReasonDaemonAddress},
		{"From no-reply", Header{}, "no-reply@example.cn", "", false, ReasonDaemonAddress},
		{"From donotreply", Header{}, "DoNotReply@example.cn", "", false, ReasonDaemonAddress},
		{"From full-width noreply", Header{}, "ｎｏｒｅｐｌｙ＠example.cn", "", false, ReasonDaemonAddress},
		{"From owner-list", Header{}, "owner-staff@example.cn", "", false, ReasonDaemonAddress},
		{"From list-request", Header{}, "staff-request@example.cn", "", false, ReasonDaemonAddress},
		{"X-Auto-Response-Suppress All", Header{"X-Auto-Response-Suppress": {"All"}}, person, person, false, ReasonSuppress},
		{"X-Auto-Response-Suppress OOF, AutoReply", Header{"X-Auto-Response-Suppress": {"OOF, AutoReply"}}, person, person, false, ReasonSuppress},
		{"X-Auto-Response-Suppress DR only", Header{"X-Auto-Response-Suppress": {"DR, RN"}}, person, person, true, ReasonOK},
		{"DSN multipart/report", Header{"Content-Type": {`multipart/report; report-type=delivery-status; boundary="b"`}}, person, person, false, ReasonReport},
		{"X-Failed-Recipients", Header{"X-Failed-Recipients": {"a@example.cn"}}, person, person, false, ReasonFailedRecipients},
		{"our own address", Header{}, "ZZJGB@bjszghzbz.org.cn", "", false, ReasonOwnAddress},
		{"our own address full-width", Header{}, "zzjgb＠bjszghzbz.org.cn", "", false, ReasonOwnAddress},
		{"In-Reply-To our id", Header{"In-Reply-To": {ourID}, "Content-Type": {"text/plain"}}, person, person, false, ReasonOwnReply},
		{"References our id", Header{"References": {"<a@x> " + ourID}, "Content-Type": {"multipart/alternative; boundary=x"}}, person, person, false, ReasonOwnReply},
		{"reply to our receipt with the corrected sheet", Header{"In-Reply-To": {ourID}, "Content-Type": {"multipart/mixed; boundary=x"}, "Subject": {"回复：回执：考核表"}}, person, person, true, ReasonOK},
		{"OOF quoting our receipt with attachment", Header{"In-Reply-To": {ourID}, "Content-Type": {"multipart/mixed; boundary=x"}, "Subject": {"自动回复：回执：考核表"}}, person, person, false, ReasonOwnReply},
		{"other domain's kaohe id", Header{"In-Reply-To": {"<kaohe-reply-1@other.cn>"}}, person, person, true, ReasonOK},
		{"bounce subject on a mail with the form", Header{"Subject": {"关于退信的说明"}, "Content-Type": {"multipart/mixed; boundary=x"}}, person, person, true, ReasonOK},
		{"QQ auto-reply without attachment", Header{"Subject": {"自动回复: 回执：考核表"}, "Content-Type": {"text/plain; charset=gb18030"}}, person, person, false, ReasonBounceSubject},
		{"bounce subject without Return-Path", Header{"Subject": {"系统退信"}}, "service@163.com", "", false, ReasonBounceSubject},
		{"Undeliverable from Exchange", Header{"Subject": {"Undeliverable: 考核表"}, "X-MS-Exchange-Generated-Message-Source": {"x"}}, "office@example.cn", "<office@example.cn>", false, ReasonBounceSubject},
		{"Out of Office on a mail with the form", Header{"Subject": {"Out of Office: 考核表"}, "Content-Type": {"multipart/mixed; boundary=x"}}, person, person, true, ReasonOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reply, reason := MayAutoReply(tc.h, tc.from, tc.returnPath, own, domain)
			if reply != tc.reply || reason != tc.reason {
				t.Errorf("MayAutoReply = %v, %q; want %v, %q", reply, reason, tc.reply, tc.reason)
			}
		})
	}
}

func TestOwnMessageIDRoundTrip(t *testing.T) {
	t.Parallel()
	id := MessageID(KindReceipt, "<abc@agency.cn>", "office.cn")
	if !OwnMessageID(id, "office.cn") || !OwnMessageID(id, "OFFICE.CN") {
		t.Errorf("OwnMessageID(%s) = false", id)
	}
	if OwnMessageID(id, "other.cn") {
		t.Errorf("OwnMessageID(%s, other.cn) = true", id)
	}
	if MessageID(KindReceipt, "<abc@agency.cn>", "office.cn") != id {
		t.Error("MessageID is not deterministic")
	}
	if MessageID(KindReceipt, "<abd@agency.cn>", "office.cn") == id || MessageID(KindReminder, "<abc@agency.cn>", "office.cn") == id {
		t.Error("different keys or kinds give the same Message-ID")
	}
}

// Our own receipt, arriving at another office running kaohe (or back at
// ours), is never answered: two instances cannot keep an exchange going.
func TestMayAutoReplyOwnReceipt(t *testing.T) {
	t.Parallel()
	m, err := Compose(testIncoming(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	h := Header{}
	fields := pm.h.Fields()
	for fields.Next() {
		v, _ := fields.Text()
		h[fields.Key()] = append(h[fields.Key()], v)
	}
	if ok, reason := MayAutoReply(h, m.From, "<"+m.From+">", []string{"other@office2.example.cn"}, "office2.example.cn"); ok || reason != ReasonAutoSubmitted {
		t.Errorf("another instance: %v %s", ok, reason)
	}
	delete(h, "Auto-Submitted")
	if ok, reason := MayAutoReply(h, m.From, "<"+m.From+">", []string{"other@office2.example.cn"}, "office2.example.cn"); ok || reason != ReasonSuppress {
		t.Errorf("without Auto-Submitted: %v %s", ok, reason)
	}
	delete(h, "X-Auto-Response-Suppress")
	if ok, reason := MayAutoReply(h, m.From, "<"+m.From+">", []string{m.From}, "bjszghzbz.org.cn"); ok || reason != ReasonOwnAddress {
		t.Errorf("back at our own mailbox: %v %s", ok, reason)
	}
}
