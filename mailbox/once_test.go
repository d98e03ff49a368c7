package mailbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"

	"kaohe/internal/dovecottest"
)

// TestOnceHandsEachMessageOnceInUIDOrderAndMoves checks the happy path: a
// Once pass hands every waiting message exactly once, in UID order, fetched
// with BODY.PEEK[], then moves it to the Done mailbox (created on demand).
func TestOnceHandsEachMessageOnceInUIDOrderAndMoves(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 5, 0)
	cur := newMemCursor()
	rec := newRecorder()
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	got := rec.handled()
	if len(got) != 5 {
		t.Fatalf("handled %d messages, want 5", len(got))
	}
	for i, m := range got {
		if m.UID != uint32(i+1) || subjectNum(t, m.Raw) != i+1 {
			t.Errorf("message %d: UID %d subject %d, want UID and subject %d", i, m.UID, subjectNum(t, m.Raw), i+1)
		}
		if m.Mailbox != "INBOX" || m.UIDValidity == 0 || m.Size != int64(len(m.Raw)) || m.InternalDate.IsZero() {
			t.Errorf("message %d: metadata %+v (raw %d bytes)", i, m, len(m.Raw))
		}
	}
	if in := readMailbox(t, ts.addr, "INBOX"); len(in.uids) != 0 {
		t.Errorf("INBOX still holds %v", in.nums)
	}
	done := readMailbox(t, ts.addr, "Processed")
	if !slices.Equal(done.nums, []int{1, 2, 3, 4, 5}) {
		t.Errorf("Processed holds %v, want 1..5", done.nums)
	}
	for i, fl := range done.flags {
		if slices.Contains(fl, imap.FlagSeen) {
			t.Errorf("processed message %d has \\Seen: the body must be fetched with PEEK", i+1)
		}
	}
	tr := ts.transcript.String()
	if !strings.Contains(tr, "BODY.PEEK[]") || !strings.Contains(tr, "UID MOVE") {
		t.Errorf("transcript lacks BODY.PEEK[] or UID MOVE")
	}
	if last, _ := cur.LastUID("INBOX", got[0].UIDValidity); last != 5 {
		t.Errorf("cursor = %d, want 5", last)
	}
	// A second pass finds nothing: "6:*" matches the last message on
	// servers, and here the mailbox is empty.
	if err := w.Once(context.Background()); err != nil || len(rec.handled()) != 5 {
		t.Errorf("second Once: err %v, handled %d, want nil and 5", err, len(rec.handled()))
	}
}

// TestOnceFiltersStarRange: with the cursor at the highest UID, "n:*" still
// returns that message; it must not be handed again.
func TestOnceFiltersStarRange(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsBare) // no MOVE: messages stay in INBOX
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	cur := newMemCursor()
	rec := newRecorder()
	cfg := testConfig(ts.addr, testLogger(t))
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A fresh Watcher (as after a restart) with the same cursor.
	rec2 := newRecorder()
	if err := NewWatcher(cfg, cur, rec2.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec2.handled()); n != 0 {
		t.Errorf("after restart %d messages were handed again, want 0", n)
	}
	if !strings.Contains(ts.transcript.String(), "UID SEARCH UID 4:*") {
		t.Errorf("expected an ascending UID SEARCH UID 4:* in the transcript")
	}
}

// TestOnceBurst200 drains a backlog of 200 messages in order.
func TestOnceBurst200(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 200, 0)
	rec := newRecorder()
	cur := newMemCursor()
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.handled()
	if len(got) != 200 {
		t.Fatalf("handled %d, want 200", len(got))
	}
	// The cursor reaches the last message, written every cursorEvery
	// messages rather than after each.
	if last, _ := cur.LastUID("INBOX", got[0].UIDValidity); last != got[199].UID {
		t.Errorf("cursor at %d, want %d", last, got[199].UID)
	}
	if want := 200 / cursorEvery; cur.writes != want {
		t.Errorf("cursor written %d times, want %d", cur.writes, want)
	}
	for i, m := range got {
		if subjectNum(t, m.Raw) != i+1 {
			t.Fatalf("message %d has subject %d: out of order", i+1, subjectNum(t, m.Raw))
		}
	}
	if n := len(readMailbox(t, ts.addr, "Processed").uids); n != 200 {
		t.Errorf("Processed holds %d, want 200", n)
	}
}

// TestOnceHandlerErrorLeavesMessage: a failed message stays in INBOX, the
// others are moved, the cursor does not pass it, and the next pass offers it
// again.
func TestOnceHandlerErrorLeavesMessage(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	cur := newMemCursor()
	rec := newRecorder()
	rec.fail = func(m Fetched, attempt int) error {
		if m.UID == 2 && attempt == 1 {
			return errors.New("database is locked")
		}
		return nil
	}
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec.handle)
	err := w.Once(context.Background())
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("first Once: %v, want ErrIncomplete", err)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{2}) {
		t.Errorf("INBOX holds %v, want [2]", in.nums)
	}
	uv := rec.handled()[0].UIDValidity
	if last, _ := cur.LastUID("INBOX", uv); last != 1 {
		t.Errorf("cursor = %d, want 1 (must not pass the failed UID 2)", last)
	}
	if err := w.Once(context.Background()); err != nil {
		t.Fatalf("second Once: %v", err)
	}
	var uids []uint32
	for _, m := range rec.handled() {
		uids = append(uids, m.UID)
	}
	if !slices.Equal(uids, []uint32{1, 3, 2}) {
		t.Errorf("handled UIDs %v, want [1 3 2]", uids)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); len(in.nums) != 0 {
		t.Errorf("INBOX holds %v after the retry", in.nums)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1, 3, 2}) {
		t.Errorf("Processed holds %v, want [1 3 2]", done.nums)
	}
}

// TestOnceHandlerPanicIsAnError: a panicking handler does not kill the
// watcher; the message stays.
func TestOnceHandlerPanicIsAnError(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	rec := newRecorder()
	rec.fail = func(m Fetched, _ int) error {
		if m.UID == 1 {
			panic("boom")
		}
		return nil
	}
	err := NewWatcher(testConfig(ts.addr, testLogger(t)), newMemCursor(), rec.handle).Once(context.Background())
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Once: %v, want ErrIncomplete", err)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{1}) {
		t.Errorf("INBOX holds %v, want [1]", in.nums)
	}
}

// TestOnceTooLarge: a message above MaxMessageSize is handed with Raw nil
// and its real size, and its body is never fetched.
func TestOnceTooLarge(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	appendMessages(t, ts.addr, "INBOX", 2, 2, 5000)
	rec := newRecorder()
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.MaxMessageSize = 2000
	if err := NewWatcher(cfg, newMemCursor(), rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.handled()
	if len(got) != 2 {
		t.Fatalf("handled %d, want 2", len(got))
	}
	if got[0].TooLarge() || !got[1].TooLarge() {
		t.Errorf("TooLarge = %v, %v; want false, true", got[0].TooLarge(), got[1].TooLarge())
	}
	if got[1].Size < 5000 {
		t.Errorf("too-large size = %d, want ≥ 5000", got[1].Size)
	}
	// Its header alone is fetched, so that the sender can be told.
	if h := string(got[1].Header); !strings.Contains(h, "Subject: msg 2") || strings.Contains(h, "body of message") {
		t.Errorf("too-large header = %q", h)
	}
	if strings.Count(ts.transcript.String(), "BODY.PEEK[]") != 1 {
		t.Errorf("want exactly one body fetch (for the small message)")
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1, 2}) {
		t.Errorf("Processed holds %v, want [1 2]: a too-large message the handler accepted is done", done.nums)
	}
}

// TestOnceUIDValidityReset: after the mailbox is recreated (new
// UIDVALIDITY) the same messages are offered again under the new
// UIDVALIDITY; deduplication is the caller's job.
func TestOnceUIDValidityReset(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	cur := newMemCursor()
	rec := newRecorder()
	w := NewWatcher(testConfig(ts.addr, testLogger(t)), cur, rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ts.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := ts.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.handled()
	if len(got) != 6 {
		t.Fatalf("handled %d, want 6 (3 before and 3 after the reset)", len(got))
	}
	if got[0].UIDValidity == got[3].UIDValidity {
		t.Errorf("UIDVALIDITY did not change: %d", got[0].UIDValidity)
	}
	for i := range 3 {
		if got[i].UID != got[i+3].UID || subjectNum(t, got[i].Raw) != subjectNum(t, got[i+3].Raw) {
			t.Errorf("re-offered message %d differs: UID %d/%d", i, got[i].UID, got[i+3].UID)
		}
	}
}

// TestOnceAuthFailure: a wrong password is ErrAuthFailed and the password
// never appears in the log, even at trace level.
func TestOnceAuthFailure(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	var logBuf dovecottest.SyncBuffer
	cfg := testConfig(ts.addr, zerolog.New(&logBuf).Level(zerolog.TraceLevel))
	cfg.Password = "wrong-" + testPassword
	err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background())
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Once: %v, want ErrAuthFailed", err)
	}
	if strings.Contains(logBuf.String(), testPassword) {
		t.Errorf("password leaked into the log")
	}
}

// TestTraceLogRedactsPassword: at trace level the protocol is logged, but
// not the LOGIN command.
func TestTraceLogRedactsPassword(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	var logBuf dovecottest.SyncBuffer
	cfg := testConfig(ts.addr, zerolog.New(&logBuf).Level(zerolog.TraceLevel))
	if err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := logBuf.String()
	if strings.Contains(out, testPassword) {
		t.Errorf("password leaked into the trace log")
	}
	if !strings.Contains(out, "redacted") || !strings.Contains(out, "SELECT") {
		t.Errorf("trace log lacks the redaction marker or the protocol: %.300s", out)
	}
}

// TestOnceSkipsDoneKeywordWithoutCursor: when the cursor is lost (new
// database), messages already carrying the done keyword are not handed
// again; unmarked ones are.
func TestOnceSkipsDoneKeywordWithoutCursor(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsBare)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	cfg := testConfig(ts.addr, testLogger(t))
	if err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	appendMessages(t, ts.addr, "INBOX", 3, 3, 0)
	rec := newRecorder()
	cur := newMemCursor()
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.handled()
	if len(got) != 1 || subjectNum(t, got[0].Raw) != 3 {
		t.Fatalf("handled %d messages, want only message 3", len(got))
	}
	if last, _ := cur.LastUID("INBOX", got[0].UIDValidity); last != 3 {
		t.Errorf("cursor = %d, want 3 (keyworded messages count as done)", last)
	}
}

// TestOnceSinceIgnoresOldMail: messages received before Since are neither
// handed over nor moved, and are not examined again.
func TestOnceSinceIgnoresOldMail(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0) // INTERNALDATE = now
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.Since = time.Now().Add(time.Hour)
	cur := newMemCursor()
	rec := newRecorder()
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.handled()); n != 0 {
		t.Errorf("handled %d old messages, want 0", n)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); !slices.Equal(in.nums, []int{1, 2}) {
		t.Errorf("INBOX holds %v, want the old mail untouched", in.nums)
	}
	if last, _ := cur.LastUID("INBOX", 1); last != 2 {
		t.Errorf("cursor = %d, want 2 (old mail skipped for good)", last)
	}
	cfg.Since = time.Now().Add(-time.Hour)
	appendMessages(t, ts.addr, "INBOX", 3, 3, 0)
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.handled(); len(got) != 1 || subjectNum(t, got[0].Raw) != 3 {
		t.Errorf("handled %d, want only message 3", len(got))
	}
}
