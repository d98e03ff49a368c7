package mailparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxFilenameBytes caps a normalised attachment name. A CJK character takes
// three bytes of UTF-8 and ext4 allows 255 bytes per name.
const maxFilenameBytes = 200

// mimeParam is one parameter of a structured header field, as found in the
// raw text: name lower-cased, value unquoted but not otherwise decoded.
type mimeParam struct {
	name, value string
}

// ParseContentDisposition parses a raw Content-Disposition value, as it
// appears in the message (unfolded or not, possibly with raw 8-bit bytes), and
// returns the lower-cased disposition type and the attachment file name
// decoded to UTF-8 and normalised by SanitizeFilename ("" when there is none
// or nothing usable remains). It understands RFC 2231 (filename*=charset”…
// and continuations joined before decoding, any charset), RFC 2047 encoded
// words inside the value, raw UTF-8 or GBK bytes and duplicated parameters.
// lowConfidence is true when the charset of the name had to be guessed.
func ParseContentDisposition(raw string) (disp, filename string, lowConfidence bool) {
	disp, params := parseHeaderParams(raw)
	name, low := decodeParam(params, "filename")
	return disp, SanitizeFilename(name), low
}

// unfold removes header line folding (CRLF or LF followed by white space).
func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n", "")
	return s
}

// parseHeaderParams splits a structured header value (Content-Type,
// Content-Disposition) into its lower-cased main value and its parameters in
// the order they appear. It is deliberately tolerant: parameters without '='
// are skipped, an unterminated quoted string runs to the end, a backslash only
// escapes '"' and '\' (so raw GBK trail bytes 0x5C and Windows paths survive),
// and unquoted values may contain spaces and 8-bit bytes.
func parseHeaderParams(raw string) (value string, params []mimeParam) {
	s := unfold(raw)
	i := strings.IndexByte(s, ';')
	if i < 0 {
		return strings.ToLower(strings.TrimSpace(s)), nil
	}
	value = strings.ToLower(strings.TrimSpace(s[:i]))
	s = s[i+1:]
	for len(s) > 0 && len(params) < 100 {
		s = strings.TrimLeft(s, " \t;")
		if s == "" {
			break
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			break
		}
		if s[eq] == ';' {
			s = s[eq+1:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, "\"") {
			var b strings.Builder
			j := 1
			closed := false
			for j < len(s) {
				c := s[j]
				if c == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				if c == '"' {
					closed = true
					j++
					break
				}
				b.WriteByte(c)
				j++
			}
			val = b.String()
			s = s[j:]
			if closed {
				// Skip anything between the closing quote and the next ';'.
				if k := strings.IndexByte(s, ';'); k >= 0 {
					s = s[k+1:]
				} else {
					s = ""
				}
			}
		} else {
			k := strings.IndexByte(s, ';')
			if k < 0 {
				k = len(s)
			}
			val = strings.TrimSpace(s[:k])
			s = s[k:]
		}
		if name != "" {
			params = append(params, mimeParam{name: name, value: val})
		}
	}
	return value, params
}

// paramValue returns the first non-empty plain value of the parameter key.
func paramValue(params []mimeParam, key string) string {
	for _, p := range params {
		if p.name == key && p.value != "" {
			return p.value
		}
	}
	return ""
}

// decodeParam decodes parameter key from params, preferring the RFC 2231
// extended form, then continuations, then the plain value (with RFC 2047 words
// and raw 8-bit bytes). A confidently decoded candidate wins over a guessed
// one. It returns "" when the parameter is absent.
func decodeParam(params []mimeParam, key string) (string, bool) {
	type cand struct {
		s   string
		low bool
	}
	var cands []cand
	add := func(s string, low bool) {
		if strings.TrimSpace(s) != "" {
			cands = append(cands, cand{s, low})
		}
	}

	for _, p := range params {
		if p.name == key+"*" {
			s, low := decode2231(p.value)
			add(s, low)
			break
		}
	}

	type seg struct {
		value   string
		encoded bool
		ok      bool
	}
	var segs [64]seg
	found := false
	prefix := key + "*"
	for _, p := range params {
		if !strings.HasPrefix(p.name, prefix) || len(p.name) == len(prefix) {
			continue
		}
		rest := p.name[len(prefix):]
		enc := strings.HasSuffix(rest, "*")
		rest = strings.TrimSuffix(rest, "*")
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n >= len(segs) || segs[n].ok {
			continue
		}
		segs[n] = seg{value: p.value, encoded: enc, ok: true}
		found = true
	}
	if found && segs[0].ok {
		var raw []byte
		cs := ""
		anyEncoded := false
		for i := 0; i < len(segs) && segs[i].ok; i++ {
			v := segs[i].value
			if segs[i].encoded {
				anyEncoded = true
				if i == 0 {
					if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
						cs, v = parts[0], parts[2]
					}
				}
				raw = append(raw, percentDecode(v)...)
			} else {
				raw = append(raw, v...)
			}
		}
		if anyEncoded {
			s, low := decodeCharsetBytes(cs, raw)
			// Encoded words split across unencoded segments are rare but
			// cheap to handle.
			s2, low2 := decodeWords(s)
			add(s2, low || low2)
		} else {
			s, low := decodeWords(string(raw))
			add(s, low)
		}
	}

	for _, p := range params {
		if p.name == key && strings.TrimSpace(p.value) != "" {
			s, low := decodeWords(p.value)
			add(s, low)
			break
		}
	}

	for _, c := range cands {
		if !c.low {
			return c.s, false
		}
	}
	if len(cands) > 0 {
		return cands[0].s, true
	}
	return "", false
}

// decode2231 decodes an RFC 2231 extended value charset'language'%XX….
func decode2231(v string) (string, bool) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return decodeCharsetBytes("", percentDecode(v))
	}
	return decodeCharsetBytes(parts[0], percentDecode(parts[2]))
}

// percentDecode decodes %XX escapes; malformed escapes are kept literally.
func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			if hi, ok := unhex(s[i+1]); ok {
				if lo, ok := unhex(s[i+2]); ok {
					b = append(b, hi<<4|lo)
					i += 2
					continue
				}
			}
		}
		b = append(b, c)
	}
	return b
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// SanitizeFilename turns an attachment name from a mail into a safe display
// name: valid UTF-8 in NFC, no control, format (bidi override, zero-width) or
// line-separator characters, the base name only (any "/" or "\" path, drive
// letter or UNC prefix removed), Windows-reserved characters replaced by "_",
// reserved device names (CON, NUL, COM1…) prefixed with "_", no leading dots,
// no trailing dots or spaces, at most 200 bytes with the extension kept. It
// returns "" when nothing usable remains (for example "", "..", ".xlsx").
// The result is for display and logs only: never use it as a path.
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")

	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			continue
		}
		b.WriteRune(r)
	}
	// Normalise after stripping, so that a mark separated from its base by
	// a removed character still composes.
	name = norm.NFC.String(b.String())

	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]) {
		name = name[2:]
	}
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, name)

	name = strings.TrimSpace(name)
	hadLeadingDot := strings.HasPrefix(name, ".")
	name = strings.TrimFunc(name, isDotOrSpace)
	if name == "" || (hadLeadingDot && !strings.Contains(name, ".")) {
		return ""
	}

	stem, ext := splitExt(name)
	if isReservedDeviceName(stem) {
		stem = "_" + stem
	}
	if len(stem)+len(ext) > maxFilenameBytes {
		stem = truncateUTF8(stem, maxFilenameBytes-len(ext))
		stem = strings.TrimRightFunc(stem, isDotOrSpace)
	}
	if stem == "" {
		return ""
	}
	return stem + ext
}

// splitExt splits name into stem and a short extension (with the dot).
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i > 16 {
		return name, ""
	}
	return name[:i], name[i:]
}

// truncateUTF8 cuts s to at most n bytes on a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isDotOrSpace(r rune) bool { return r == '.' || unicode.IsSpace(r) }

func isASCIILetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isReservedDeviceName reports whether stem is a Windows device name.
func isReservedDeviceName(stem string) bool {
	s := strings.ToUpper(strings.TrimSpace(stem))
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(s) == 4 && (strings.HasPrefix(s, "COM") || strings.HasPrefix(s, "LPT")) && s[3] >= '0' && s[3] <= '9' {
		return true
	}
	return false
}

// fallbackName is the name given to an attachment without a usable one.
func fallbackName(n int, ext string) string {
	return fmt.Sprintf("附件%d%s", n, ext)
}
