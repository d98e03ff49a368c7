package roster

import (
	"net/mail"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"kaohe/internal/mailaddr"
)

// normName is the form in which unit names are compared: NFKC (full-width
// letters, digits and brackets become half-width), lower case, without
// spaces, brackets, punctuation, a leading 考核单位： label or a trailing 代办处.
func normName(s string) string {
	s = norm.NFKC.String(s)
	s = strings.ToLower(strings.TrimSpace(s))
	for _, label := range []string{"考核单位:", "考核单位"} {
		s = strings.TrimPrefix(s, label)
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(r)
	}
	s = b.String()
	s = strings.TrimSuffix(s, "代办处")
	return s
}

// normAddress returns the addr-spec of an address as a sender or a roster
// cell writes it, with ASCII letters in lower case, or false when it is
// none. Nothing else is folded: a full-width or other look-alike letter
// makes another address, so that "ｃhaoyang@…" never passes for
// "chaoyang@…". (The roster's own cells are NFKC-folded before they get
// here, by splitEmails: staff typing with a Chinese input method write
// full-width "＠", and the roster is trusted; a sender is not.)
func normAddress(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if a, err := mail.ParseAddress(s); err == nil {
		s = a.Address
	} else {
		s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
		if len(s) >= 7 && mailaddr.FoldASCII(s[:7]) == "mailto:" {
			s = s[7:]
		}
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return "", false
		}
	}
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 {
		return "", false
	}
	return mailaddr.FoldASCII(s), true
}

// CanonicalAddress is the form in which the roster compares addresses: the
// bare addr-spec, ASCII letters in lower case, nothing else folded. ok is
// false when s holds no address.
func CanonicalAddress(s string) (addr string, ok bool) { return normAddress(s) }

// emailSeparators split a 邮箱 cell into addresses.
func isEmailSeparator(r rune) bool {
	switch r {
	case ';', ',', '、', '；', '，':
		return true
	}
	return unicode.IsSpace(r)
}

// splitEmails splits a 邮箱 cell. It returns the addresses as written and
// the tokens that are not addresses; words of a display name ("张三
// <a@b.cn>") are dropped, not reported.
func splitEmails(cell string) (addrs, bad []string) {
	cell = norm.NFKC.String(cell)
	hasAngle := strings.Contains(cell, "<")
	for _, tok := range strings.FieldsFunc(cell, isEmailSeparator) {
		tok = strings.Trim(tok, `"'“”‘’`)
		if tok == "" {
			continue
		}
		if !strings.Contains(tok, "@") {
			if hasAngle && !strings.ContainsAny(tok, "<>") {
				continue // part of a display name
			}
		}
		addr := strings.TrimPrefix(strings.TrimSuffix(tok, ">"), "<")
		if i := strings.LastIndexByte(addr, '<'); i >= 0 { // 张三<a@b.cn>
			addr = addr[i+1:]
		}
		if _, ok := normAddress(addr); ok {
			addrs = append(addrs, addr)
		} else {
			bad = append(bad, tok)
		}
	}
	return addrs, bad
}
