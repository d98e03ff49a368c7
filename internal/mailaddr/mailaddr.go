// Package mailaddr is the one parser of the addresses kaohe writes mail
// to. Composing checks every recipient and sender with Check; the
// configuration check and the roster check run the same code, so that an
// address that would fail at sending time is refused at start instead.
package mailaddr

import (
	"fmt"
	"net/mail"
	"strings"
)

// Check accepts a bare addr-spec ("a@b.cn") that round-trips through
// net/mail, so that no header or SMTP command can be smuggled in with it.
func Check(addr string) error {
	if addr == "" || strings.ContainsAny(addr, "\r\n<>,;\" \t") {
		return fmt.Errorf("invalid address %q", addr)
	}
	p, err := mail.ParseAddress(addr)
	if err != nil || p.Address != addr {
		return fmt.Errorf("invalid address %q", addr)
	}
	return nil
}

// Parse reads one address as configuration writes it: "名字 <a@b.cn>",
// "<a@b.cn>" or "a@b.cn". The returned Address passes Check, so a parsed
// address can always be written to; Name may be empty.
func Parse(s string) (*mail.Address, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("invalid address %q: %w", s, err)
	}
	if err := Check(a.Address); err != nil {
		return nil, err
	}
	return a, nil
}

// FoldASCII lowers A–Z only. Addresses and domains compare with this
// folding and no other: strings.ToLower would also fold other scripts'
// capitals (and the Kelvin sign to k), which for an address is a
// look-alike match.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
