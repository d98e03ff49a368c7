package reply

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kaohe/internal/cst"
	"kaohe/internal/mailaddr"
)

// msgIDPrefix starts the local part of every Message-ID we generate.
const msgIDPrefix = "kaohe-"

// Limits on untrusted strings copied into replies.
const (
	maxSubjectRunes  = 120
	maxNameRunes     = 64
	maxFilenameBytes = 180
	maxTextRunes     = 400
	maxReferences    = 10 // References keeps the first ID and the last maxReferences
)

// MessageID returns the deterministic Message-ID, with angle brackets, of
// the mail of the given kind made from key (for a receipt: the incoming
// Message-ID, or the hash of the raw message when it has none).
func MessageID(kind, key, domain string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + key))
	return fmt.Sprintf("<%s%s-%s@%s>", msgIDPrefix, kind, hex.EncodeToString(sum[:])[:24], domain)
}

// boundary derives a multipart boundary from the Message-ID. "=_" cannot
// occur in quoted-printable or base64 output, so no body can contain it.
func boundary(msgID, part string) string {
	sum := sha256.Sum256([]byte(part + "\x00" + msgID))
	return "=_kaohe_" + part + "_" + hex.EncodeToString(sum[:])[:20]
}

// cleanText makes an untrusted string safe to show: NFC, control, bidi and
// zero-width characters removed (line breaks and tabs become spaces), runs
// of space collapsed, cut to max runes with "…".
func cleanText(s string, max int) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if r == '\r' || r == '\n' || r == '\t' || unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
				n++
			}
			space = true
			continue
		}
		if unicode.IsControl(r) || isInvisible(r) {
			continue
		}
		space = false
		if max > 0 && n >= max {
			return strings.TrimSpace(b.String()) + "…"
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

func isInvisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// defang neutralises links in untrusted text, so our official mailbox never
// relays a clickable URL that came from a sender, whatever its case.
func defang(s string) string {
	return linkStart.ReplaceAllStringFunc(s, func(m string) string {
		switch l := strings.ToLower(m); {
		case strings.HasPrefix(l, "https"):
			return "hxxps://"
		case strings.HasPrefix(l, "http"):
			return "hxxp://"
		}
		return "www[.]"
	})
}

var linkStart = regexp.MustCompile(`(?i)https?://|www\.`)

// untrusted is cleanText followed by defang: for cell values, messages
// and names shown in bodies.
func untrusted(s string, max int) string { return defang(cleanText(s, max)) }

// cleanFilename is a display name for an attachment: the base name after
// both kinds of slash, cleaned, at most maxFilenameBytes of UTF-8 keeping
// the extension.
func cleanFilename(name, fallback string) string {
	name = cleanText(name, 0)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Trim(name, " .")
	if name == "" {
		return fallback
	}
	if len(name) <= maxFilenameBytes {
		return name
	}
	ext := ""
	if dot := strings.LastIndexByte(name, '.'); dot > 0 && len(name)-dot <= 10 {
		ext = name[dot:]
		name = name[:dot]
	}
	limit := maxFilenameBytes - len(ext)
	for len(name) > limit {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name + ext
}

// checkAddress accepts a bare addr-spec that round-trips through
// net/mail, so no header or SMTP command can be smuggled in with it. The
// configuration check runs the same mailaddr code.
func checkAddress(a string) error { return mailaddr.Check(a) }

// attachmentParams builds the Content-Type and Content-Disposition values
// of an attachment named name: an RFC 2047 word inside the quoted
// filename/name (what Chinese webmail, Foxmail and older Outlook read) and
// the RFC 2231 filename* (what the standards say, preferred by parsers that
// know it).
func attachmentParams(contentType, name string) (ct, cd string) {
	if isPlainASCII(name) {
		q := quoteParam(name)
		return contentType + "; name=" + q, "attachment; filename=" + q
	}
	word := strings.ReplaceAll(mime.BEncoding.Encode("UTF-8", name), "=?UTF-8?b?", "=?UTF-8?B?")
	ct = contentType + "; name=\"" + word + "\""
	cd = "attachment; filename=\"" + word + "\"; filename*=UTF-8''" + pctEncode(name)
	return ct, cd
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func quoteParam(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// pctEncode is RFC 2231 / RFC 5987 value encoding: attr-chars stay, every
// other byte becomes %XX.
func pctEncode(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

// threadIDs returns In-Reply-To and References for a reply (RFC 5322
// §3.6.4), IDs with angle brackets; References keeps the first ID and the
// last maxReferences.
func threadIDs(msgID string, refs, inReplyTo []string) (irt []string, references []string) {
	msgID = normMsgID(msgID)
	if msgID == "" {
		return nil, nil
	}
	var parent []string
	for _, r := range refs {
		// An entry may hold several IDs (a References value not split).
		for _, one := range msgIDs(r) {
			if id := normMsgID(one); id != "" {
				parent = append(parent, id)
			}
		}
	}
	if len(parent) == 0 {
		var irt []string
		for _, r := range inReplyTo {
			irt = append(irt, msgIDs(r)...)
		}
		if len(irt) == 1 {
			if id := normMsgID(irt[0]); id != "" {
				parent = append(parent, id)
			}
		}
	}
	references = append(parent, msgID)
	if len(references) > maxReferences+1 {
		capped := append([]string{references[0]}, references[len(references)-maxReferences:]...)
		references = capped
	}
	return []string{msgID}, references
}

// normMsgID returns "<id>" for a syntactically plain message identifier,
// "" for anything that could break a header.
func normMsgID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	if id == "" || len(id) > 250 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"' || c == '\\' {
			return ""
		}
	}
	return "<" + id + ">"
}

// cnTime formats a time for Chinese readers in Beijing time.
func cnTime(t time.Time) string {
	if t.IsZero() {
		return "未知"
	}
	return t.In(cst.Location()).Format("2006年1月2日 15:04")
}

// cnDeadline formats a cut-off; midnight shows as 24:00 of the day before,
// as the notice words it (2022年1月5日前 is before 2022-01-06 00:00).
func cnDeadline(t time.Time) string {
	if t.IsZero() {
		return "未设定"
	}
	b := t.In(cst.Location())
	if b.Hour() == 0 && b.Minute() == 0 {
		return b.Add(-time.Minute).Format("2006年1月2日") + " 24:00"
	}
	return b.Format("2006年1月2日 15:04")
}
