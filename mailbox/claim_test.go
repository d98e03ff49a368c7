package mailbox

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// consumerPair runs two Watchers with different consumer ids (two data
// folders: two cursors, two handlers) on one mailbox until n messages were
// handled between them, and returns what each handled.
type consumerPair struct {
	ids  [2]string
	ws   [2]*Watcher
	recs [2]*recorder
}

func startConsumerPair(t *testing.T, addr string, tune func(*Config)) *consumerPair {
	t.Helper()
	p := &consumerPair{ids: [2]string{"aaaa000000000001", "bbbb000000000002"}}
	for i, id := range p.ids {
		cfg := testConfig(addr, testLogger(t).With().Str("consumer", id).Logger())
		cfg.ConsumerID, cfg.Workers = id, 2
		if tune != nil {
			tune(&cfg)
		}
		p.recs[i] = newRecorder()
		// A handler that takes a moment, as storing and checking a form
		// does, so that each consumer meets the other's claims.
		p.recs[i].fail = func(Fetched, int) error { time.Sleep(5 * time.Millisecond); return nil }
		p.ws[i] = NewWatcher(cfg, newMemCursor(), p.recs[i].handle)
	}
	for _, w := range p.ws {
		runWatcher(t, w)
	}
	return p
}

// waitTotal waits until n messages were handled between both consumers,
// then a few more poll periods so that a late duplicate would show.
func (p *consumerPair) waitTotal(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for len(p.recs[0].handled())+len(p.recs[1].handled()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d + %d within %v, want %d in total", len(p.recs[0].handled()), len(p.recs[1].handled()), d, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second)
}

// checkExactlyOnce asserts that each of messages 1..n was handled by
// exactly one consumer, once, and that the collision was reported with the
// other's id by at least one of them.
func (p *consumerPair) checkExactlyOnce(t *testing.T, n int) {
	t.Helper()
	count := map[int][]string{}
	for i, rec := range p.recs {
		for _, m := range rec.handled() {
			k := subjectNum(t, m.Raw)
			count[k] = append(count[k], p.ids[i])
		}
	}
	for k := 1; k <= n; k++ {
		if len(count[k]) != 1 {
			t.Errorf("message %d handled by %v, want exactly one consumer once", k, count[k])
		}
	}
	t.Logf("handled: %d by %s, %d by %s", len(p.recs[0].handled()), p.ids[0], len(p.recs[1].handled()), p.ids[1])
	reported := 0
	for i, w := range p.ws {
		st := w.Status()
		switch st.OtherConsumer {
		case p.ids[1-i], UnknownConsumer:
			reported++
			if st.OtherSince.IsZero() || st.OtherEvidence == "" {
				t.Errorf("%s: other consumer %q without since or evidence: %+v", p.ids[i], st.OtherConsumer, st)
			}
		case "":
		default:
			t.Errorf("%s reports other consumer %q, want %q", p.ids[i], st.OtherConsumer, p.ids[1-i])
		}
	}
	if reported == 0 {
		t.Errorf("neither consumer reported the other")
	}
}

// TestClaimSecondConsumerOnOneMailbox: two consumers drain one memory
// server mailbox at once; every message is handled exactly once in total,
// Processed (or the done keyword) holds each once, and the conflict is
// reported in Status.
func TestClaimSecondConsumerOnOneMailbox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"move", capsFull},
		{"done keyword", capsBare},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n = 40
			ts := startTestServer(t, tc.caps)
			appendMessages(t, ts.addr, "INBOX", 1, n/2, 0)
			p := startConsumerPair(t, ts.addr, nil)
			appendMessages(t, ts.addr, "INBOX", n/2+1, n, 0) // new mail while both watch
			p.waitTotal(t, n, 20*time.Second)
			p.checkExactlyOnce(t, n)
			for i, w := range p.ws {
				if st := w.Status(); st.Claims != ClaimReadBack {
					t.Errorf("%s: claims %q, want %q (the memory server has no CONDSTORE)", p.ids[i], st.Claims, ClaimReadBack)
				}
			}
			want := make([]int, n)
			for i := range want {
				want[i] = i + 1
			}
			in := readMailbox(t, ts.addr, "INBOX")
			if tc.caps.Has(imap.CapMove) {
				if len(in.nums) != 0 {
					t.Errorf("INBOX still holds %v", in.nums)
				}
				done := readMailbox(t, ts.addr, "Processed")
				slices.Sort(done.nums) // in the order the two moved them
				if !slices.Equal(done.nums, want) {
					t.Errorf("Processed holds %v, want each of 1..%d once", done.nums, n)
				}
				return
			}
			if !slices.Equal(in.nums, want) {
				t.Errorf("INBOX holds %v, want 1..%d", in.nums, n)
			}
			for i, fl := range in.flags {
				if !hasFlag(fl, imap.Flag(DefaultDoneKeyword)) {
					t.Errorf("message %d not marked done: %v", in.nums[i], fl)
				}
			}
		})
	}
}

// storeFlag adds flag to the message uid of INBOX, as another program would.
func storeFlag(t *testing.T, addr string, uid imap.UID, flag imap.Flag) {
	t.Helper()
	c := mailClient(t, addr)
	defer func() { c.Logout().Wait() }()
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select: %v", err)
	}
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag}}, nil).Close(); err != nil {
		t.Fatalf("store %s: %v", flag, err)
	}
}

// TestClaimLeftoversOwnForeignAndDone: our own claim left by a crash is
// ours; a message done before is untouched; a message another consumer
// claimed is left to it, reported, and taken over once it has stayed
// unfinished for ClaimLease.
func TestClaimLeftoversOwnForeignAndDone(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsBare) // the done keyword keeps every message in sight
	appendMessages(t, ts.addr, "INBOX", 1, 4, 0)
	const self = "cccc000000000003"
	storeFlag(t, ts.addr, 1, ClaimPrefix+self)
	storeFlag(t, ts.addr, 2, ClaimPrefix+"dead")
	storeFlag(t, ts.addr, 3, DefaultDoneKeyword)
	storeFlag(t, ts.addr, 3, ClaimPrefix+"dead")

	rec := newRecorder()
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.ConsumerID, cfg.ClaimLease = self, 1500*time.Millisecond
	cfg.IdleMax = time.Second // the next look after the lease comes soon
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	stop := runWatcher(t, w)
	got := rec.waitFor(t, 2, 3*time.Second)
	nums := []int{subjectNum(t, got[0].Raw), subjectNum(t, got[1].Raw)}
	if !slices.Equal(nums, []int{1, 4}) {
		t.Fatalf("handled %v first, want [1 4]: our leftover claim and the unclaimed one", nums)
	}
	st := w.Status()
	if st.OtherConsumer != "dead" || !strings.Contains(st.OtherEvidence, "UID 2") {
		t.Errorf("status %+v: want other consumer \"dead\" seen on UID 2", st)
	}
	if n := len(rec.handled()); n != 2 {
		t.Fatalf("handled %d before the lease ran out, want 2", n)
	}
	got = rec.waitFor(t, 3, 5*time.Second)
	if k := subjectNum(t, got[2].Raw); k != 2 {
		t.Errorf("after the lease handled message %d, want 2", k)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	if n := len(rec.handled()); n != 3 {
		t.Errorf("handled %d in all, want 3 (message 3 was done before)", n)
	}
	in := readMailbox(t, ts.addr, "INBOX")
	if fl := in.flags[1]; hasFlag(fl, ClaimPrefix+"dead") || !hasFlag(fl, imap.Flag(ClaimPrefix+self)) {
		t.Errorf("message 2 flags %v: want the stale claim replaced by ours", fl)
	}
	if fl := in.flags[2]; !hasFlag(fl, ClaimPrefix+"dead") || hasFlag(fl, imap.Flag(ClaimPrefix+self)) {
		t.Errorf("message 3 flags %v: a done message must stay untouched", fl)
	}
}

// TestClaimUnavailableWithoutKeywords: a mailbox that keeps no custom
// keywords is drained as before, unclaimed, and Status says so.
func TestClaimUnavailableWithoutKeywords(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{uids: []uint32{1, 2}})
	cfg := testConfig(q.addr, testLogger(t))
	cfg.ConsumerID = "dddd000000000004"
	rec := newRecorder()
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.handled()); n != 2 {
		t.Errorf("handled %d, want 2", n)
	}
	if st := w.Status(); st.Claims != ClaimUnavailable {
		t.Errorf("claims %q, want %q", st.Claims, ClaimUnavailable)
	}
	for _, c := range q.log() {
		if strings.Contains(c, ClaimPrefix) {
			t.Errorf("a claim was sent to a mailbox without keywords: %s", c)
		}
	}
}

// TestClaimCollisionRule: of two claims on one message, the consumer whose
// id sorts first keeps its claim and waits, the other withdraws its own;
// a third party's claim alone leaves the message to it.
func TestClaimCollisionRule(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 2, 0)
	const low, high = "1111", "9999"
	storeFlag(t, ts.addr, 1, ClaimPrefix+low)
	storeFlag(t, ts.addr, 1, ClaimPrefix+high)
	storeFlag(t, ts.addr, 2, ClaimPrefix+low)
	storeFlag(t, ts.addr, 2, ClaimPrefix+high)

	// The higher one withdraws from both and handles nothing.
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.ConsumerID = high
	recHigh := newRecorder()
	if err := NewWatcher(cfg, newMemCursor(), recHigh.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once as %s: %v", high, err)
	}
	if n := len(recHigh.handled()); n != 0 {
		t.Fatalf("%s handled %d messages claimed by %s too, want 0", high, n, low)
	}
	for i, fl := range readMailbox(t, ts.addr, "INBOX").flags {
		if hasFlag(fl, ClaimPrefix+high) || !hasFlag(fl, ClaimPrefix+low) {
			t.Errorf("message %d flags %v: want only %s's claim left", i+1, fl, low)
		}
	}
	// The lower one now finds itself alone and handles both.
	cfg.ConsumerID = low
	recLow := newRecorder()
	if err := NewWatcher(cfg, newMemCursor(), recLow.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once as %s: %v", low, err)
	}
	if n := len(recLow.handled()); n != 2 {
		t.Errorf("%s handled %d, want 2", low, n)
	}
	if done := readMailbox(t, ts.addr, "Processed"); !slices.Equal(done.nums, []int{1, 2}) {
		t.Errorf("Processed holds %v, want [1 2]", done.nums)
	}
}

// TestClaimLowerWaitsWhileBothHold: the consumer whose id sorts first,
// meeting both claims, keeps its own, hands nothing over, and Once says
// the message was left for a retry.
func TestClaimLowerWaitsWhileBothHold(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	storeFlag(t, ts.addr, 1, ClaimPrefix+"1111")
	storeFlag(t, ts.addr, 1, ClaimPrefix+"9999")
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.ConsumerID = "1111"
	rec := newRecorder()
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	if err := w.Once(context.Background()); err == nil || !strings.Contains(err.Error(), "1 claims contended") {
		t.Errorf("Once: %v, want ErrIncomplete with 1 contended claim", err)
	}
	if n := len(rec.handled()); n != 0 {
		t.Errorf("handled %d, want 0 while the other claim stands", n)
	}
	if st := w.Status(); st.OtherConsumer != "9999" {
		t.Errorf("other consumer %q, want 9999", st.OtherConsumer)
	}
	if in := readMailbox(t, ts.addr, "INBOX"); len(in.nums) != 1 || !hasFlag(in.flags[0], ClaimPrefix+"1111") {
		t.Errorf("INBOX %v flags %v: want the message kept with our claim", in.nums, in.flags)
	}
}

// TestClaimVanishedMessagesBetrayAConsumer: messages leaving the mailbox
// under us betray a consumer that does not claim, once a few different
// ones did; one UID vanishing again and again (a server's ghost) does not;
// the report clears an hour after the last evidence.
func TestClaimVanishedMessagesBetrayAConsumer(t *testing.T) {
	t.Parallel()
	now := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	cfg := testConfig("127.0.0.1:1", testLogger(t))
	cfg.Now = func() time.Time { return now }
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	log := testLogger(t)
	for range 5 {
		w.noteVanished(log, 7)
	}
	if st := w.Status(); st.OtherConsumer != "" {
		t.Fatalf("one ghost UID reported as %q", st.OtherConsumer)
	}
	w.noteVanished(log, 8)
	now = now.Add(time.Minute)
	w.noteVanished(log, 9)
	st := w.Status()
	if st.OtherConsumer != UnknownConsumer || !st.OtherSince.Equal(now) || !strings.Contains(st.OtherEvidence, "UID 9") {
		t.Fatalf("after three different UIDs: %+v", st)
	}
	now = now.Add(conflictHold + time.Second)
	if st := w.Status(); st.OtherConsumer != "" {
		t.Errorf("still reported %v after the last evidence: %+v", conflictHold, st)
	}
}

// TestClaimMessagesMovedUnderUs: messages that another program moves away
// between our search and our claim are not handed over, and a few of them
// report an unknown other consumer.
func TestClaimMessagesMovedUnderUs(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 4, 0)
	cfg := testConfig(ts.addr, testLogger(t))
	cfg.ConsumerID = "abab000000000008"
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	s, err := w.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close(true)
	uids := []imap.UID{1, 2, 3, 4}
	metas, err := w.fetchMeta(s, uids)
	if err != nil {
		t.Fatal(err)
	}
	// A claim-less consumer takes 1–3 now.
	c := mailClient(t, ts.addr)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Move(imap.UIDSetNum(1, 2, 3), "Archive").Wait(); err != nil {
		t.Fatal(err)
	}
	log := testLogger(t)
	for _, uid := range uids {
		v, err := w.claim(s, log, metas[uid])
		if want := map[bool]claimVerdict{true: claimGone, false: claimOwned}[uid <= 3]; err != nil || v != want {
			t.Errorf("UID %d: %v, %v; want %v", uid, v, err, want)
		}
	}
	if st := w.Status(); st.OtherConsumer != UnknownConsumer || !strings.Contains(st.OtherEvidence, "3 messages") {
		t.Errorf("status %+v: want an unknown other consumer after 3 vanished messages", st)
	}
}

// ledgerCursor is a memCursor that is also a ClaimLedger.
type ledgerCursor struct {
	*memCursor
	seen map[string]time.Time
}

func (l *ledgerCursor) ForeignClaimSeen(mailbox string, uv, uid uint32, now, forgetBefore time.Time) (time.Time, error) {
	k := l.key(mailbox, uv) + "/" + strconv.Itoa(int(uid))
	if _, ok := l.seen[k]; !ok {
		l.seen[k] = now
	}
	return l.seen[k], nil
}

func (l *ledgerCursor) ForgetForeignClaim(mailbox string, uv, uid uint32) error {
	delete(l.seen, l.key(mailbox, uv)+"/"+strconv.Itoa(int(uid)))
	return nil
}

// TestClaimLeaseAcrossOnceRuns: with a ledger, the lease of a foreign claim
// runs across `serve --once` runs, each a new Watcher.
func TestClaimLeaseAcrossOnceRuns(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	appendMessages(t, ts.addr, "INBOX", 1, 1, 0)
	storeFlag(t, ts.addr, 1, ClaimPrefix+"dead")
	cur := &ledgerCursor{memCursor: newMemCursor(), seen: map[string]time.Time{}}
	now := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	run := func() int {
		cfg := testConfig(ts.addr, testLogger(t))
		cfg.ConsumerID, cfg.Now = "acac000000000009", func() time.Time { return now }
		rec := newRecorder()
		if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		return len(rec.handled())
	}
	if n := run(); n != 0 {
		t.Fatalf("first run handled %d, want 0: the claim is fresh", n)
	}
	now = now.Add(DefaultClaimLease / 2)
	if n := run(); n != 0 {
		t.Fatalf("run within the lease handled %d, want 0", n)
	}
	now = now.Add(DefaultClaimLease / 2)
	if n := run(); n != 1 {
		t.Fatalf("run after the lease handled %d, want 1", n)
	}
	if len(cur.seen) != 0 {
		t.Errorf("ledger keeps %v after the takeover", cur.seen)
	}
}

// TestClaimKeywordNotKept: a server that lists \* in PERMANENTFLAGS yet
// keeps no keyword makes claims unavailable after a few tries; the mail is
// still handled.
func TestClaimKeywordNotKept(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{uids: []uint32{1, 2, 3}, keywords: true, dropKeys: true})
	cfg := testConfig(q.addr, testLogger(t))
	cfg.ConsumerID = "adad00000000000a"
	rec := newRecorder()
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.handled()); n != 3 {
		t.Errorf("handled %d, want 3", n)
	}
	if st := w.Status(); st.Claims != ClaimUnavailable {
		t.Errorf("claims %q, want %q", st.Claims, ClaimUnavailable)
	}
	stores := 0
	for _, c := range q.log() {
		if strings.Contains(c, ClaimPrefix) {
			stores++
		}
	}
	if stores != maxClaimStores {
		t.Errorf("%d claim stores, want %d: the first message's tries, none for the rest of the session", stores, maxClaimStores)
	}
}

// TestClaimCondstoreRefused: a server that lists CONDSTORE but refuses
// SELECT (CONDSTORE) is selected without it, and claims are read back.
func TestClaimCondstoreRefused(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{uids: []uint32{1, 2}, keywords: true, badCond: true})
	cfg := testConfig(q.addr, testLogger(t))
	cfg.ConsumerID = "aeae00000000000b"
	rec := newRecorder()
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.handled()); n != 2 {
		t.Errorf("handled %d, want 2", n)
	}
	if st := w.Status(); st.Claims != ClaimReadBack {
		t.Errorf("claims %q, want %q", st.Claims, ClaimReadBack)
	}
}

// TestClaimUnchangedSinceRefused: a server that refuses STORE
// UNCHANGEDSINCE gets its claims added and read back.
func TestClaimUnchangedSinceRefused(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{uids: []uint32{1, 2}, keywords: true, badSince: true})
	cfg := testConfig(q.addr, testLogger(t))
	cfg.ConsumerID = "afaf00000000000c"
	rec := newRecorder()
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	if err := w.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.handled()); n != 2 {
		t.Errorf("handled %d, want 2", n)
	}
	if st := w.Status(); st.Claims != ClaimReadBack {
		t.Errorf("claims %q, want %q", st.Claims, ClaimReadBack)
	}
	var conditional, plain int
	for _, c := range q.log() {
		switch {
		case strings.Contains(c, "UNCHANGEDSINCE 5"):
			conditional++
		case strings.Contains(c, "+FLAGS ("+ClaimPrefix):
			plain++
		}
	}
	if conditional != 1 || plain != 2 {
		t.Errorf("%d conditional and %d plain claim stores, want 1 (refused) and 2", conditional, plain)
	}
}
