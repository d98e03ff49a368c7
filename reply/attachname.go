package reply

import (
	"mime"
	"strings"
	"unicode/utf8"

	"kaohe/internal/display"
	"kaohe/internal/mailaddr"
)

// Limits on untrusted strings copied into replies.
const (
	maxSubjectRunes  = 120
	maxNameRunes     = 64
	maxFilenameBytes = 180
)

// cleanFilename is a display name for an attachment: the base name after
// both kinds of slash, cleaned, at most maxFilenameBytes of UTF-8 keeping
// the extension.
func cleanFilename(name, fallback string) string {
	name = display.Clean(name, 0)
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
