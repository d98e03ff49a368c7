// Package notice sends the notices the office writes to every agency after
// the deadline (考核结果, 确定名单反馈) exactly once per agency and address,
// and one 更正 when what a notice says changes after it went out.
//
// A caller composes, per agency, what the notice says as Facts and a
// function that writes the mail; Publish compares it with the issue last
// recorded in the store and queues mail only for what is new. Each issue is
// recorded together with its mail in one transaction, under Message-IDs
// derived from the season, kind, agency, revision, content and address, so
// a crash, a retry or a second run sends nothing twice. The daemon's outbox
// sends the mail, with its per-recipient hourly cap and daily cap.
package notice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/reply"
	"kaohe/store"
)

// Fact, Change and Revision are reply's: the mail that tells them is
// composed there, and a notice only passes them on.
type (
	// Fact is one thing a notice says, as a 更正 names it when it changes.
	Fact = reply.Fact
	// Change is a Fact that differs from the issue before.
	Change = reply.Change
	// Revision says which issue of an agency's notice a mail is.
	Revision = reply.Issue
)

// Notice is one agency's notice of a kind, as it reads now.
type Notice struct {
	Agency string   // roster name
	To     []string // the agency's registered addresses; each gets its own mail
	// Facts is everything the notice says, in the order a 更正 lists them.
	Facts []Fact
	// Key is the content key, a hash of what the notice says; "" derives it
	// from Facts (ContentKey). A notice whose key is unchanged is not sent
	// again.
	Key string
	// Compose writes the mail of issue rev to the address to. It must use
	// msgKey as the key of the mail's Message-ID (reply.MessageID), so that
	// composing again after a crash gives the same mail.
	Compose func(to string, rev Revision, msgKey string) (reply.Mail, error)
}

// ContentKey is the hash of facts: equal facts, equal key.
func ContentKey(facts []Fact) string {
	h := sha256.New()
	for _, f := range facts {
		fmt.Fprintf(h, "%d:%s%d:%s", len(f.Label), f.Label, len(f.Value), f.Value)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Options say which notice is published.
type Options struct {
	// Kind names the notice in the store and in Message-IDs, e.g. "result",
	// "final-list".
	Kind string
	// MailKind is the outbox kind of its mail, e.g. store.KindResultNotice.
	MailKind string
	// Now is the time of the issues recorded and the Revision.At given to
	// Compose; zero means time.Now.
	Now time.Time
	// DryRun decides and composes as Publish would but records and queues
	// nothing: what a run would send.
	DryRun bool
}

// Action is what Publish did for one agency.
type Action string

const (
	ActionFirst      Action = "first"       // the notice was queued to every address
	ActionCorrected  Action = "corrected"   // a 更正 was queued to every address
	ActionUnchanged  Action = "unchanged"   // sent before and still true: nothing queued
	ActionNewAddress Action = "new_address" // unchanged, queued to addresses registered since
	ActionNoAddress  Action = "no_address"  // no registered address: nothing queued or recorded
)

// Outcome is what happened to one agency's notice.
type Outcome struct {
	Agency   string
	Action   Action
	Revision int      // the issue now latest; 0 when none was ever recorded
	To       []string // the addresses mail was queued to by this run
	Changes  []Change // for ActionCorrected
}

// Report is the outcome of every notice, in the order given.
type Report struct {
	Outcomes []Outcome
}

// Count is the number of agencies with action a.
func (r Report) Count(a Action) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Action == a {
			n++
		}
	}
	return n
}

// Queued is the number of mails queued.
func (r Report) Queued() int {
	n := 0
	for _, o := range r.Outcomes {
		n += len(o.To)
	}
	return n
}

// Publish queues each agency's notice as it reads now, in the store's
// season: to an agency never sent one, the notice (revision 1) to each of
// its addresses; to one whose notice changed since the latest issue (its
// content key differs), one 更正 to each address; to one whose notice is
// unchanged, nothing, except the latest issue to an address registered
// since. Agencies are published one transaction each, in the order given;
// on an error the report says what was done before it, and running Publish
// again carries on without sending anything twice.
func Publish(ctx context.Context, st *store.Store, opts Options, notices []Notice) (Report, error) {
	if opts.Kind == "" || opts.MailKind == "" {
		return Report{}, errors.New("publish notices: kind and mail kind are required")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	seen := map[string]bool{}
	for _, n := range notices {
		switch {
		case n.Agency == "":
			return Report{}, errors.New("publish notices: a notice without agency")
		case seen[n.Agency]:
			return Report{}, fmt.Errorf("publish notices: agency %q twice", n.Agency)
		case n.Compose == nil:
			return Report{}, fmt.Errorf("publish notices: %s: no Compose", n.Agency)
		}
		seen[n.Agency] = true
	}
	latest, err := st.LatestNotices(ctx, opts.Kind)
	if err != nil {
		return Report{}, fmt.Errorf("publish notices: %w", err)
	}
	p := publisher{st: st, opts: opts, season: st.Season()}
	var rep Report
	for _, n := range notices {
		var prev *store.PublishedNotice
		if l, ok := latest[n.Agency]; ok {
			prev = &l
		}
		o, err := p.one(ctx, n, prev)
		if err != nil {
			return rep, fmt.Errorf("publish %s notice to %s: %w", opts.Kind, n.Agency, err)
		}
		rep.Outcomes = append(rep.Outcomes, o)
	}
	return rep, nil
}

type publisher struct {
	st     *store.Store
	opts   Options
	season int
}

// one publishes one agency's notice against its latest issue prev (nil when
// none was recorded).
func (p publisher) one(ctx context.Context, n Notice, prev *store.PublishedNotice) (Outcome, error) {
	key := n.Key
	if key == "" {
		key = ContentKey(n.Facts)
	}
	to := addresses(n.To)
	o := Outcome{Agency: n.Agency}
	if prev != nil {
		o.Revision = prev.Revision
	}
	if len(to) == 0 {
		o.Action = ActionNoAddress
		return o, nil
	}
	if prev != nil && prev.ContentKey == key {
		return p.extend(ctx, n, prev, to, o)
	}
	rev := Revision{Number: 1, At: p.opts.Now}
	o.Action = ActionFirst
	if prev != nil {
		before, err := decodeFacts(prev.Facts)
		if err != nil {
			return o, err
		}
		rev = Revision{Number: prev.Revision + 1, Changes: Diff(before, n.Facts), Previous: prev.At, At: p.opts.Now}
		o.Action, o.Changes = ActionCorrected, rev.Changes
	}
	mail, err := p.compose(n, rev, key, to)
	if err != nil {
		return o, err
	}
	o.Revision, o.To = rev.Number, to
	if p.opts.DryRun {
		return o, nil
	}
	facts, err := json.Marshal(n.Facts)
	if err != nil {
		return o, err
	}
	return o, p.st.PublishNotice(ctx, store.PublishedNotice{Kind: p.opts.Kind, Agency: n.Agency, Revision: rev.Number,
		ContentKey: key, Facts: string(facts), Recipients: to, At: rev.At}, mail)
}

// extend sends the unchanged latest issue prev to the addresses of to it
// did not go to.
func (p publisher) extend(ctx context.Context, n Notice, prev *store.PublishedNotice, to []string, o Outcome) (Outcome, error) {
	o.Action = ActionUnchanged
	var fresh []string
	for _, a := range to {
		if !hasAddress(prev.Recipients, a) {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return o, nil
	}
	rev := Revision{Number: prev.Revision, At: prev.At}
	if prev.Revision > 1 {
		// The 更正 as it went out, changes and all: the new address reads
		// the same mail the others read.
		earlier, err := p.st.NoticeIssue(ctx, p.opts.Kind, n.Agency, prev.Revision-1)
		if err != nil {
			return o, err
		}
		before, err := decodeFacts(earlier.Facts)
		if err != nil {
			return o, err
		}
		rev.Changes, rev.Previous = Diff(before, n.Facts), earlier.At
	}
	mail, err := p.compose(n, rev, prev.ContentKey, fresh)
	if err != nil {
		return o, err
	}
	o.Action, o.To = ActionNewAddress, fresh
	if p.opts.DryRun {
		return o, nil
	}
	all := append(slices.Clone(prev.Recipients), fresh...)
	return o, p.st.AddNoticeRecipients(ctx, p.opts.Kind, n.Agency, prev.Revision, prev.ContentKey, all, mail)
}

// compose writes issue rev to each address.
func (p publisher) compose(n Notice, rev Revision, key string, to []string) ([]store.OutgoingMail, error) {
	var out []store.OutgoingMail
	for _, addr := range to {
		m, err := n.Compose(addr, rev, MailKey(p.opts.Kind, p.season, n.Agency, rev.Number, key, addr))
		if err != nil {
			return nil, fmt.Errorf("compose for %s: %w", addr, err)
		}
		if !strings.EqualFold(m.To, addr) {
			return nil, fmt.Errorf("compose for %s: the mail is addressed to %s", addr, m.To)
		}
		out = append(out, store.OutgoingMail{MessageID: m.MessageID, Kind: p.opts.MailKind, To: m.To, Raw: m.Raw})
	}
	return out, nil
}

// MailKey is the Message-ID key of one issue's mail to one address: the
// same issue of the same content to the same address has the same key, so
// the outbox holds it once.
func MailKey(kind string, season int, agency string, revision int, contentKey, addr string) string {
	return fmt.Sprintf("%s|%d|%s|r%d|%s|%s", kind, season, agency, revision, contentKey, strings.ToLower(addr))
}

// Diff lists the facts of after that differ from before, in after's order,
// then those before stated and after no longer does.
func Diff(before, after []Fact) []Change {
	old := map[string]string{}
	for _, f := range before {
		old[f.Label] = f.Value
	}
	var out []Change
	now := map[string]bool{}
	for _, f := range after {
		now[f.Label] = true
		if v, ok := old[f.Label]; !ok || v != f.Value {
			out = append(out, Change{Label: f.Label, Before: v, After: f.Value})
		}
	}
	for _, f := range before {
		if !now[f.Label] {
			out = append(out, Change{Label: f.Label, Before: f.Value})
		}
	}
	return out
}

func decodeFacts(s string) ([]Fact, error) {
	var facts []Fact
	if err := json.Unmarshal([]byte(s), &facts); err != nil {
		return nil, fmt.Errorf("facts of the issue recorded: %w", err)
	}
	return facts, nil
}

// addresses returns the addresses trimmed and each once (compared without
// case, as the outbox compares them), in their order.
func addresses(in []string) []string {
	var out []string
	for _, a := range in {
		if a = strings.TrimSpace(a); a != "" && !hasAddress(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func hasAddress(list []string, a string) bool {
	return slices.ContainsFunc(list, func(b string) bool { return strings.EqualFold(a, b) })
}

// Kinds of notice, the Options.Kind of each.
const (
	KindResult    = "result"     // 考核结果通知
	KindFinalList = "final-list" // 确定名单反馈
)

// ResultOptions are the Options of the result notices, published at now.
func ResultOptions(now time.Time) Options {
	return Options{Kind: KindResult, MailKind: store.KindResultNotice, Now: now}
}

// FinalListOptions are the Options of the 确定名单反馈, published at now.
func FinalListOptions(now time.Time) Options {
	return Options{Kind: KindFinalList, MailKind: store.KindFinalList, Now: now}
}

// Result is the notice of an agency's approved result to its addresses to.
func Result(n reply.ResultNotice, to []string, opts reply.ComposeOptions) Notice {
	return Notice{Agency: n.Agency, To: to, Facts: n.Facts(), Compose: func(addr string, rev Revision, key string) (reply.Mail, error) {
		return reply.ComposeResultNotice(n, addr, rev, key, opts)
	}}
}

// FinalList is the 确定名单反馈 of an agency to its addresses to.
func FinalList(l reply.FinalList, to []string, opts reply.ComposeOptions) Notice {
	return Notice{Agency: l.Agency, To: to, Facts: l.Facts(), Compose: func(addr string, rev Revision, key string) (reply.Mail, error) {
		return reply.ComposeFinalList(l, addr, rev, key, opts)
	}}
}
