package mailparse

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// maxCharsetInput bounds what one charset conversion reads.
const maxCharsetInput = 32 << 20

// isGBLabel reports whether a charset label names GB2312, GBK or GB18030.
// All of them are decoded as GB18030, a superset, because mailers label
// GB18030 text (rare name and place characters) as gb2312 or gbk.
func isGBLabel(label string) bool {
	switch label {
	case "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn",
		"csgb2312", "gb_2312-80", "gb_2312", "csgb231280", "iso-ir-58", "chinese", "gb18030", "x-gb18030":
		return true
	}
	return false
}

// knownCharset reports whether label can be decoded.
func knownCharset(label string) bool {
	l := strings.ToLower(strings.TrimSpace(label))
	if l == "" || l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii" || isGBLabel(l) {
		return true
	}
	_, err := charset.Reader(l, strings.NewReader(""))
	return err == nil
}

// gb18030String decodes b as GB18030.
func gb18030String(b []byte) string {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// decodeCharsetBytes converts b from the charset label to UTF-8. low is true
// when the charset had to be guessed (no label, a wrong UTF-8 label, or an
// unknown label): then valid UTF-8 is taken as is and anything else is read
// as GB18030, the usual encoding of unlabelled Chinese text.
func decodeCharsetBytes(label string, b []byte) (s string, low bool) {
	l := strings.ToLower(strings.TrimSpace(label))
	switch {
	case l == "" && misreadGBK(string(b)):
		return gb18030String(b), true
	case l == "" || l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii":
		if utf8.Valid(b) {
			return string(b), false
		}
		return gb18030String(b), true
	case isGBLabel(l):
		s = gb18030String(b)
		return s, strings.ContainsRune(s, utf8.RuneError)
	}
	r, err := charset.Reader(l, bytes.NewReader(b))
	if err == nil {
		out, err := io.ReadAll(io.LimitReader(r, maxCharsetInput))
		if err == nil {
			s = string(out)
			return s, strings.ContainsRune(s, utf8.RuneError)
		}
	}
	if utf8.Valid(b) {
		return string(b), true
	}
	return gb18030String(b), true
}

// misreadGBK reports whether s, although valid UTF-8, is better read as
// GBK: raw 8-bit text whose non-ASCII characters (at least two) all fall in
// the two-byte UTF-8 range (Latin, Greek, Cyrillic…), none touching an ASCII
// letter, while the same bytes read as GB18030 are all Chinese characters. GBK pairs with a lead byte
// 0xC2–0xDF and a trail byte 0x80–0xBF happen to be valid UTF-8.
func misreadGBK(s string) bool {
	n := 0
	prevLetter, prevHigh := false, false
	for _, r := range s {
		letter := r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
		high := r >= 0x80
		if high && r >= 0x800 {
			return false
		}
		if (high && prevLetter) || (letter && prevHigh) {
			return false // accented Latin words such as "Café"
		}
		if high {
			n++
		}
		prevLetter, prevHigh = letter, high
	}
	if n < 2 {
		return false
	}
	for _, r := range gb18030String([]byte(s)) {
		if r >= 0x80 && !unicode.Is(unicode.Han, r) && !(r >= 0x3000 && r <= 0x303F) && !(r >= 0xFF00 && r <= 0xFFEF) {
			return false
		}
	}
	return true
}

// decodeWords decodes a header value or parameter that may hold raw 8-bit
// bytes (UTF-8 or GBK) and RFC 2047 encoded words in any charset. low is true
// when a charset had to be guessed.
func decodeWords(s string) (string, bool) {
	low := false
	if !utf8.ValidString(s) || misreadGBK(s) {
		s = gb18030String([]byte(s))
		low = true
	}
	if !strings.Contains(s, "=?") {
		return s, low
	}
	dec := newWordDecoder(&low)
	d, err := dec.DecodeHeader(s)
	if err != nil {
		return s, true
	}
	if !utf8.ValidString(d) {
		// A "utf-8" encoded word holding GBK bytes.
		d = gb18030String([]byte(d))
		low = true
	}
	return d, low
}

// newWordDecoder returns an RFC 2047 decoder that knows every charset of
// decodeCharsetBytes and sets *low when a charset had to be guessed.
func newWordDecoder(low *bool) *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(label string, in io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(in, maxCharsetInput))
		if err != nil {
			return nil, err
		}
		out, l := decodeCharsetBytes(label, b)
		if l {
			*low = true
		}
		return strings.NewReader(out), nil
	}}
}
