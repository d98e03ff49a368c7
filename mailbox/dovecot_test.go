package mailbox

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"kaohe/internal/dovecottest"
)

// startDovecot runs a throw-away Dovecot with the test user (dovecottest.Start).
func startDovecot(t *testing.T) string { return dovecottest.Start(t, testUser, testPassword) }

// TestDovecotOnceMoves runs a Once pass against a real Dovecot: every
// message is handed once in order, moved to Processed, and \Seen is not set
// by the fetch (Dovecot, unlike the memory server, sets \Seen on BODY[]).
func TestDovecotOnceMoves(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	appendMessages(t, addr, "INBOX", 1, 3, 2000)
	rec := newRecorder()
	cur := newMemCursor()
	cfg := testConfig(addr, testLogger(t))
	rep, err := Inspect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if rep.MarkMode != "move" || !rep.Idle || !rep.IDSent || rep.Messages != 3 || rep.DoneExists {
		t.Errorf("Inspect report %+v: want move, idle, ID, 3 messages, no Processed yet", rep)
	}
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	got := rec.handled()
	if len(got) != 3 {
		t.Fatalf("handled %d, want 3", len(got))
	}
	for i, m := range got {
		if subjectNum(t, m.Raw) != i+1 || int64(len(m.Raw)) != m.Size {
			t.Errorf("message %d: subject %d, %d bytes of %d", i+1, subjectNum(t, m.Raw), len(m.Raw), m.Size)
		}
	}
	if in := readMailbox(t, addr, "INBOX"); len(in.nums) != 0 {
		t.Errorf("INBOX holds %v", in.nums)
	}
	done := readMailbox(t, addr, "Processed")
	if !slices.Equal(done.nums, []int{1, 2, 3}) {
		t.Errorf("Processed holds %v, want [1 2 3]", done.nums)
	}
	for i, fl := range done.flags {
		if hasFlag(fl, imap.FlagSeen) {
			t.Errorf("message %d is \\Seen: BODY.PEEK[] not used", i+1)
		}
	}
}

// TestDovecotCopyExpungeAndFlagModes hides MOVE (and then UIDPLUS) from
// the client with the proxy: with UIDPLUS the message is copied and
// UID-expunged; with neither it stays in INBOX with the done keyword.
func TestDovecotCopyExpungeAndFlagModes(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	appendMessages(t, addr, "INBOX", 1, 2, 0)

	px := startProxy(t, addr, nil, "MOVE")
	rec := newRecorder()
	rec.fail = func(m Fetched, _ int) error {
		if subjectNum(t, m.Raw) == 1 {
			return fmt.Errorf("keep message 1")
		}
		return nil
	}
	cfg := testConfig(px.addr, testLogger(t))
	if err := NewWatcher(cfg, newMemCursor(), rec.handle).Once(context.Background()); err == nil {
		t.Fatal("Once: want ErrIncomplete for the kept message")
	}
	if in := readMailbox(t, addr, "INBOX"); !slices.Equal(in.nums, []int{1}) {
		t.Errorf("INBOX holds %v, want [1]", in.nums)
	}
	if done := readMailbox(t, addr, "Processed"); !slices.Equal(done.nums, []int{2}) {
		t.Errorf("Processed holds %v, want [2]", done.nums)
	}

	px2 := startProxy(t, addr, nil, "MOVE", "UIDPLUS", "IMAP4rev2")
	cur := newMemCursor()
	rec2 := newRecorder()
	cfg2 := testConfig(px2.addr, testLogger(t))
	if err := NewWatcher(cfg2, cur, rec2.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once without MOVE/UIDPLUS: %v", err)
	}
	in := readMailbox(t, addr, "INBOX")
	if !slices.Equal(in.nums, []int{1}) || !hasFlag(in.flags[0], imap.Flag(DefaultDoneKeyword)) {
		t.Errorf("INBOX holds %v with flags %v, want [1] with %s", in.nums, in.flags, DefaultDoneKeyword)
	}
	rec3 := newRecorder()
	if err := NewWatcher(cfg2, cur, rec3.handle).Once(context.Background()); err != nil || len(rec3.handled()) != 0 {
		t.Errorf("second pass: err %v, handled %d, want nil and 0", err, len(rec3.handled()))
	}
}

// TestDovecotIdle: Dovecot reports new mail during IDLE and Run handles it
// within a couple of seconds.
func TestDovecotIdle(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	rec := newRecorder()
	cfg := testConfig(addr, testLogger(t))
	cfg.IdleMax, cfg.PollInterval = 10*time.Minute, 10*time.Minute
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	stop := runWatcher(t, w)
	waitConnected(t, w)
	time.Sleep(200 * time.Millisecond)
	appendMessages(t, addr, "INBOX", 1, 1, 0)
	rec.waitFor(t, 1, 3*time.Second)
	if took, _ := stop(); took > 2*time.Second {
		t.Errorf("Run took %v to stop", took)
	}
}
