package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"io"
	"log"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/rs/zerolog"

	"kaohe/internal/dovecottest"
)

const (
	testUser     = "office@example.com"
	testPassword = "s3cr3t-PW"
)

// testServer is an in-memory IMAP server on 127.0.0.1:0.
type testServer struct {
	user       *imapmemserver.User
	addr       string
	transcript *dovecottest.SyncBuffer // everything the server read and wrote
}

// capsFull advertises MOVE and UIDPLUS; capsBare only IMAP4rev1 (the
// imapserver always adds IDLE for IMAP4rev1 sessions).
var (
	capsFull = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}}
	capsBare = imap.CapSet{imap.CapIMAP4rev1: {}}
)

func startTestServer(t *testing.T, caps imap.CapSet) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	ts := &testServer{user: user, transcript: &dovecottest.SyncBuffer{}}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
		DebugWriter:  ts.transcript,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ts.addr = ln.Addr().String()
	return ts
}

// testConfig is a fast configuration against addr.
func testConfig(addr string, logger zerolog.Logger) Config {
	return Config{
		Addr: addr, TLS: TLSNone, User: testUser, Password: testPassword,
		PollInterval: 200 * time.Millisecond, IdleMax: 5 * time.Second,
		CommandTimeout: 3 * time.Second, MaxMessageSize: 1 << 20,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		AuthBackoff: 300 * time.Millisecond, AllowFastAuthRetry: true,
		ReconcileEvery: -1, // tests of the cursor; TestReconcile… turns it on
		Logger:         logger,
	}
}

// testLogger writes to t.Log only when the test fails (zerolog test writer).
func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel).With().Timestamp().Logger()
}

// testMessage is a small RFC 5322 message; pad adds that many body bytes.
func testMessage(n int, pad int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: branch%d@example.com\r\nTo: office@example.com\r\nSubject: msg %d\r\n", n, n)
	fmt.Fprintf(&b, "Message-ID: <%d@test.example>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0800\r\n\r\n", n)
	fmt.Fprintf(&b, "body of message %d\r\n", n)
	for pad > 0 {
		line := strings.Repeat("x", min(pad, 76))
		b.WriteString(line + "\r\n")
		pad -= len(line)
	}
	return []byte(b.String())
}

// mailClient is a test client talking directly to the server.
func mailClient(t *testing.T, addr string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// appendMessages appends messages first..last (numbered) to mailbox.
func appendMessages(t *testing.T, addr, mailbox string, first, last, pad int) {
	t.Helper()
	c := mailClient(t, addr)
	for n := first; n <= last; n++ {
		raw := testMessage(n, pad)
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}

// mailboxState is what a mailbox holds: subjects' numbers in UID order and
// each message's flags.
type mailboxState struct {
	uids  []imap.UID
	nums  []int
	flags [][]imap.Flag
}

func readMailbox(t *testing.T, addr, mailbox string) mailboxState {
	t.Helper()
	c := mailClient(t, addr)
	defer func() { c.Logout().Wait() }()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	var st mailboxState
	if sel.NumMessages == 0 {
		return st
	}
	bufs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
	for _, m := range bufs {
		var n int
		for _, v := range m.BodySection {
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(string(v.Bytes), "Subject: ")), "msg %d", &n)
		}
		st.uids = append(st.uids, m.UID)
		st.nums = append(st.nums, n)
		st.flags = append(st.flags, m.Flags)
	}
	return st
}

// memCursor is an in-memory Cursor.
type memCursor struct {
	mu     sync.Mutex
	last   map[string]uint32
	writes int
}

func newMemCursor() *memCursor { return &memCursor{last: map[string]uint32{}} }

func (c *memCursor) key(mailbox string, uv uint32) string { return fmt.Sprintf("%s/%d", mailbox, uv) }

func (c *memCursor) LastUID(mailbox string, uv uint32) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[c.key(mailbox, uv)], nil
}

func (c *memCursor) SetLastUID(mailbox string, uv uint32, uid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if uid < c.last[c.key(mailbox, uv)] {
		return errors.New("cursor moved backwards")
	}
	c.last[c.key(mailbox, uv)] = uid
	c.writes++
	return nil
}

// recorder is a Handler that records what it is handed; fail, if set,
// decides per message whether to return an error.
type recorder struct {
	mu   sync.Mutex
	got  []Fetched
	fail func(m Fetched, attempt int) error
	seen map[uint32]int
	ch   chan Fetched
}

func newRecorder() *recorder {
	return &recorder{seen: map[uint32]int{}, ch: make(chan Fetched, 1000)}
}

func (r *recorder) handle(ctx context.Context, m Fetched) error {
	r.mu.Lock()
	r.seen[m.UID]++
	attempt := r.seen[m.UID]
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(m, attempt); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	r.ch <- m
	return nil
}

func (r *recorder) handled() []Fetched {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// subjectNum extracts n from "Subject: msg n" in a raw message.
func subjectNum(t *testing.T, raw []byte) int {
	t.Helper()
	i := bytes.Index(raw, []byte("Subject: msg "))
	if i < 0 {
		t.Fatalf("no subject in %q", raw)
	}
	var n int
	fmt.Sscanf(string(raw[i+len("Subject: msg "):]), "%d", &n)
	return n
}

// waitFor waits until n messages were handled or the deadline passes.
func (r *recorder) waitFor(t *testing.T, n int, d time.Duration) []Fetched {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if got := r.handled(); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := r.handled()
	t.Fatalf("handled %d messages within %v, want %d", len(got), d, n)
	return got
}

// runWatcher starts Run in the background and returns a stop function that
// cancels it and reports how long Run took to return.
func runWatcher(t *testing.T, w *Watcher) (stop func() (time.Duration, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	var runErr error
	stop = func() (time.Duration, error) {
		once.Do(func() {
			start := time.Now()
			cancel()
			select {
			case runErr = <-done:
				took = time.Since(start)
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10 s of cancel")
			}
		})
		return took, runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}
