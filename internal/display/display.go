// Package display makes what senders wrote safe to show back to them in a
// receipt or an annotated copy, and names what a finding is about, so the
// mail and the copy speak of a cell in the same words.
package display

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"kaohe/templates"
	"kaohe/validate"
)

// MaxTextRunes bounds an untrusted message or cell value copied into a reply.
const MaxTextRunes = 400

// Clean makes an Untrusted string safe to show: NFC, control, bidi and
// zero-width characters removed (line breaks and tabs become spaces), runs
// of space collapsed, cut to max runes with "…".
func Clean(s string, max int) string {
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
		if unicode.IsControl(r) || IsInvisible(r) {
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

// IsInvisible reports whether r is a bidi, zero-width or other format character that Clean removes.
func IsInvisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// Defang neutralises links in Untrusted text, so our official mailbox never
// relays a clickable URL that came from a sender, whatever its case.
func Defang(s string) string {
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

// Untrusted is Clean followed by Defang: for cell values, messages
// and names shown in bodies.
func Untrusted(s string, max int) string { return Defang(Clean(s, max)) }

// ItemLabel names what a finding is about: "指标 1.4（按照《信息安全…）", a
// field's label, or the whole sheet.
func ItemLabel(f validate.Finding, form *templates.Form) string {
	switch {
	case f.Indicator != "":
		label := "指标 " + Clean(f.Indicator, 8)
		if form != nil {
			if ind, ok := form.Indicator(f.Indicator); ok {
				label += "（" + Clean(ind.Criteria, 18) + "）"
			}
		}
		return label
	case f.Field != "":
		if form != nil {
			if fd, ok := form.Field(f.Field); ok {
				return fd.Label
			}
		}
		return Clean(f.Field, 32)
	case f.Code == validate.CodeTotalMismatch && form != nil && form.TotalLabel != "":
		return form.TotalLabel
	case f.Code.FileLevel():
		return "整个文件"
	}
	return "整张表"
}

// StripCellPrefix drops a leading "E18：" from a message shown beside its
// cell anyway.
func StripCellPrefix(msg, cell string) string {
	if cell == "" {
		return msg
	}
	for _, sep := range []string{"：", ":"} {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(msg), cell+sep); ok {
			return strings.TrimSpace(rest)
		}
	}
	return msg
}
