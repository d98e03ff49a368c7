package reply

import (
	"mime"
	"net/textproto"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Header is a message's header as decoded fields (RFC 2047 words already
// decoded), keyed by canonical MIME key ("Auto-Submitted", "List-Id").
// Keys that are not canonical are canonicalised by MayAutoReply.
type Header map[string][]string

// Reasons MayAutoReply gives, stable for logs and metrics.
const (
	ReasonOK               = "ok"
	ReasonNullSender       = "null_sender"
	ReasonAutoSubmitted    = "auto_submitted"
	ReasonMailingList      = "mailing_list"
	ReasonPrecedence       = "precedence"
	ReasonSuppress         = "auto_response_suppress"
	ReasonReport           = "delivery_report"
	ReasonFailedRecipients = "failed_recipients"
	ReasonDaemonAddress    = "daemon_address"
	ReasonOwnAddress       = "own_address"
	ReasonOwnReply         = "own_reply"
	ReasonBounceSubject    = "bounce_subject"
)

// MayAutoReply decides whether a message may get an automatic reply (RFC 3834
// §2 and the predicate of the project notes, §1.4). It returns false and the
// reason of the first rule that matched, or true and ReasonOK.
//
// from and returnPath are the sender's From address and the Return-Path
// value as found ("<>" for a null envelope sender, "" when the message has
// no Return-Path, which alone does not prevent a reply). own lists the
// office's addresses; ownMsgIDDomain is the domain of the Message-IDs this
// package generates (see OwnMessageID).
//
// A message whose In-Reply-To or References names one of our Message-IDs is
// not answered, except when it is multipart/mixed, i.e. a clerk pressed
// Reply on our receipt and attached the corrected sheet; a bounce or
// out-of-office subject on such a message still prevents the reply.
// Subject heuristics (退信, Automatic reply, …) never decide alone: they only
// count together with a weak signal (no Return-Path, a reference to our
// mail, an Exchange-generated message, or a body that is not
// multipart/mixed, i.e. carries no attachment: a QQ or 163 auto-reply).
func MayAutoReply(h Header, from, returnPath string, own []string, ownMsgIDDomain string) (reply bool, reason string) {
	hdr := canonical(h)
	rp := strings.TrimSpace(returnPath)
	if rp == "" {
		rp = strings.TrimSpace(first(hdr, "Return-Path"))
	}
	rpMissing := rp == ""
	rpAddr := strings.TrimSpace(strings.Trim(rp, "<>"))

	switch {
	case !rpMissing && rpAddr == "":
		return false, ReasonNullSender
	case isDaemonLocal(rpAddr):
		return false, ReasonNullSender
	}
	for _, v := range hdr["Auto-Submitted"] {
		if s := strings.ToLower(stripComments(v)); s != "" && s != "no" {
			return false, ReasonAutoSubmitted
		}
	}
	for k := range hdr {
		if strings.HasPrefix(k, "List-") {
			return false, ReasonMailingList
		}
	}
	for _, v := range hdr["Precedence"] {
		switch strings.ToLower(stripComments(v)) {
		case "bulk", "junk", "list", "auto_reply", "auto-reply":
			return false, ReasonPrecedence
		}
	}
	for _, v := range hdr["X-Auto-Response-Suppress"] {
		for _, tok := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(tok)) {
			case "all", "autoreply":
				return false, ReasonSuppress
			}
		}
	}
	if ct := first(hdr, "Content-Type"); ct != "" {
		mt := mediaType(ct)
		if mt == "multipart/report" || mt == "message/delivery-status" {
			return false, ReasonReport
		}
	}
	if _, ok := hdr["X-Failed-Recipients"]; ok {
		return false, ReasonFailedRecipients
	}
	if isDaemonAddress(from) || isDaemonAddress(rpAddr) {
		return false, ReasonDaemonAddress
	}
	for _, o := range own {
		if o = normAddr(o); o != "" && (o == normAddr(from) || o == normAddr(rpAddr)) {
			return false, ReasonOwnAddress
		}
	}
	bounceSubject := isBounceSubject(first(hdr, "Subject"))
	ownRef := false
	for _, k := range []string{"In-Reply-To", "References"} {
		for _, v := range hdr[k] {
			for _, id := range msgIDs(v) {
				if OwnMessageID(id, ownMsgIDDomain) {
					ownRef = true
				}
			}
		}
	}
	if ownRef {
		if mediaType(first(hdr, "Content-Type")) != "multipart/mixed" || bounceSubject {
			return false, ReasonOwnReply
		}
	}
	if bounceSubject {
		_, exchangeGenerated := hdr["X-Ms-Exchange-Generated-Message-Source"]
		noAttachments := mediaType(first(hdr, "Content-Type")) != "multipart/mixed"
		if rpMissing || ownRef || exchangeGenerated || noAttachments {
			return false, ReasonBounceSubject
		}
	}
	return true, ReasonOK
}

// OwnMessageID reports whether id (with or without angle brackets) is one
// this package generates: a local part starting "kaohe-" at domain.
func OwnMessageID(id, domain string) bool {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	at := strings.LastIndexByte(id, '@')
	if at < 0 || domain == "" {
		return false
	}
	return strings.HasPrefix(strings.ToLower(id[:at]), msgIDPrefix) && strings.EqualFold(id[at+1:], domain)
}

func canonical(h Header) Header {
	out := make(Header, len(h))
	for k, v := range h {
		ck := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		out[ck] = append(out[ck], v...)
	}
	return out
}

func first(h Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// stripComments removes RFC 5322 comments (nested parentheses, quoted
// pairs) and surrounding space.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

var msgIDRe = regexp.MustCompile(`<[^<>\s]+>`)

func msgIDs(v string) []string {
	ids := msgIDRe.FindAllString(v, -1)
	if len(ids) == 0 && strings.TrimSpace(v) != "" {
		ids = strings.Fields(v)
	}
	return ids
}

// normAddr is an address compared: NFKC (full-width ＠ and letters become
// ASCII), lower case, without angle brackets and spaces.
func normAddr(a string) string {
	a = norm.NFKC.String(a)
	a = strings.ToLower(strings.TrimSpace(a))
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		a = a[i+1:]
	}
	return strings.TrimSpace(strings.TrimRight(a, ">"))
}

func localPart(a string) string {
	a = normAddr(a)
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		return a[:at]
	}
	return a
}

func isDaemonLocal(a string) bool {
	l := localPart(a)
	return l == "mailer-daemon" || l == "mailer_daemon" || l == "mailerdaemon"
}

// isDaemonAddress matches addresses used by responders and list software
// (RFC 3834 §2): noreply in its spellings, postmaster, mailer-daemon,
// owner-*, *-request.
func isDaemonAddress(a string) bool {
	l := localPart(a)
	if l == "" {
		return false
	}
	if plus := strings.IndexByte(l, '+'); plus > 0 {
		l = l[:plus]
	}
	squashed := strings.NewReplacer("-", "", "_", "", ".", "").Replace(l)
	switch {
	case strings.Contains(squashed, "noreply"), strings.Contains(squashed, "donotreply"):
		return true
	case squashed == "postmaster", squashed == "mailerdaemon":
		return true
	case strings.HasPrefix(l, "owner-"), strings.HasSuffix(l, "-request"):
		return true
	}
	return false
}

var bounceSubjects = []string{
	"退信", "自动回复", "自动答复", "automatic reply", "auto reply", "autoreply", "out of office",
	"undeliverable", "undelivered", "delivery status notification", "无法投递", "投递失败", "无法传递",
}

func isBounceSubject(s string) bool {
	s = strings.ToLower(norm.NFKC.String(s))
	for _, p := range bounceSubjects {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
