package mailbox

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"

	"kaohe/internal/dovecottest"
)

// TestDovecotSecondConsumer: two consumers drain one Dovecot mailbox at
// once, with CONDSTORE (claims stored UNCHANGEDSINCE) and, through a proxy
// that hides it, by adding the claim and reading it back. Every message is
// handled exactly once in total and lands in Processed once.
func TestDovecotSecondConsumer(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	for _, tc := range []struct {
		name  string
		hide  []string
		claim ClaimMode
	}{
		{"condstore", nil, ClaimAtomic},
		{"read back", []string{"CONDSTORE", "QRESYNC"}, ClaimReadBack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each case leaves INBOX empty and Processed full; start clean.
			clearMailbox(t, addr, "Processed")
			const n = 60
			target := addr
			if tc.hide != nil {
				target = startProxy(t, addr, nil, tc.hide...).addr
			}
			appendMessages(t, addr, "INBOX", 1, n/2, 0)
			p := startConsumerPair(t, target, nil)
			appendMessages(t, addr, "INBOX", n/2+1, n, 0)
			p.waitTotal(t, n, 30*time.Second)
			p.checkExactlyOnce(t, n)
			for i, w := range p.ws {
				if st := w.Status(); st.Claims != tc.claim {
					t.Errorf("%s: claims %q, want %q", p.ids[i], st.Claims, tc.claim)
				}
			}
			if in := readMailbox(t, addr, "INBOX"); len(in.nums) != 0 {
				t.Errorf("INBOX still holds %v", in.nums)
			}
			done := readMailbox(t, addr, "Processed")
			slices.Sort(done.nums)
			want := make([]int, n)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(done.nums, want) {
				t.Errorf("Processed holds %v, want each of 1..%d once", done.nums, n)
			}
		})
	}
}

// clearMailbox expunges everything in mailbox (tests only: a real drain
// never sends an unscoped EXPUNGE).
func clearMailbox(t *testing.T, addr, mailbox string) {
	t.Helper()
	c := mailClient(t, addr)
	defer func() { c.Logout().Wait() }()
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil || sel.NumMessages == 0 {
		return // not created yet, or empty
	}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
}

// claimStore and flagFetch match, in a trace, a claim stored UNCHANGEDSINCE
// and a separate read of one message's flags.
var (
	claimStore = regexp.MustCompile(`imap: \S+ UID STORE \d+ \(UNCHANGEDSINCE \d+\) \+FLAGS \(\$KaoheClaim-`)
	flagFetch  = regexp.MustCompile(`imap: \S+ UID FETCH \d+ \(((UID|FLAGS|MODSEQ) ?)+\)`) // items in any order
)

// TestDovecotClaimCost: against Dovecot with CONDSTORE an uncontended claim
// is one UID STORE and no further read; it measures a drain with and
// without claims and logs the cost per message.
func TestDovecotClaimCost(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	const n = 50

	// Count the commands of a claimed drain from the protocol trace.
	appendMessages(t, addr, "INBOX", 1, 10, 0)
	var trace dovecottest.SyncBuffer
	cfg := testConfig(addr, zerolog.New(&trace).Level(zerolog.TraceLevel))
	cfg.ConsumerID = "eeee000000000005"
	if err := NewWatcher(cfg, newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	stores := len(claimStore.FindAllString(trace.String(), -1))
	fetches := len(flagFetch.FindAllString(trace.String(), -1))
	if stores != 10 || fetches != 0 {
		t.Errorf("10 messages took %d conditional claim stores and %d flag reads, want 10 and 0", stores, fetches)
	}

	// The claim alone, on one session, against a bare round trip (NOOP).
	appendMessages(t, addr, "INBOX", 11, 10+n, 0)
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	w.cfg.Logger = zerolog.Nop()
	s, err := w.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close(true)
	uids, err := w.searchAbove(s, 10)
	if err != nil || len(uids) != n {
		t.Fatalf("search: %d UIDs, %v", len(uids), err)
	}
	metas, err := w.fetchMeta(s, uids)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, uid := range uids {
		if v, err := w.claim(s, w.cfg.Logger, metas[uid]); err != nil || v != claimOwned {
			t.Fatalf("claim UID %d: %v, %v", uid, v, err)
		}
	}
	claimTook := time.Since(start)
	start = time.Now()
	for range uids {
		if err := s.c.Noop().Wait(); err != nil {
			t.Fatal(err)
		}
	}
	noopTook := time.Since(start)
	t.Logf("Dovecot, %d claims on one session: %.3f ms per claim; a NOOP round trip %.3f ms",
		n, ms(claimTook)/n, ms(noopTook)/n)

	// Whole drains with and without claims (noisy on a shared machine).
	drain := func(id string) time.Duration {
		clearMailbox(t, addr, "INBOX")
		appendMessages(t, addr, "INBOX", 1, n, 0)
		cfg := testConfig(addr, zerolog.Nop())
		cfg.ConsumerID = id
		rec := newRecorder()
		start := time.Now()
		if err := NewWatcher(cfg, newMemCursor(), rec.handle).Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if got := len(rec.handled()); got != n {
			t.Fatalf("handled %d, want %d", got, n)
		}
		return took
	}
	best := map[string]time.Duration{}
	const rounds = 3
	for range rounds {
		for _, id := range []string{"", "eeee000000000005"} {
			if d := drain(id); best[id] == 0 || d < best[id] {
				best[id] = d
			}
		}
	}
	plain, claimed := best[""], best["eeee000000000005"]
	t.Logf("Dovecot, %d messages per drain, best of %d: unclaimed %v (%.2f ms/msg), claimed %v (%.2f ms/msg)",
		n, rounds, plain, ms(plain)/n, claimed, ms(claimed)/n)
	if !strings.Contains(trace.String(), "claims") {
		t.Errorf("the session log does not say how messages are claimed")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TestDovecotClaimUnchangedSince: a claim stored UNCHANGEDSINCE a
// mod-sequence that another session moved on is not stored (MODIFIED):
// after a stranger's flag change the claim is read again and taken; after
// another consumer's claim it is left to that consumer, and ours is never
// set beside it.
func TestDovecotClaimUnchangedSince(t *testing.T) {
	t.Parallel()
	addr := startDovecot(t)
	appendMessages(t, addr, "INBOX", 1, 2, 0)
	var trace dovecottest.SyncBuffer
	cfg := testConfig(addr, zerolog.New(&trace).Level(zerolog.TraceLevel))
	cfg.ConsumerID = "ffff000000000006"
	w := NewWatcher(cfg, newMemCursor(), newRecorder().handle)
	s, err := w.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close(true)
	if s.claims != ClaimAtomic {
		t.Fatalf("claims %q, want %q", s.claims, ClaimAtomic)
	}
	metas, err := w.fetchMeta(s, []imap.UID{1, 2})
	if err != nil || metas[1] == nil || metas[1].modseq == 0 {
		t.Fatalf("meta %+v, %v: want a mod-sequence", metas[1], err)
	}
	// Behind our back: a person flags message 1, another kaohe claims 2.
	storeFlag(t, addr, 1, imap.FlagFlagged)
	storeFlag(t, addr, 2, ClaimPrefix+"0000000000000007")

	log := testLogger(t)
	if v, err := w.claim(s, log, metas[1]); err != nil || v != claimOwned {
		t.Errorf("message 1: %v, %v; want owned after reading the flags again", v, err)
	}
	if v, err := w.claim(s, log, metas[2]); err != nil || v != claimTaken {
		t.Errorf("message 2: %v, %v; want taken by the other", v, err)
	}
	in := readMailbox(t, addr, "INBOX")
	if !hasFlag(in.flags[0], imap.Flag(ClaimPrefix+cfg.ConsumerID)) || !hasFlag(in.flags[0], imap.FlagFlagged) {
		t.Errorf("message 1 flags %v: want our claim beside \\Flagged", in.flags[0])
	}
	if hasFlag(in.flags[1], imap.Flag(ClaimPrefix+cfg.ConsumerID)) {
		t.Errorf("message 2 flags %v: our claim was stored beside the other's", in.flags[1])
	}
	stores := len(claimStore.FindAllString(trace.String(), -1))
	fetches := len(flagFetch.FindAllString(trace.String(), -1))
	if stores != 3 || fetches != 2 {
		t.Errorf("%d conditional stores and %d flag reads, want 3 (1 twice, 2 once) and 2\n%s", stores, fetches, trace.String())
	}
	if st := w.Status(); st.OtherConsumer != "0000000000000007" {
		t.Errorf("other consumer %q, want 0000000000000007", st.OtherConsumer)
	}
}
