package mailparse

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

const (
	maxSubjectBytes   = 2000
	maxAddresses      = 100
	maxReferences     = 100
	maxHeaderValueLen = 64 << 10
)

// readTopHeader fills the header fields of Parsed from the top-level header.
func (w *mimeWalker) readTopHeader(h textproto.Header) {
	p := w.p
	for f := h.Fields(); f.Next(); {
		v := f.Value()
		if len(v) > maxHeaderValueLen {
			v = v[:maxHeaderValueLen]
		}
		d, _ := decodeWords(v)
		p.Header[f.Key()] = append(p.Header[f.Key()], d)
	}

	subj, _ := decodeWords(h.Get("Subject"))
	p.Subject = truncateUTF8(cleanLine(subj), maxSubjectBytes)

	if from := parseAddresses(h.Get("From")); len(from) > 0 {
		p.From = from[0]
	}
	p.Sender = parseAddresses(h.Get("Sender"))
	p.ReplyTo = parseAddresses(h.Get("Reply-To"))
	p.To = parseAddresses(strings.Join(h.Values("To"), ", "))
	p.Cc = parseAddresses(strings.Join(h.Values("Cc"), ", "))
	if rp := msgIDs(h.Get("Return-Path"), 1); len(rp) > 0 {
		p.ReturnPath = rp[0]
	}
	if ids := msgIDs(h.Get("Message-Id"), 1); len(ids) > 0 {
		p.MessageID = ids[0]
	}
	if ids := msgIDs(h.Get("In-Reply-To"), 1); len(ids) > 0 {
		p.InReplyTo = ids[0]
	}
	p.References = msgIDs(h.Get("References"), maxReferences)
	if d := strings.TrimSpace(h.Get("Date")); d != "" {
		if t, err := mail.ParseDate(d); err == nil {
			p.Date = t
		}
	}
}

// cleanLine turns a decoded header value into one safe line: line breaks and
// tabs become spaces, other control and bidi/format characters are dropped,
// runs of spaces collapse.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == ' ':
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// msgIDs extracts up to max identifiers from a Message-ID style field. Values
// in angle brackets are preferred; a bare value is taken as is.
func msgIDs(v string, max int) []string {
	var ids []string
	rest := v
	for len(ids) < max {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		id := cleanID(rest[i+1 : i+j])
		rest = rest[i+j+1:]
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 && !strings.Contains(v, "<") {
		for _, f := range strings.Fields(v) {
			if len(ids) >= max {
				break
			}
			if id := cleanID(f); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > 998 {
		return ""
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return ""
		}
	}
	return s
}

// parseAddresses parses an address list field, tolerating raw 8-bit names
// and RFC 2047 words. When the strict parser fails it falls back to picking
// out anything that looks like an addr-spec.
func parseAddresses(v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if len(v) > maxHeaderValueLen {
		v = v[:maxHeaderValueLen]
	}
	if !utf8.ValidString(v) {
		v = gb18030String([]byte(v))
	}
	var low bool
	ap := mail.AddressParser{WordDecoder: newWordDecoder(&low)}
	if list, err := ap.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			if len(out) >= maxAddresses {
				break
			}
			name := a.Name
			if strings.Contains(name, "=?") {
				// Mailers put encoded words inside quoted display names.
				name, _ = decodeWords(name)
			}
			out = append(out, Address{Name: cleanLine(name), Addr: cleanLine(a.Address)})
		}
		return out
	}
	return looseAddresses(v)
}

// looseAddresses is the fallback for address fields net/mail rejects.
func looseAddresses(v string) []Address {
	var out []Address
	for _, item := range splitAddressList(v) {
		if len(out) >= maxAddresses {
			break
		}
		item = strings.TrimSpace(item)
		var name, addr string
		if i := strings.LastIndexByte(item, '<'); i >= 0 {
			name = item[:i]
			addr = item[i+1:]
			if j := strings.IndexByte(addr, '>'); j >= 0 {
				addr = addr[:j]
			}
		} else if strings.Contains(item, "@") {
			addr = item
			// "张三 zhangsan@example.cn": a display name without the angle
			// brackets, as some webmail and OA gateways write it. The
			// address is the last word; the rest is the name.
			if f := strings.Fields(item); len(f) > 1 && strings.Count(item, "@") == 1 && strings.Contains(f[len(f)-1], "@") {
				name, addr = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
			}
		} else {
			continue
		}
		addr = strings.TrimSpace(addr)
		if !strings.Contains(addr, "@") || strings.ContainsAny(addr, " \t\"") {
			continue
		}
		name = strings.Trim(strings.TrimSpace(name), `"`)
		name, _ = decodeWords(name)
		out = append(out, Address{Name: cleanLine(name), Addr: cleanLine(addr)})
	}
	return out
}

// splitAddressList splits on commas outside quotes and angle brackets.
func splitAddressList(v string) []string {
	var out []string
	quoted, angle := false, false
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '<':
			angle = true
		case '>':
			angle = false
		case ',', ';':
			if !quoted && !angle {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}
