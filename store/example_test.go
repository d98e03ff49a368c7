package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"kaohe/store"
)

// The life of one incoming message: archive, record, save the result with
// its reply, send the reply.
func Example() {
	dir, _ := os.MkdirTemp("", "kaohe-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	raw := []byte("Message-ID: <1@agency.example>\r\nFrom: a@agency.example\r\n\r\n考核表\r\n")
	hash, _ := s.Archive(raw) // durable before the row points at it
	m, dup, _ := s.RecordMessage(ctx, store.Message{MessageID: "<1@agency.example>", Hash: hash,
		Mailbox: "INBOX", UIDValidity: 1, UID: 42, Sender: "a@agency.example", ReceivedAt: time.Now()})
	fmt.Println("duplicate:", dup)

	err = s.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: "朝阳区", OnTime: true,
		Outbox: []store.OutgoingMail{{MessageID: "<reply.1@kaohe.example>", Kind: store.KindReply,
			To: "a@agency.example", Raw: []byte("Subject: 回执\r\n\r\n已收到\r\n")}}})
	fmt.Println("saved:", err)
	// Saving again after a crash-and-retry changes nothing.
	fmt.Println("again:", errors.Is(s.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed}), store.ErrAlreadyDone))

	due, _ := s.DueOutbox(ctx, time.Now(), 10)
	for _, it := range due {
		// ... send it with SMTP, then:
		_ = s.MarkSent(ctx, it.ID, time.Now())
	}
	depth, _ := s.OutboxDepth(ctx)
	fmt.Println("sent:", depth[store.StateSent])
	// Output:
	// duplicate: false
	// saved: <nil>
	// again: true
	// sent: 1
}
