// Package authres reads the Authentication-Results header fields (RFC 8601)
// that the office's receiving mail server adds, and says whether SPF or
// DKIM authenticated a message's From domain. kaohe answers a sender who is
// not on the roster only then, so that a forged From never makes the
// office write to a third party.
//
// The parser is our own rather than go-msgauth's authres: that one splits
// the field at every ";" (comments such as OpenDKIM's "(2048-bit key;
// secure)" hold one) and refuses the fields Exchange Online writes, which
// have no authserv-id. Here comments and quoted strings are honoured, a
// field without authserv-id is read, and anything not understood counts as
// no pass.
package authres

import (
	"errors"
	"kaohe/internal/mailaddr"
	"strings"
)

// Result is one result of a field, e.g. "dkim=pass header.d=example.org".
type Result struct {
	Method string // lower case, without a method version: "spf", "dkim", "dmarc", …
	Value  string // lower case: "pass", "fail", "softfail", …
	// Props holds the properties ("smtp.mailfrom", "header.d", …, keys in
	// lower case, values unquoted as written) and "reason" when given.
	Props map[string]string
}

// Field is one Authentication-Results field.
type Field struct {
	// AuthServID names the server that wrote the field; "" when the field
	// has none (Exchange Online writes none).
	AuthServID string
	Results    []Result
}

// Parse reads the value of one Authentication-Results field. Comments are
// dropped; a result it cannot read as method=value is skipped. It fails on
// an unterminated comment or quoted string, or an authserv-id followed by
// something that is not a version number.
func Parse(v string) (Field, error) {
	s, err := stripComments(v)
	if err != nil {
		return Field{}, err
	}
	segs := splitOutsideQuotes(s, ';')
	var f Field
	first := strings.TrimSpace(segs[0])
	if indexOutsideQuotes(first, '=') >= 0 {
		// No authserv-id: the field starts with its first result.
		segs = append([]string{""}, segs...)
	} else {
		words := fieldsOutsideQuotes(first)
		switch {
		case len(words) == 0:
			return Field{}, errors.New("authentication-results: no authserv-id")
		case len(words) == 2 && isDigits(words[1]):
			if words[1] != "1" {
				return Field{}, errors.New("authentication-results: unsupported version " + words[1])
			}
		case len(words) > 1:
			return Field{}, errors.New("authentication-results: malformed authserv-id")
		}
		f.AuthServID = unquote(words[0])
	}
	for _, seg := range segs[1:] {
		if r, ok := parseResult(seg); ok {
			f.Results = append(f.Results, r)
		}
	}
	return f, nil
}

// parseResult reads "method[/version] = value [reason=…] [ptype.prop=…]…".
func parseResult(seg string) (Result, bool) {
	pairs := scanPairs(seg)
	if len(pairs) == 0 {
		return Result{}, false
	}
	method, _, _ := strings.Cut(pairs[0].key, "/")
	r := Result{Method: strings.TrimSpace(method), Value: mailaddr.FoldASCII(unquote(pairs[0].value)), Props: map[string]string{}}
	if r.Method == "" || r.Value == "" {
		return Result{}, false
	}
	for _, p := range pairs[1:] {
		if p.key == "reason" || strings.Contains(p.key, ".") {
			if _, dup := r.Props[p.key]; !dup {
				r.Props[p.key] = unquote(p.value)
			}
		}
	}
	return r, true
}

type pair struct{ key, value string }

// scanPairs reads key=value pairs, with optional spaces around "=", keys
// in lower case; words that are not part of a pair are skipped.
func scanPairs(s string) []pair {
	var out []pair
	i := 0
	skip := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return out
		}
		start := i
		for i < len(s) && !isSpace(s[i]) && s[i] != '=' && s[i] != '"' {
			i++
		}
		key := mailaddr.FoldASCII(s[start:i])
		if i < len(s) && s[i] == '"' { // a stray quoted string
			_, i = quotedEnd(s, i)
			continue
		}
		skip()
		if i >= len(s) || s[i] != '=' || key == "" {
			if i == start {
				i++
			}
			continue
		}
		i++ // '='
		skip()
		vstart := i
		for i < len(s) && !isSpace(s[i]) { // a value may mix quoted and bare parts: "a b"@example.org
			if s[i] == '"' {
				_, i = quotedEnd(s, i)
				continue
			}
			i++
		}
		out = append(out, pair{key, s[vstart:i]})
	}
}

// stripComments replaces every (comment), nested ones included, by a space,
// leaving quoted strings alone.
func stripComments(s string) (string, error) {
	var b strings.Builder
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (inQuote || depth > 0):
			if depth == 0 {
				b.WriteByte(c)
				if i+1 < len(s) {
					b.WriteByte(s[i+1])
				}
			}
			i++
		case inQuote:
			b.WriteByte(c)
			if c == '"' {
				inQuote = false
			}
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			inQuote = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if depth > 0 {
		return "", errors.New("authentication-results: unterminated comment")
	}
	if inQuote {
		return "", errors.New("authentication-results: unterminated quoted string")
	}
	return b.String(), nil
}

// quotedEnd returns the index just past the quoted string starting at
// s[i] == '"'.
func quotedEnd(s string, i int) (string, int) {
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\\':
			j += 2
			continue
		case '"':
			return s[i : j+1], j + 1
		}
		j++
	}
	return s[i:], len(s)
}

func indexOutsideQuotes(s string, sep byte) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch {
		case inQuote && s[i] == '\\':
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && s[i] == sep:
			return i
		}
	}
	return -1
}

func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	for {
		i := indexOutsideQuotes(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

func fieldsOutsideQuotes(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && !isSpace(s[i]) {
			if s[i] == '"' {
				_, i = quotedEnd(s, i)
				continue
			}
			i++
		}
		out = append(out, s[start:i])
	}
	return out
}

// unquote removes the quotes and quoted-pair backslashes of a quoted
// string; other values are returned as they are.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
