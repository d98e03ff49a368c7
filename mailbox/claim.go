package mailbox

// One mailbox, one consumer.
//
// Two daemons with different data folders on one mailbox would each answer
// every message. So before a message is fetched and handed to the Handler,
// it is claimed in the mailbox itself with the keyword
// ClaimPrefix+ConsumerID, and the rule that keeps this safe on any server
// that keeps keywords is:
//
//	a consumer hands a message over only after a read of its flags, made
//	after its own claim was stored, shows its claim and no other.
//
// A consumer that proceeds never withdraws its claim, so of two consumers
// racing, the later one's read sees both claims and holds back. When both
// see both, the one whose id sorts first keeps its claim and waits, the
// other withdraws its own; the first then finds itself alone on its next
// look. With CONDSTORE the claim is stored UNCHANGEDSINCE the mod-sequence
// of the read that showed no claim (RFC 7162 §3.1.3), so a claim never
// lands beside another one that was not there when the flags were read.
// The STORE's own FETCH reply is the read: one round trip per message.
//
// A claim left unfinished for ClaimLease, its consumer presumed gone, is
// taken over: a message nobody answers is worse than one answered twice.
// So intake that pauses should pause before the claim step, not between a
// claim and the Handler.
//
// Evidence of another consumer (its claims, or messages vanishing between
// our search and our claim) is said loudly: one error log per episode and
// Status.OtherConsumer while it lasts, for /healthz and a staff notice.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rs/zerolog"
)

// ClaimPrefix starts the keyword a consumer claims a message with; the
// consumer's id follows.
const ClaimPrefix = "$KaoheClaim-"

// UnknownConsumer is Status.OtherConsumer when another consumer betrayed
// itself only by taking messages away, not by a claim.
const UnknownConsumer = "unknown"

// ClaimMode says how messages are claimed in the mailbox.
type ClaimMode string

// Claim modes.
const (
	ClaimOff      ClaimMode = ""          // no ConsumerID, or not connected yet
	ClaimAtomic   ClaimMode = "condstore" // STORE UNCHANGEDSINCE: claims never collide
	ClaimReadBack ClaimMode = "keyword"   // the claim is added and read back: collisions are detected
	// ClaimUnavailable: the mailbox keeps no custom keywords (no \* in
	// PERMANENTFLAGS) or drops ours; messages are handled unclaimed, and a
	// second consumer would answer them too.
	ClaimUnavailable ClaimMode = "unavailable"
)

const (
	// conflictHold is how long another consumer stays reported after the
	// last evidence of it.
	conflictHold = time.Hour
	// vanishAlarm messages vanishing under us within conflictHold betray a
	// consumer that does not claim; fewer may be a person tidying up.
	vanishAlarm = 3
	// maxClaimStores bounds the STOREs of one claim; the last one is not
	// conditional, so that a mailbox busy with flag changes still settles.
	maxClaimStores = 3
)

// claimVerdict is what the claim step decided about one message.
type claimVerdict int

const (
	claimOwned claimVerdict = iota // ours, or claims unavailable: hand it over
	claimTaken                     // another consumer holds it: leave it to them
	claimWait                      // both hold it and ours is to stay: look again soon
	claimGone                      // it left the mailbox before it could be claimed
)

// otherConsumer is the current episode of another consumer on the mailbox.
type otherConsumer struct {
	id          string
	since, last time.Time
	evidence    string
}

// claimKey names a message across UIDVALIDITY changes.
type claimKey struct{ uidValidity, uid uint32 }

// claimMode is how this session claims messages.
func (s *imapSession) claimMode() ClaimMode {
	if s.cfg.ConsumerID == "" {
		return ClaimOff
	}
	return s.claimModeWithID()
}

// claimModeWithID is how the session would claim messages with a
// ConsumerID.
func (s *imapSession) claimModeWithID() ClaimMode {
	switch {
	case !s.keywords:
		return ClaimUnavailable
	case s.condstore:
		return ClaimAtomic
	default:
		return ClaimReadBack
	}
}

func validConsumerID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (w *Watcher) claimFlag() imap.Flag { return imap.Flag(ClaimPrefix + w.cfg.ConsumerID) }

// otherClaims returns the claims in flags that are not own.
func otherClaims(flags []imap.Flag, own imap.Flag) []imap.Flag {
	var out []imap.Flag
	for _, f := range flags {
		if len(f) > len(ClaimPrefix) && strings.EqualFold(string(f[:len(ClaimPrefix)]), ClaimPrefix) && !strings.EqualFold(string(f), string(own)) {
			out = append(out, f)
		}
	}
	return out
}

// claimOwner is the consumer id in a claim keyword.
func claimOwner(f imap.Flag) string { return string(f[len(ClaimPrefix):]) }

// claim claims the message of m for this consumer (see the file comment).
// Network errors are returned; a server refusing the keyword makes claims
// unavailable for the session, and the message is handed over unclaimed.
func (w *Watcher) claim(s *imapSession, log zerolog.Logger, m *msgMeta) (claimVerdict, error) {
	if s.claims != ClaimAtomic && s.claims != ClaimReadBack {
		return claimOwned, nil
	}
	own := w.claimFlag()
	key := claimKey{s.sel.UIDValidity, uint32(m.uid)}
	flags, modseq := m.flags, m.modseq
	for stores := 0; ; {
		if others := otherClaims(flags, own); len(others) > 0 {
			v, retake, err := w.claimedByOthers(s, log, m.uid, hasFlag(flags, own), others)
			if err != nil || !retake {
				return v, err
			}
			flags = nil // theirs are gone; ours is (re)stored below
		} else if hasFlag(flags, own) {
			w.forgetForeign(key)
			return claimOwned, nil
		}
		if stores == maxClaimStores {
			w.claimsUnavailable(s, log, fmt.Errorf("the claim keyword %s was not kept after %d stores", own, stores))
			return claimOwned, nil
		}
		var since uint64
		if s.claims == ClaimAtomic && stores < maxClaimStores-1 {
			since = modseq
		}
		stores++
		got, err := w.storeClaim(s, m.uid, own, since)
		var ierr *imap.Error
		if errors.As(err, &ierr) && since != 0 {
			log.Warn().Err(err).Msg("server refused STORE UNCHANGEDSINCE; claims are read back instead")
			s.claims = ClaimReadBack
			w.setClaims(ClaimReadBack)
			continue
		}
		if errors.As(err, &ierr) {
			w.claimsUnavailable(s, log, err)
			return claimOwned, nil
		}
		if err != nil {
			return 0, err
		}
		if got.found && hasFlag(got.flags, own) {
			flags = got.flags
			continue
		}
		// The store failed its UNCHANGEDSINCE test (MODIFIED), or the
		// server reported no flags (the memory server does not): read them.
		if got, err = w.fetchFlags(s, m.uid); err != nil {
			return 0, err
		}
		if !got.found {
			w.forgetForeign(key)
			w.noteVanished(log, m.uid)
			return claimGone, nil
		}
		flags, modseq = got.flags, got.modseq
	}
}

// claimedByOthers decides about a message that carries other consumers'
// claims; retake is true when the claims, older than ClaimLease here, were
// removed and the message is to be claimed afresh.
func (w *Watcher) claimedByOthers(s *imapSession, log zerolog.Logger, uid imap.UID, mine bool, others []imap.Flag) (v claimVerdict, retake bool, err error) {
	now := w.cfg.Now()
	w.noteOther(log, claimOwner(others[0]), fmt.Sprintf("UID %d in %s carries %s", uid, w.cfg.Mailbox, others[0]))
	key := claimKey{s.sel.UIDValidity, uint32(uid)}
	first := w.foreignSince(key, now)
	if w.cfg.ClaimLease > 0 && now.Sub(first) >= w.cfg.ClaimLease {
		// The owner left it unfinished for a whole lease: it is presumed
		// gone, and a message nobody answers is worse than one answered
		// twice.
		log.Error().Strs("claims", flagStrings(others)).Dur("lease", w.cfg.ClaimLease).
			Msg("a message another consumer claimed stayed unfinished past the lease; taking it over")
		w.forgetForeign(key)
		return 0, true, w.dropFlags(s, uid, others)
	}
	if !mine {
		return claimTaken, false, nil
	}
	self := strings.ToLower(w.cfg.ConsumerID)
	for _, o := range others {
		if strings.ToLower(claimOwner(o)) < self {
			// The other stays; it may already be handling the message.
			log.Warn().Str("other", claimOwner(o)).Msg("claim collided with another consumer's; withdrawing ours")
			return claimTaken, false, w.dropFlags(s, uid, []imap.Flag{w.claimFlag()})
		}
	}
	log.Warn().Strs("claims", flagStrings(others)).Msg("claim collided with another consumer's; ours stays, waiting for theirs to go")
	return claimWait, false, nil
}

// ClaimLedger, when the Cursor implements it too, remembers when this
// consumer first saw another consumer's claim on a message, so that
// ClaimLease runs across restarts and `serve --once` runs, not only within
// one process. Sightings older than forgetBefore may be dropped.
type ClaimLedger interface {
	ForeignClaimSeen(mailbox string, uidValidity, uid uint32, now, forgetBefore time.Time) (time.Time, error)
	ForgetForeignClaim(mailbox string, uidValidity, uid uint32) error
}

// foreignSince is when the message of key was first seen claimed by
// another consumer: in this process, or earlier as the ledger recorded.
func (w *Watcher) foreignSince(key claimKey, now time.Time) time.Time {
	if first, ok := w.foreign[key]; ok {
		return first
	}
	keep := 2 * max(w.cfg.ClaimLease, conflictHold)
	if len(w.foreign) >= 1000 {
		// First sightings of messages the other consumer finished long
		// ago (they left the mailbox, never to be seen again).
		for k, t := range w.foreign {
			if now.Sub(t) > keep {
				delete(w.foreign, k)
			}
		}
	}
	first := now
	if l, ok := w.cur.(ClaimLedger); ok {
		seen, err := l.ForeignClaimSeen(w.cfg.Mailbox, key.uidValidity, key.uid, now, now.Add(-keep))
		if err != nil {
			w.cfg.Logger.Warn().Err(err).Uint32("uid", key.uid).Msg("cannot record a foreign claim; its lease starts over at the next start")
		} else if !seen.IsZero() && seen.Before(now) {
			first = seen
		}
	}
	w.foreign[key] = first
	return first
}

// forgetForeign drops the sighting of key: the message is ours, or gone.
func (w *Watcher) forgetForeign(key claimKey) {
	if _, ok := w.foreign[key]; !ok {
		return
	}
	delete(w.foreign, key)
	if l, ok := w.cur.(ClaimLedger); ok {
		if err := l.ForgetForeignClaim(w.cfg.Mailbox, key.uidValidity, key.uid); err != nil {
			w.cfg.Logger.Warn().Err(err).Uint32("uid", key.uid).Msg("cannot forget a foreign claim")
		}
	}
}

// claimsUnavailable stops claiming for the rest of the session.
func (w *Watcher) claimsUnavailable(s *imapSession, log zerolog.Logger, why error) {
	s.claims = ClaimUnavailable
	w.setClaims(ClaimUnavailable)
	log.Error().Err(why).Msg("cannot claim messages in this mailbox; handling them unclaimed: a second consumer would answer them too")
}

// noteOther records evidence of another consumer; the first evidence of an
// episode is logged as an error, the rest only counted in Status.
func (w *Watcher) noteOther(log zerolog.Logger, id, evidence string) {
	now := w.cfg.Now()
	w.statusMu.Lock()
	o := &w.other
	fresh := o.last.IsZero() || now.Sub(o.last) > conflictHold
	if fresh {
		*o = otherConsumer{since: now}
	}
	if id != "" {
		o.id = id
	} else if o.id == "" {
		o.id = UnknownConsumer
	}
	o.last, o.evidence = now, evidence
	other := o.id
	w.statusMu.Unlock()
	if fresh {
		log.Error().Str("other_consumer", other).Str("evidence", evidence).
			Msg("another consumer takes mail from this mailbox: run one kaohe per mailbox; messages it claimed are left to it")
	}
}

// noteVanished records a message that left the mailbox between our search
// and our claim (or fetch) although we did not move it. A few different
// ones within conflictHold are taken as another consumer at work; one UID
// that keeps vanishing is a server's ghost, not a consumer.
func (w *Watcher) noteVanished(log zerolog.Logger, uid imap.UID) {
	now := w.cfg.Now()
	w.statusMu.Lock()
	recent := w.vanished[:0]
	seen := false
	for _, v := range w.vanished {
		if now.Sub(v.at) <= conflictHold {
			recent = append(recent, v)
			seen = seen || v.uid == uint32(uid)
		}
	}
	if !seen {
		recent = append(recent, vanishedUID{uint32(uid), now})
	}
	w.vanished = recent
	n := len(recent)
	w.statusMu.Unlock()
	if n >= vanishAlarm && !seen {
		w.noteOther(log, "", fmt.Sprintf("%d messages left %s under us within %v, the last UID %d", n, w.cfg.Mailbox, conflictHold, uid))
	}
}

// vanishedUID is a message that vanished under us, and when.
type vanishedUID struct {
	uid uint32
	at  time.Time
}

func (w *Watcher) setClaims(m ClaimMode) {
	w.statusMu.Lock()
	w.status.Claims = m
	w.statusMu.Unlock()
}

// otherStatus fills the other-consumer fields of st while the episode
// lasts. statusMu is held.
func (w *Watcher) otherStatus(st *Status) {
	o := w.other
	if o.last.IsZero() || w.cfg.Now().Sub(o.last) > conflictHold {
		return
	}
	st.OtherConsumer, st.OtherSince, st.OtherLast, st.OtherEvidence = o.id, o.since, o.last, o.evidence
}
