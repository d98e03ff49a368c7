package campaign

import (
	"context"
	"strings"
	"testing"

	"kaohe/reply"
	"kaohe/store"
)

// A receipt the server refused reaches staff with the server's reply
// quoted as its own words, not as an English sentence in the notice.
func TestFailedReplyQuotesTheServer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.st.EnqueueMail(ctx, store.OutgoingMail{MessageID: "<r1@office.example.org>", Kind: store.KindReply,
		To: "cy@example.org", Raw: []byte("Subject: x\r\n\r\nx\r\n")}); err != nil {
		t.Fatal(err)
	}
	items, err := e.st.OutboxByState(ctx, store.StatePending, 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("outbox %v, %v", items, err)
	}
	refused := &reply.SendError{Code: 550, Msg: "5.1.1 <cy@example.org>: Recipient address rejected"}
	if err := e.st.MarkFailed(ctx, items[0].ID, refused.Error()); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AfterBatch(ctx); err != nil {
		t.Fatal(err)
	}
	notices := e.mails(store.KindStaffNotice)
	if len(notices) != 1 {
		t.Fatalf("%d staff notices, want one", len(notices))
	}
	text := decodedText(t, notices[0].Raw)
	if !strings.Contains(text, "服务器答复：“550 5.1.1") || strings.Contains(text, "smtp permanent failure") {
		t.Errorf("notice:\n%s", text)
	}
}
