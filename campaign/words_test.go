package campaign

import (
	"context"
	"strings"
	"testing"

	"kaohe/store"
)

// archiveMail stores a raw mail from sender with body text as the pipeline
// would have, with outcome and agency.
func (e *env) archiveMail(sender, subject, body string, outcome store.Outcome, agency string) {
	e.t.Helper()
	ctx := context.Background()
	raw := "From: =?UTF-8?B?5byg5LiJ?= <" + sender + ">\r\nTo: zzjgb@office.example.org\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	hash, err := e.st.Archive([]byte(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: subject + "@x", Hash: hash, Sender: sender, SenderName: "张三",
		Subject: subject, ReceivedAt: e.clock})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: outcome, Agency: agency, OnTime: true}); err != nil {
		e.t.Fatal(err)
	}
}

// What an agency writes reaches staff: the notice quotes it with the
// sender and the agency, and leaves out mail that only says hello.
func TestStaffNoticeQuotesAgencyWords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.archiveMail("hd@example.org", "question", "您好，请问今年的考核表在哪里下载？谢谢。\r\n海淀区代办处\r\n电话：62551234", store.OutcomeNoForm, "海淀区代办处")
	e.archiveMail("cy@example.org", "cover", "您好，附件是我单位2021年度考核表，请查收。\r\n张三", store.OutcomeNoForm, "朝阳区代办处")
	e.archiveMail("jg@example.org", "reply", "盖章页需要另外寄吗？\r\n\r\n在 2022年1月4日 15:32，办事处 写道：\r\n> 您好！这是考核表收取系统自动发出的回执。", store.OutcomeAutomated, "市建工局代办处")
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d notices, want 1", len(notices))
	}
	text := decodedText(t, notices[0].Raw)
	if i, j := strings.Index(text, "【来信中的问题或说明"), strings.Index(text, "jg@example.org"); i < 0 || j < i || strings.Contains(text, "【未自动回复的邮件】") {
		t.Errorf("a reply asking something is not among the questions:\n%s", text)
	}
	for _, want := range []string{
		"【来信中的问题或说明",
		"海淀区代办处，hd@example.org，主题《question》\n    来信原文：「请问今年的考核表在哪里下载？」",
		"市建工局代办处，jg@example.org，主题《reply》，系统判断为自动回复或对本系统邮件的回复，未发回执\n    来信原文：「盖章页需要另外寄吗？」",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("notice lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "cy@example.org") || strings.Contains(text, "请查收") {
		t.Errorf("a covering note alone reached staff:\n%s", text)
	}
}
