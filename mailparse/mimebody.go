package mailparse

import (
	"encoding/base64"
	"html"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// transferDecoder undoes the Content-Transfer-Encoding of a part. It never
// converts charsets: attachment bytes stay exactly as the sender attached
// them, whatever charset parameter the Content-Type carries.
func (w *mimeWalker) transferDecoder(h textproto.Header, body io.Reader) (io.Reader, error) {
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if i := strings.IndexAny(cte, "; ("); i >= 0 {
		cte = cte[:i]
	}
	switch cte {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "base64":
		return base64.NewDecoder(base64.RawStdEncoding, &base64Filter{r: body}), nil
	case "quoted-printable":
		return quotedprintable.NewReader(body), nil
	}
	w.problem("unknown Content-Transfer-Encoding %q, part read as is", cleanLine(cte))
	return body, nil
}

// readBody reads a part's transfer-decoded body, at most max bytes.
func (w *mimeWalker) readBody(h textproto.Header, body io.Reader, max int64) ([]byte, error) {
	dec, err := w.transferDecoder(h, body)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(dec, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, errTooLarge
	}
	return data, nil
}

// base64Filter passes only base64 alphabet characters and ends at the first
// padding character, so line breaks, stray spaces and missing padding, all
// common in the wild, do not break decoding.
type base64Filter struct {
	r    io.Reader
	done bool
}

func (f *base64Filter) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	for {
		n, err := f.r.Read(p)
		j := 0
		for i := 0; i < n; i++ {
			c := p[i]
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				p[j] = c
				j++
			case c == '=':
				f.done = true
				return j, io.EOF
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// text handles a body text part.
func (w *mimeWalker) text(h textproto.Header, mt, cs string, body io.Reader) {
	if (mt == "text/plain" && w.havePlain) || (mt == "text/html" && (w.haveHTML || w.havePlain)) {
		return
	}
	if !knownCharset(cs) {
		w.problem("%s part in unknown charset %q skipped", mt, cleanLine(cs))
		return
	}
	dec, err := w.transferDecoder(h, body)
	if err != nil {
		w.problem("%s part unreadable: %v", mt, err)
		return
	}
	// Read a bounded prefix; a damaged encoding keeps what was decoded.
	max := w.lim.MaxTextBytes * 8
	data, err := io.ReadAll(io.LimitReader(dec, int64(max)))
	if err != nil {
		w.problem("%s part damaged, partly read: %v", mt, err)
	}
	if len(data) == max && !utf8.Valid(data) {
		// Do not let a UTF-8 sequence cut by the limit make the text look GBK.
		for i := 1; i <= 3 && i < len(data); i++ {
			if utf8.Valid(data[:len(data)-i]) {
				data = data[:len(data)-i]
				break
			}
		}
	}
	s, _ := decodeCharsetBytes(cs, data)
	if mt == "text/html" {
		w.html, w.haveHTML = s, true
		return
	}
	w.plain, w.havePlain = s, true
}

// finishText sets Parsed.Text from the text parts seen.
func (w *mimeWalker) finishText() {
	var s string
	switch {
	case w.havePlain:
		s = w.plain
	case w.haveHTML:
		s = htmlToText(w.html)
	}
	w.p.Text = truncateUTF8(strings.TrimSpace(cleanText(s)), w.lim.MaxTextBytes)
}

// cleanText normalises line ends and removes control characters other than
// newline and tab.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r), r == '\u202A', r == '\u202B', r == '\u202C', r == '\u202D', r == '\u202E',
			r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, s)
}

// htmlToText strips an HTML body down to its visible text.
func htmlToText(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	i := 0
	for i < len(s) {
		c := s[i]
		if c != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		switch {
		case strings.HasPrefix(lower[i:], "<!--"):
			end := strings.Index(lower[i+4:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 4 + end + 3
			}
			continue
		case strings.HasPrefix(lower[i:], "<script"), strings.HasPrefix(lower[i:], "<style"), strings.HasPrefix(lower[i:], "<head"):
			tag := "</script"
			if strings.HasPrefix(lower[i:], "<style") {
				tag = "</style"
			} else if strings.HasPrefix(lower[i:], "<head") {
				tag = "</head"
			}
			end := strings.Index(lower[i:], tag)
			if end < 0 {
				i = len(s)
				continue
			}
			i += end
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		tag := lower[i+1 : i+end]
		tag = strings.TrimPrefix(tag, "/")
		if k := strings.IndexAny(tag, " \t\r\n/"); k >= 0 {
			tag = tag[:k]
		}
		switch tag {
		case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote":
			b.WriteByte('\n')
		case "td", "th":
			b.WriteByte('\t')
		}
		i += end + 1
	}
	text := html.UnescapeString(b.String())
	text = strings.ReplaceAll(text, "\u00a0", " ")
	// Collapse blank runs.
	lines := strings.Split(text, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(strings.Join(strings.Fields(l), " "), unicode.IsSpace)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
