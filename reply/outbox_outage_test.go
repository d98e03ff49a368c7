package reply

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaohe/outbox"
)

// TestFlushAfterOutage: mail deferred while the whole server refused it
// goes out as soon as the server takes one mail again, each once, instead
// of waiting out backoffs grown with the outage; a single mailbox's
// deferral keeps its backoff.
func TestFlushAfterOutage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fail     func(to string) error // while the outage lasts
		items    int
		wantSoon int // delivered within a minute of the end
	}{
		{"451 for every recipient", func(string) error {
			return &SendError{Temporary: true, Code: 451, Msg: "try again later", BeforeData: true}
		}, 20, 20},
		{"server down", func(string) error {
			return &SendError{Temporary: true, Msg: "dial tcp: connection refused", BeforeData: true}
		}, 20, 20},
		{"one full mailbox", func(to string) error {
			if to == "a0@example.org" {
				return &SendError{Temporary: true, Code: 452, Msg: "mailbox full", BeforeData: true}
			}
			return nil
		}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: testReceived}
			var items []outbox.Item
			for i := range tc.items {
				items = append(items, outbox.Item{ID: int64(i + 1), MessageID: fmt.Sprintf("<m%d@x>", i), Kind: "reply",
					To: fmt.Sprintf("a%d@example.org", i), Raw: []byte("Subject: x\r\n\r\nx\r\n")})
			}
			store := newMemStore(items...)
			var mu sync.Mutex
			down := true
			got := map[string]int{}
			s := newSender(store, "", clk)
			s.MaxAttempts = 8
			s.BackoffMax = 6 * time.Hour
			s.SendFunc = func(_ context.Context, _ SMTPConfig, _ string, to []string, _ []byte) error {
				mu.Lock()
				defer mu.Unlock()
				if down {
					if err := tc.fail(to[0]); err != nil {
						return err
					}
				}
				got[to[0]]++
				return nil
			}
			ctx := context.Background()
			// Three hours of outage, a flush every 30 s as Run does: longer
			// than eight attempts with backoff last.
			for range 360 {
				s.Flush(ctx)
				clk.Add(30 * time.Second)
			}
			mu.Lock()
			down = false
			mu.Unlock()
			if tc.items == 1 {
				// Another recipient's mail ends the "outage" of one mailbox.
				store.mu.Lock()
				store.items[99] = &memItem{Item: outbox.Item{ID: 99, MessageID: "<other@x>", Kind: "reply", To: "b@example.org", Raw: []byte("x")}, state: "pending"}
				store.mu.Unlock()
				mu.Lock()
				down = true // a0 still full
				mu.Unlock()
			}
			for range 2 {
				s.Flush(ctx)
				clk.Add(30 * time.Second)
			}
			for i := range tc.items {
				if it := store.item(int64(i + 1)); tc.wantSoon > 0 && it.state == "failed" {
					t.Errorf("item %d given up during the outage: %s", i+1, it.err)
				}
			}
			soon := 0
			for i := range tc.items {
				n := got[fmt.Sprintf("a%d@example.org", i)]
				if n > 1 {
					t.Errorf("a%d got %d copies", i, n)
				}
				soon += n
			}
			if soon != tc.wantSoon {
				t.Errorf("%d of %d delivered within a minute of the end, want %d", soon, tc.items, tc.wantSoon)
			}
			if tc.items == 1 {
				if it := store.item(1); it.Attempts > 8 {
					t.Errorf("a full mailbox was tried %d times: its backoff was cut short", it.Attempts)
				}
			}
		})
	}
}

func (s *memStore) MarkRetryUncounted(ctx context.Context, id int64, next time.Time, errText string) error {
	if err := s.MarkRetry(ctx, id, next, errText); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[id].Attempts = max(s.items[id].Attempts-1, 0)
	return nil
}

// TestSendBeforeData: a refusal at RCPT or a refused connection certainly
// delivered nothing; a refusal of the message itself is not said to be.
func TestSendBeforeData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage string
		want  bool
	}{{"mail", true}, {"rcpt", true}, {"data", false}} {
		ts := startServer(t, &testServer{fail: func(st string, _ int) error {
			if st == tc.stage {
				return smtpErr(451, "try again later")
			}
			return nil
		}}, nil, false)
		err := Send(context.Background(), plainConfig(ts.addr), "a@example.org", []string{"b@example.org"}, []byte("Subject: x\r\n\r\nx\r\n"))
		se, ok := err.(*SendError)
		if !ok || !se.Temporary || se.BeforeData != tc.want {
			t.Errorf("451 at %s: %#v, want BeforeData %v", tc.stage, err, tc.want)
		}
	}
	err := Send(context.Background(), plainConfig("127.0.0.1:1"), "a@example.org", []string{"b@example.org"}, []byte("x"))
	if se, ok := err.(*SendError); !ok || !se.BeforeData {
		t.Errorf("refused connection: %#v, want BeforeData", err)
	}
}
