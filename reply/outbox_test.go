package reply

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"kaohe/outbox"
)

// memStore is an in-memory outbox.Store. fail, when set, is asked before
// each write ("claim", "sent", "retry", "failed", "probe") and each read
// ("due", "count") and may fail it.
type memStore struct {
	mu    sync.Mutex
	items map[int64]*memItem
	sent  []memSent
	fail  func(op string) error
}

type memItem struct {
	outbox.Item
	state string // pending, sent, failed
	next  time.Time
	err   string
}

type memSent struct {
	to, kind string
	at       time.Time
}

func newMemStore(items ...outbox.Item) *memStore {
	s := &memStore{items: map[int64]*memItem{}}
	for _, it := range items {
		s.items[it.ID] = &memItem{Item: it, state: "pending"}
	}
	return s
}

func (s *memStore) check(op string) error {
	if s.fail == nil {
		return nil
	}
	return s.fail(op)
}

func (s *memStore) DueOutbox(_ context.Context, now time.Time, limit int) ([]outbox.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("due"); err != nil {
		return nil, err
	}
	var out []outbox.Item
	for _, it := range s.items {
		if it.state == "pending" && !it.next.After(now) {
			out = append(out, it.Item)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memStore) ClaimOutbox(_ context.Context, id int64, next time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("claim"); err != nil {
		return false, err
	}
	it := s.items[id]
	if it.state != "pending" {
		return false, nil
	}
	it.Attempts++
	it.next = next
	return true, nil
}

func (s *memStore) MarkSent(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("sent"); err != nil {
		return err
	}
	it := s.items[id]
	if it.state == "sent" {
		return nil
	}
	it.state = "sent"
	s.sent = append(s.sent, memSent{it.To, it.Kind, at})
	return nil
}

func (s *memStore) MarkRetry(_ context.Context, id int64, next time.Time, errText string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("retry"); err != nil {
		return err
	}
	it := s.items[id]
	it.next, it.err = next, errText
	return nil
}

func (s *memStore) MarkFailed(_ context.Context, id int64, errText string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("failed"); err != nil {
		return err
	}
	it := s.items[id]
	it.state, it.err = "failed", errText
	return nil
}

func (s *memStore) SentCountSince(_ context.Context, to string, since time.Time) (int, error) {
	return s.count(func(x memSent) bool { return x.to == to }, since)
}

func (s *memStore) SentAllSince(_ context.Context, since time.Time) (int, error) {
	return s.count(func(memSent) bool { return true }, since)
}

func (s *memStore) SentKindSince(_ context.Context, kind string, since time.Time) (int, error) {
	return s.count(func(x memSent) bool { return x.kind == kind }, since)
}

func (s *memStore) count(match func(memSent) bool, since time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("count"); err != nil {
		return 0, err
	}
	n := 0
	for _, x := range s.sent {
		if match(x) && !x.at.Before(since) {
			n++
		}
	}
	return n, nil
}

func (s *memStore) ProbeWrite(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.check("probe")
}

func (s *memStore) item(id int64) memItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.items[id]
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSender(store outbox.Store, addr string, clk *clock) *Sender {
	return &Sender{
		Store: store, SMTP: plainConfig(addr), From: "zzjgb@bjszghzbz.org.cn",
		MaxAttempts: 3, Now: clk.Now, Log: zerolog.Nop(), Rand: func() float64 { return 0.5 },
		BackoffBase: time.Minute, BackoffMax: time.Hour,
	}
}

func composedItem(t *testing.T, id int64) outbox.Item {
	t.Helper()
	m, err := Compose(testIncoming(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	return outbox.Item{ID: id, MessageID: m.MessageID, Kind: m.Kind, To: m.To, Raw: m.Raw}
}

func TestFlushRetriesThenSends(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{fail: func(st string, n int) error {
		if st == "data" && n == 1 {
			return smtpErr(451, "greylisted")
		}
		return nil
	}}, nil, false)
	clk := &clock{t: testReceived}
	item := composedItem(t, 1)
	store := newMemStore(item)
	var appended [][]byte
	s := newSender(store, ts.addr, clk)
	s.AppendSent = func(_ context.Context, raw []byte) error { appended = append(appended, raw); return nil }

	sent, err := s.Flush(context.Background())
	if err != nil || sent != 0 {
		t.Fatalf("first flush: sent %d, %v", sent, err)
	}
	it := store.item(1)
	// Backoff(1, 1m, 1h, 0.5) = 45 s.
	if it.state != "pending" || it.Attempts != 1 || !it.next.Equal(testReceived.Add(45*time.Second)) || it.err == "" {
		t.Fatalf("after 451: %+v", it)
	}
	if sent, _ := s.Flush(context.Background()); sent != 0 {
		t.Fatal("sent before the retry was due")
	}
	clk.Add(time.Minute)
	sent, err = s.Flush(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("second flush: sent %d, %v", sent, err)
	}
	if st := store.item(1).state; st != "sent" {
		t.Errorf("state = %s", st)
	}
	got := ts.mails()
	if len(got) != 1 || !bytes.Equal(got[0].data, item.Raw) || got[0].to[0] != item.To {
		t.Errorf("server got %d mails", len(got))
	}
	if len(appended) != 1 || !bytes.Equal(appended[0], item.Raw) {
		t.Error("sent copy not appended")
	}
}

func TestFlushPermanentFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"550", smtpErr(550, "mailbox unavailable")},
		{"554 DT:SPM", smtpErr(554, "DT:SPM 163 smtp3, content rejected")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &testServer{fail: func(st string, _ int) error {
				if st == "data" {
					return tc.err
				}
				return nil
			}}, nil, false)
			clk := &clock{t: testReceived}
			store := newMemStore(outbox.Item{ID: 7, MessageID: "<m@x>", To: "c@d.cn", Raw: []byte(testMsg)})
			if _, err := newSender(store, ts.addr, clk).Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			it := store.item(7)
			if it.state != "failed" || it.err == "" {
				t.Errorf("after %s: %+v", tc.name, it)
			}
		})
	}
}

func TestFlushGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{fail: func(st string, _ int) error {
		if st == "rcpt" {
			return smtpErr(451, "later")
		}
		return nil
	}}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)})
	s := newSender(store, ts.addr, clk)
	for range 3 {
		if _, err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Hour)
	}
	if it := store.item(1); it.state != "failed" || it.Attempts != 3 {
		t.Errorf("after 3 × 451: %+v", it)
	}
}

func TestFlushDropAfterDotResendsSameBytes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{fail: func(st string, n int) error {
		if st == "data" && n == 1 {
			return errDrop
		}
		return nil
	}}, nil, false)
	clk := &clock{t: testReceived}
	item := composedItem(t, 3)
	store := newMemStore(item)
	s := newSender(store, ts.addr, clk)
	if _, err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if it := store.item(3); it.state != "pending" || it.Attempts != 1 {
		t.Fatalf("after a drop: %+v", it)
	}
	clk.Add(time.Hour)
	if sent, err := s.Flush(context.Background()); err != nil || sent != 1 {
		t.Fatalf("resend: %d, %v", sent, err)
	}
	got := ts.mails()
	if len(got) != 2 || !bytes.Equal(got[0].data, got[1].data) {
		t.Fatalf("server got %d copies, identical: %v", len(got), len(got) == 2 && bytes.Equal(got[0].data, got[1].data))
	}
	// Recomposing from the stored inputs gives the same bytes as well.
	again := composedItem(t, 3)
	if !bytes.Equal(again.Raw, got[1].data) || !bytes.Contains(got[0].data, []byte("Message-Id: "+item.MessageID)) {
		t.Error("recomposed reply differs from the one sent")
	}
}

func TestFlushAuthFailureStopsBatch(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{user: "office"}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)}, outbox.Item{ID: 2, To: "e@f.cn", Raw: []byte(testMsg)})
	s := newSender(store, ts.addr, clk)
	s.SMTP.User, s.SMTP.Password = "office", "wrong"
	_, err := s.Flush(context.Background())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("error = %v, want ErrAuth", err)
	}
	it := store.item(1)
	if it.state != "pending" || it.next.Sub(testReceived) < AuthBackoffBase {
		t.Errorf("auth failure retry: %+v", it)
	}
	if it2 := store.item(2); it2.Attempts != 0 {
		t.Errorf("second item was tried after an auth failure: %+v", it2)
	}
}

func TestFlushRateLimits(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(
		outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)},
		outbox.Item{ID: 2, To: "c@d.cn", Raw: []byte(testMsg)},
		outbox.Item{ID: 3, To: "e@f.cn", Raw: []byte(testMsg)},
		outbox.Item{ID: 4, To: "g@h.cn", Raw: []byte(testMsg)},
	)
	s := newSender(store, ts.addr, clk)
	s.PerRecipientPerHour = 1
	s.GlobalPerDay = 2
	sent, err := s.Flush(context.Background())
	if !errors.Is(err, ErrDailyCap) || sent != 2 {
		t.Fatalf("sent %d, %v; want 2 (ids 1 and 3) and ErrDailyCap", sent, err)
	}
	for id, want := range map[int64]string{1: "sent", 2: "pending", 3: "sent", 4: "pending"} {
		if it := store.item(id); it.state != want || (want == "pending" && it.Attempts != 0) {
			t.Errorf("item %d: %+v, want %s without an attempt", id, it, want)
		}
	}
	clk.Add(25 * time.Hour)
	if sent, _ := s.Flush(context.Background()); sent != 2 {
		t.Errorf("next day sent %d, want 2", sent)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &testServer{}, nil, false)
	clk := &clock{t: testReceived}
	store := newMemStore(outbox.Item{ID: 1, To: "c@d.cn", Raw: []byte(testMsg)})
	s := newSender(store, ts.addr, clk)
	s.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.After(5 * time.Second)
	for store.item(1).state != "sent" {
		select {
		case <-deadline:
			t.Fatal("Run did not send")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
