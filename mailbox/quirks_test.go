package mailbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// quirkServer is a scripted IMAP server imitating provider quirks that the
// memory server cannot: 163's "Unsafe Login" without ID, QQ's refusal of
// descending UID ranges, a SELECT without UIDNEXT, and PERMANENTFLAGS
// without \*. INBOX holds the given UIDs; nothing is ever removed.
type quirkServer struct {
	addr        string
	advertiseID bool
	requireID   bool // refuse SELECT until ID was sent
	noUIDNext   bool
	keywords    bool // PERMANENTFLAGS has \*
	dropKeys    bool // ... yet STORE keeps no keyword (only system flags)
	badCond     bool // lists CONDSTORE but refuses SELECT (CONDSTORE)
	badSince    bool // has CONDSTORE but refuses STORE (UNCHANGEDSINCE …)
	uids        []uint32
	ghost       uint32 // listed by SEARCH, absent from FETCH (expunged meanwhile)
	idBad       bool   // answer ID with BAD (some 163 front ends)

	mu       sync.Mutex
	commands []string
	flags    map[uint32][]string
}

func startQuirkServer(t *testing.T, q *quirkServer) *quirkServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	q.addr = ln.Addr().String()
	q.flags = map[uint32][]string{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go q.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return q
}

func (q *quirkServer) caps() string {
	c := "IMAP4rev1 IDLE"
	if q.advertiseID {
		c += " ID"
	}
	if q.badCond || q.badSince {
		c += " CONDSTORE"
	}
	return c
}

func (q *quirkServer) log() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.commands)
}

var uidRangeRe = regexp.MustCompile(`^(\d+)(?::(\d+|\*))?$`)

// parseUIDs expands a UID set; a descending explicit range is an error
// (QQ: "BAD UID parameters!"). "n:*" is "n:max", and "max:n" per RFC 3501
// when n is above every UID.
func (q *quirkServer) parseUIDs(set string) ([]uint32, error) {
	maxUID := uint32(0)
	if len(q.uids) > 0 {
		maxUID = q.uids[len(q.uids)-1]
	}
	var out []uint32
	for _, part := range strings.Split(set, ",") {
		m := uidRangeRe.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("bad set %q", part)
		}
		a, _ := strconv.ParseUint(m[1], 10, 32)
		b := a
		switch m[2] {
		case "":
		case "*":
			b = uint64(maxUID)
			if a > b {
				a, b = b, a
			}
		default:
			b, _ = strconv.ParseUint(m[2], 10, 32)
			if a > b {
				return nil, errors.New("UID parameters!")
			}
		}
		for _, u := range q.uids {
			if uint64(u) >= a && uint64(u) <= b {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

func (q *quirkServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\r\n", args...) }
	say("* OK [CAPABILITY %s] quirk server ready", q.caps())
	w.Flush()
	idSent := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		q.mu.Lock()
		q.commands = append(q.commands, line)
		q.mu.Unlock()
		tag, rest, _ := strings.Cut(line, " ")
		verb := strings.ToUpper(rest)
		switch {
		case strings.HasPrefix(verb, "CAPABILITY"):
			say("* CAPABILITY %s", q.caps())
			say("%s OK done", tag)
		case strings.HasPrefix(verb, "LOGIN"):
			say("%s OK [CAPABILITY %s] logged in", tag, q.caps())
		case strings.HasPrefix(verb, "ID ") && q.idBad:
			say("%s BAD Parse command error", tag)
		case strings.HasPrefix(verb, "ID "):
			idSent = true
			say(`* ID ("name" "quirk")`)
			say("%s OK ID completed", tag)
		case strings.HasPrefix(verb, "SELECT"), strings.HasPrefix(verb, "EXAMINE"):
			if q.requireID && !idSent {
				say("%s NO SELECT Unsafe Login. Please contact kefu@188.com for help", tag)
				break
			}
			if strings.Contains(verb, "(CONDSTORE)") && q.badCond {
				say("%s BAD Unknown SELECT parameter", tag)
				break
			}
			if strings.Contains(verb, "(CONDSTORE)") {
				say("* OK [HIGHESTMODSEQ 5] ok")
			}
			say("* %d EXISTS", len(q.uids))
			say(`* FLAGS (\Seen \Deleted)`)
			if q.keywords {
				say(`* OK [PERMANENTFLAGS (\Seen \Deleted \*)] ok`)
			} else {
				say(`* OK [PERMANENTFLAGS (\Seen \Deleted)] ok`)
			}
			say("* OK [UIDVALIDITY 7] ok")
			if !q.noUIDNext && len(q.uids) > 0 {
				say("* OK [UIDNEXT %d] ok", q.uids[len(q.uids)-1]+1)
			}
			say("%s OK [READ-WRITE] selected", tag)
		case strings.HasPrefix(verb, "UID SEARCH UID "):
			uids, err := q.parseUIDs(strings.Fields(rest)[3])
			if err != nil {
				say("%s BAD %v", tag, err)
				break
			}
			var s []string
			for _, u := range uids {
				s = append(s, strconv.Itoa(int(u)))
			}
			if q.ghost != 0 {
				s = append(s, strconv.Itoa(int(q.ghost)))
			}
			say("* SEARCH %s", strings.Join(s, " "))
			say("%s OK search done", tag)
		case strings.HasPrefix(verb, "UID FETCH "):
			f := strings.Fields(rest)
			uids, err := q.parseUIDs(f[2])
			if err != nil {
				say("%s BAD %v", tag, err)
				break
			}
			for _, u := range uids {
				seq := slices.Index(q.uids, u) + 1
				raw := testMessage(int(u), 0)
				if strings.Contains(verb, "BODY.PEEK[]") {
					fmt.Fprintf(w, "* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n", seq, u, len(raw), raw)
				} else {
					q.mu.Lock()
					fl := strings.Join(q.flags[u], " ")
					q.mu.Unlock()
					modseq := ""
					if strings.Contains(verb, "MODSEQ") {
						modseq = " MODSEQ (5)"
					}
					say(`* %d FETCH (UID %d FLAGS (%s) RFC822.SIZE %d INTERNALDATE "26-Nov-2026 10:00:00 +0800"%s)`, seq, u, fl, len(raw), modseq)
				}
			}
			say("%s OK fetch done", tag)
		case strings.HasPrefix(verb, "UID STORE ") && q.badSince && strings.Contains(verb, "UNCHANGEDSINCE"):
			say("%s BAD Unknown STORE modifier", tag)
		case strings.HasPrefix(verb, "UID STORE "):
			f := strings.Fields(rest)
			uids, err := q.parseUIDs(f[2])
			if err != nil {
				say("%s BAD %v", tag, err)
				break
			}
			flag := strings.Trim(f[len(f)-1], "()")
			q.mu.Lock()
			for _, u := range uids {
				if !q.dropKeys || strings.HasPrefix(flag, `\`) {
					q.flags[u] = append(q.flags[u], flag)
				}
			}
			q.mu.Unlock()
			say("%s OK store done", tag)
		case strings.HasPrefix(verb, "NOOP"):
			say("%s OK noop", tag)
		case strings.HasPrefix(verb, "IDLE"):
			say("+ idling")
			w.Flush()
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
			say("%s OK idle done", tag)
		case strings.HasPrefix(verb, "LOGOUT"):
			say("* BYE bye")
			say("%s OK logout", tag)
			w.Flush()
			return
		default:
			say("%s BAD unknown command", tag)
		}
		w.Flush()
	}
}

// TestQuirk163SendsIDBeforeSelect: a 163-style server refuses SELECT
// without ID; the Watcher sends ID because it is advertised.
func TestQuirk163SendsIDBeforeSelect(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{advertiseID: true, requireID: true, keywords: true, uids: []uint32{3, 4}})
	rec := newRecorder()
	if err := NewWatcher(testConfig(q.addr, testLogger(t)), newMemCursor(), rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	if n := len(rec.handled()); n != 2 {
		t.Errorf("handled %d, want 2", n)
	}
	log := q.log()
	iID := slices.IndexFunc(log, func(s string) bool { return strings.Contains(s, ` ID ("name" "kaohe"`) })
	iSel := slices.IndexFunc(log, func(s string) bool { return strings.Contains(s, " SELECT ") })
	if iID < 0 || iSel < iID {
		t.Errorf("ID (%d) must come before SELECT (%d): %q", iID, iSel, log)
	}
}

// TestQuirkUnsafeLoginWithoutID: when the server refuses SELECT as an
// unsafe login (no ID advertised), the error is ErrUnsafeLogin.
func TestQuirkUnsafeLoginWithoutID(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{requireID: true, uids: []uint32{1}})
	err := NewWatcher(testConfig(q.addr, testLogger(t)), newMemCursor(), newRecorder().handle).Once(context.Background())
	if !errors.Is(err, ErrUnsafeLogin) {
		t.Fatalf("Once: %v, want ErrUnsafeLogin", err)
	}
	for _, c := range q.log() {
		if strings.Contains(c, " ID ") {
			t.Errorf("ID sent although not advertised: %q", c)
		}
	}
}

// TestQuirkQQAscendingRangesAndStarQuirk: every UID set the Watcher sends
// is ascending (QQ rejects descending ranges), sparse UIDs are handled in
// order, and with the cursor at the highest UID the "n:*" answer (which
// returns that UID again) is filtered out.
func TestQuirkQQAscendingRangesAndStarQuirk(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{advertiseID: true, keywords: true, uids: []uint32{5, 9, 12, 13, 14}})
	cur := newMemCursor()
	rec := newRecorder()
	cfg := testConfig(q.addr, testLogger(t))
	if err := NewWatcher(cfg, cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	var uids []uint32
	for _, m := range rec.handled() {
		uids = append(uids, m.UID)
	}
	if !slices.Equal(uids, []uint32{5, 9, 12, 13, 14}) {
		t.Errorf("handled UIDs %v", uids)
	}
	// The server kept everything (no MOVE/UIDPLUS); a fresh Watcher with the
	// cursor at 14 asks "15:*", gets 14 back, and must hand nothing.
	q.mu.Lock()
	q.flags = map[uint32][]string{} // forget the keyword: only the filter protects
	q.mu.Unlock()
	rec2 := newRecorder()
	if err := NewWatcher(cfg, cur, rec2.handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec2.handled()); n != 0 {
		t.Errorf("%d messages handed again after the n:* quirk, want 0", n)
	}
	rangeRe := regexp.MustCompile(`(\d+):(\d+)`)
	sawStar := false
	for _, c := range q.log() {
		if strings.Contains(c, "UID SEARCH UID 15:*") {
			sawStar = true
		}
		for _, m := range rangeRe.FindAllStringSubmatch(c, -1) {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if a > b {
				t.Errorf("descending range in %q", c)
			}
		}
	}
	if !sawStar {
		t.Errorf("no UID SEARCH UID 15:* in %q", q.log())
	}
}

// TestQuirkNoKeywordsUsesSeen: without MOVE, UIDPLUS and \* in
// PERMANENTFLAGS (Exchange style), handled mail is marked \Seen.
func TestQuirkNoKeywordsUsesSeen(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{uids: []uint32{1, 2}})
	if err := NewWatcher(testConfig(q.addr, testLogger(t)), newMemCursor(), newRecorder().handle).Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, u := range q.uids {
		if !slices.Equal(q.flags[u], []string{`\Seen`}) {
			t.Errorf("UID %d flags %v, want [\\Seen]", u, q.flags[u])
		}
	}
}

// TestQuirkNoUIDNextPolls: IDLE is advertised but SELECT gave no UIDNEXT;
// the Watcher polls with NOOP instead of idling.
func TestQuirkNoUIDNextPolls(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{advertiseID: true, noUIDNext: true, keywords: true, uids: []uint32{1}})
	rec := newRecorder()
	cfg := testConfig(q.addr, testLogger(t))
	cfg.PollInterval = 100 * time.Millisecond
	w := NewWatcher(cfg, newMemCursor(), rec.handle)
	stop := runWatcher(t, w)
	rec.waitFor(t, 1, 2*time.Second)
	count := func(suffix string) int {
		n := 0
		for _, c := range q.log() {
			if strings.HasSuffix(c, suffix) {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(3 * time.Second)
	for count(" NOOP") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if n := count(" NOOP"); n < 3 {
		t.Errorf("%d NOOP polls in 3 s at a 100 ms interval, want ≥ 3", n)
	}
	if n := count(" IDLE"); n != 0 {
		t.Errorf("IDLE used %d times without UIDNEXT", n)
	}
}

// TestQuirkVanishedMessageHoldsCursor: a UID listed by SEARCH but gone by
// FETCH time is skipped without a Handler call, and the cursor does not
// move past it (it may have been a glitch).
func TestQuirkVanishedMessageHoldsCursor(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{advertiseID: true, keywords: true, uids: []uint32{1, 3}, ghost: 2})
	cur := newMemCursor()
	rec := newRecorder()
	if err := NewWatcher(testConfig(q.addr, testLogger(t)), cur, rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	var uids []uint32
	for _, m := range rec.handled() {
		uids = append(uids, m.UID)
	}
	if !slices.Equal(uids, []uint32{1, 3}) {
		t.Errorf("handled %v, want [1 3]", uids)
	}
	if last, _ := cur.LastUID("INBOX", 7); last != 1 {
		t.Errorf("cursor = %d, want 1 (held below the vanished UID 2)", last)
	}
}

// TestQuirkIDRejectedIsNotFatal: a server that advertises ID but answers
// BAD still gets its mail fetched.
func TestQuirkIDRejectedIsNotFatal(t *testing.T) {
	t.Parallel()
	q := startQuirkServer(t, &quirkServer{advertiseID: true, idBad: true, keywords: true, uids: []uint32{1}})
	rec := newRecorder()
	if err := NewWatcher(testConfig(q.addr, testLogger(t)), newMemCursor(), rec.handle).Once(context.Background()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	if n := len(rec.handled()); n != 1 {
		t.Errorf("handled %d, want 1", n)
	}
}
