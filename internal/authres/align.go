package authres

import (
	"strings"

	"golang.org/x/net/publicsuffix"

	"kaohe/internal/mailaddr"
)

// Verdict is what the trusted fields say about a message's From domain.
type Verdict struct {
	Pass    bool   // SPF or DKIM passed for a domain aligned with From
	Method  string // "spf" or "dkim" when Pass
	Domain  string // the authenticated domain that aligned, when Pass
	Trusted int    // fields taken as written by our receiving server
	Reason  string // why not, for logs: "no_field", "not_ours", "no_aligned_pass", "no_from_domain"
}

// Reasons a Verdict gives when it does not pass.
const (
	ReasonNoField       = "no_field"        // no Authentication-Results field at all
	ReasonNotOurs       = "not_ours"        // none carries the configured authserv-id, or the topmost is unreadable
	ReasonNoAlignedPass = "no_aligned_pass" // no SPF or DKIM pass for a domain aligned with From
	ReasonNoFromDomain  = "no_from_domain"  // the From address has no domain
)

// Check reads the Authentication-Results fields of a message, topmost
// (most recently added) first, as the mail arrived, and says whether SPF
// or DKIM passed for a domain aligned with fromDomain.
//
// Only fields our receiving server wrote are trusted; a sender can put any
// field in the mail it sends, below those. Without authservID that is the
// topmost field and the fields right below it with the same authserv-id.
// With authservID, the first run of fields carrying it, from the top
// (fields of another id above it, such as a later internal hop's, are
// passed over). A server that adds no field of its own leaves the sender's
// fields on top: set authservID for such a server (or for any server, to
// be sure), or do not reply to unknown senders.
//
// Alignment is relaxed (DMARC, RFC 7489 §3.1): the organisational domains
// are equal, the organisational domain being the public suffix plus one
// label (golang.org/x/net/publicsuffix, so example.com.cn, not com.cn). SPF
// aligns on the domain of smtp.mailfrom; DKIM on header.d, or on the
// domain of header.i.
func Check(fields []string, fromDomain, authservID string) Verdict {
	if len(fields) == 0 {
		return Verdict{Reason: ReasonNoField}
	}
	trusted := trustedFields(fields, authservID)
	v := Verdict{Trusted: len(trusted)}
	if len(trusted) == 0 {
		v.Reason = ReasonNotOurs
		return v
	}
	from := orgDomain(fromDomain)
	if from == "" {
		v.Reason = ReasonNoFromDomain
		return v
	}
	for _, f := range trusted {
		for _, r := range f.Results {
			if r.Value != "pass" {
				continue
			}
			var candidates []string
			switch r.Method {
			case "spf":
				candidates = []string{r.Props["smtp.mailfrom"]}
			case "dkim":
				candidates = []string{r.Props["header.d"], r.Props["header.i"]}
			}
			for _, c := range candidates {
				if d := domainOf(c); d != "" && orgDomain(d) == from {
					v.Pass, v.Method, v.Domain, v.Reason = true, r.Method, d, ""
					return v
				}
			}
		}
	}
	v.Reason = ReasonNoAlignedPass
	return v
}

// trustedFields picks the fields our receiving server wrote; see Check.
func trustedFields(fields []string, authservID string) []Field {
	var out []Field
	if authservID == "" {
		top, err := Parse(fields[0])
		if err != nil {
			return nil
		}
		out = append(out, top)
		for _, raw := range fields[1:] {
			f, err := Parse(raw)
			if err != nil || !strings.EqualFold(f.AuthServID, top.AuthServID) {
				break
			}
			out = append(out, f)
		}
		return out
	}
	for _, raw := range fields {
		f, err := Parse(raw)
		if err == nil && f.AuthServID != "" && strings.EqualFold(f.AuthServID, authservID) {
			out = append(out, f)
			continue
		}
		if len(out) > 0 {
			break // below our run: the sender's
		}
	}
	return out
}

// domainOf is the domain of "user@domain", "@domain" or "domain", in lower
// case, without a trailing dot or angle brackets.
func domainOf(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "<>")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(mailaddr.FoldASCII(s), ".")
	if s == "" || strings.ContainsAny(s, " \t\"()<>,;") {
		return ""
	}
	return s
}

// orgDomain is the organisational domain: the public suffix plus one
// label, or the name itself when it is a public suffix or not a domain.
func orgDomain(d string) string {
	d = domainOf(d)
	if d == "" {
		return ""
	}
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// Failed reports whether the trusted fields (see Check) say the message
// failed authentication: DMARC fail, or an SPF or DKIM fail with no SPF or
// DKIM pass aligned with fromDomain (a failing signature beside a passing
// aligned one, a mailing list's say, is not a failure of the From
// domain). what names the failing result for people ("dkim=fail"). No
// trusted field means no verdict: not failed.
func Failed(fields []string, fromDomain, authservID string) (failed bool, what string) {
	if len(fields) == 0 {
		return false, ""
	}
	trusted := trustedFields(fields, authservID)
	var first string
	for _, f := range trusted {
		for _, r := range f.Results {
			if r.Value != "fail" {
				continue
			}
			switch r.Method {
			case "dmarc":
				return true, "dmarc=fail"
			case "spf", "dkim":
				if first == "" {
					first = r.Method + "=fail"
				}
			}
		}
	}
	if first == "" || Check(fields, fromDomain, authservID).Pass {
		return false, ""
	}
	return true, first
}
