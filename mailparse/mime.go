package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // charsets for go-message users of this package
	"github.com/emersion/go-message/textproto"
)

// Limits bounds the work Parse does on one message. A zero field takes the
// default shown in DefaultLimits.
type Limits struct {
	MaxAttachmentSize int64 // decoded bytes of one attachment or zip entry
	MaxParts          int   // MIME parts walked, all levels together
	MaxDepth          int   // nesting of multiparts, forwarded messages and zips
	MaxZipEntries     int   // entries of one zip; a zip with more is not opened
	MaxUnzipSize      int64 // uncompressed bytes read from zips, all together
	MaxTextBytes      int   // bytes of Parsed.Text kept
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxAttachmentSize: 20 << 20,
		MaxParts:          100,
		MaxDepth:          10,
		MaxZipEntries:     200,
		MaxUnzipSize:      64 << 20,
		MaxTextBytes:      64 << 10,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxAttachmentSize <= 0 {
		l.MaxAttachmentSize = d.MaxAttachmentSize
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxUnzipSize <= 0 {
		l.MaxUnzipSize = d.MaxUnzipSize
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	return l
}

// Address is a decoded mailbox: display name and addr-spec.
type Address struct {
	Name, Addr string
}

// Parsed is what Parse extracts from one message.
type Parsed struct {
	MessageID  string // without <>; "" when absent
	From       Address
	Sender     []Address
	ReplyTo    []Address
	ReturnPath string // without <>; "" when absent or null (<>); see Header["Return-Path"]
	To, Cc     []Address
	Subject    string    // decoded, control characters and line breaks removed
	Date       time.Time // the sender's Date header, informational only; zero when unparsable
	InReplyTo  string    // first message id, without <>
	References []string  // message ids without <>, in order

	// Header holds every top-level header field, decoded (RFC 2047, raw
	// GBK), keyed by canonical MIME key ("Message-Id", "Auto-Submitted").
	Header map[string][]string

	// Text is the first text/plain body part (or the first text/html part
	// stripped to text when there is no plain one), in UTF-8, capped at
	// Limits.MaxTextBytes.
	Text string

	Attachments []Attachment

	// Problems are English notes for logs about parts skipped or damaged.
	Problems []string
}

// Attachment is one file found in the message, in a forwarded message inside
// it, or in a zip attached to it.
type Attachment struct {
	Filename          string // decoded, normalised by SanitizeFilename, or a 附件N fallback; never a path
	ContentType       string // lower-cased media type as declared by the sender
	Data              []byte // decoded bytes, exactly as attached (no charset conversion)
	Kind              AttachmentKind
	Path              string // where it came from, e.g. "forwarded/附件.zip/朝阳区.xlsx"
	LowConfidenceName bool   // the charset of the name had to be guessed
	Inline            bool   // Content-Disposition inline, or none with a Content-ID (signature images)
}

// errTooLarge marks a part body above its size limit.
var errTooLarge = errors.New("too large")

// Parse reads a raw RFC 5322 message and extracts its header fields, its text
// and all its attachments: it walks nested multiparts, forwarded messages
// (message/rfc822) and zip attachments, classifies each file by content and
// decodes names in the encodings Chinese mailers use. Damaged or oversized
// parts are skipped and noted in Problems. Parse returns an error only when
// the message header cannot be read at all.
func Parse(raw []byte, lim Limits) (*Parsed, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("parse message: empty message")
	}
	w := &mimeWalker{lim: lim.withDefaults(), p: &Parsed{Header: map[string][]string{}}}
	w.unzipLeft = w.lim.MaxUnzipSize

	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		if h.Len() == 0 {
			return nil, fmt.Errorf("parse message header: %w", err)
		}
		w.problem("message header damaged, the rest is read as body: %v", err)
	}
	w.readTopHeader(h)
	w.walk(h, br, 0, "")
	w.finishText()
	return w.p, nil
}

// mimeWalker holds the state of one Parse call.
type mimeWalker struct {
	lim       Limits
	p         *Parsed
	parts     int
	stopped   bool  // the part limit was reached
	unzipLeft int64 // uncompressed zip bytes still allowed
	unnamed   int   // attachments given a fallback name so far
	plain     string
	havePlain bool
	html      string
	haveHTML  bool
}

func (w *mimeWalker) problem(format string, args ...any) {
	if len(w.p.Problems) >= 100 {
		return
	}
	w.p.Problems = append(w.p.Problems, fmt.Sprintf(format, args...))
}

// walk processes one entity (message or part) with header h and raw body r.
func (w *mimeWalker) walk(h textproto.Header, body io.Reader, depth int, path string) {
	if depth > w.lim.MaxDepth {
		w.problem("nesting deeper than %d levels skipped", w.lim.MaxDepth)
		return
	}
	mt, ctParams := parseHeaderParams(h.Get("Content-Type"))
	switch {
	case mt == "":
		mt = "text/plain" // RFC 2045 §5.2
	case !validMediaType(mt):
		mt = "application/octet-stream"
	}
	disp, dParams := parseHeaderParams(h.Get("Content-Disposition"))

	switch {
	case strings.HasPrefix(mt, "multipart/"):
		w.walkMultipart(mt, ctParams, body, depth, path)
		return
	case mt == "message/rfc822" || mt == "message/global":
		dec, err := w.transferDecoder(h, body)
		if err != nil {
			w.problem("forwarded message: %v", err)
			return
		}
		br := bufio.NewReader(dec)
		ih, err := textproto.ReadHeader(br)
		if err != nil && ih.Len() == 0 {
			w.problem("forwarded message header unreadable: %v", err)
			return
		}
		w.walk(ih, br, depth+1, joinPath(path, "forwarded"))
		return
	}

	rawName, low := decodeParam(dParams, "filename")
	if strings.TrimSpace(rawName) == "" {
		rawName, low = decodeParam(ctParams, "name")
	}
	if (mt == "text/plain" || mt == "text/html") && disp != "attachment" && strings.TrimSpace(rawName) == "" {
		w.text(h, mt, paramValue(ctParams, "charset"), body)
		return
	}

	data, err := w.readBody(h, body, w.lim.MaxAttachmentSize)
	if errors.Is(err, errTooLarge) {
		w.problem("attachment %q (%s) larger than %d bytes skipped", SanitizeFilename(rawName), mt, w.lim.MaxAttachmentSize)
		return
	}
	if err != nil {
		w.problem("attachment %q (%s) unreadable, skipped: %v", SanitizeFilename(rawName), mt, err)
		return
	}
	inline := disp == "inline" || (disp == "" && h.Get("Content-Id") != "")
	if mt == "application/ms-tnef" || bytes.HasPrefix(data, sigTNEF) {
		w.problem("attachment %q is Outlook rich-text (TNEF, winmail.dat): the files inside cannot be read", SanitizeFilename(rawName))
	}
	w.addFile(rawName, low, inline, mt, data, path, depth)
}

func (w *mimeWalker) walkMultipart(mt string, params []mimeParam, body io.Reader, depth int, path string) {
	boundary := paramValue(params, "boundary")
	if boundary == "" {
		w.problem("%s without boundary skipped", mt)
		return
	}
	mr := textproto.NewMultipartReader(body, boundary)
	for {
		if w.stopped {
			return
		}
		if w.parts >= w.lim.MaxParts {
			w.problem("more than %d MIME parts; the rest is ignored", w.lim.MaxParts)
			w.stopped = true
			return
		}
		part, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") {
				w.problem("%s damaged: %v", mt, err)
			} else {
				w.problem("%s ends without its final boundary", mt)
			}
			return
		}
		w.parts++
		w.walk(part.Header, part, depth+1, path)
	}
}

// addFile records one attachment, opening zips to look for workbooks.
func (w *mimeWalker) addFile(rawName string, low, inline bool, mt string, data []byte, path string, depth int) {
	name := SanitizeFilename(rawName)
	kind := DetectKind(data, name)
	if kind == KindArchive && (bytes.HasPrefix(data, sigZip) || bytes.HasPrefix(data, sigZipEmpty)) {
		arcName := name
		if arcName == "" {
			arcName = "archive.zip"
		}
		if w.expandZip(data, joinPath(path, arcName), depth+1) > 0 {
			return
		}
	}
	if name == "" {
		w.unnamed++
		name = fallbackName(w.unnamed, extensionFor(kind, mt, data))
		if strings.TrimSpace(rawName) == "" {
			low = false
		}
	}
	w.p.Attachments = append(w.p.Attachments, Attachment{
		Filename:          name,
		ContentType:       mt,
		Data:              data,
		Kind:              kind,
		Path:              joinPath(path, name),
		LowConfidenceName: low,
		Inline:            inline,
	})
}

// extensionFor picks the extension of a fallback name.
func extensionFor(kind AttachmentKind, mt string, data []byte) string {
	switch kind {
	case KindXLSX, KindEncrypted:
		return ".xlsx"
	case KindLegacy:
		return ".xls"
	case KindArchive:
		switch {
		case bytes.HasPrefix(data, sigRar):
			return ".rar"
		case bytes.HasPrefix(data, sig7z):
			return ".7z"
		case bytes.HasPrefix(data, sigGzip):
			return ".gz"
		}
		return ".zip"
	}
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		return ".pdf"
	case mt == "image/jpeg":
		return ".jpg"
	case mt == "image/png":
		return ".png"
	case mt == "text/plain":
		return ".txt"
	case mt == "text/html":
		return ".html"
	}
	return ".bin"
}

// joinPath appends a segment to an attachment path.
func joinPath(path, seg string) string {
	if path == "" {
		return seg
	}
	return path + "/" + seg
}

// validMediaType reports whether mt is type/subtype made of token characters.
func validMediaType(mt string) bool {
	i := strings.IndexByte(mt, '/')
	if i <= 0 || i == len(mt)-1 || len(mt) > 127 {
		return false
	}
	for j := 0; j < len(mt); j++ {
		c := mt[j]
		if j == i {
			continue
		}
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&^_.+-", c) >= 0) {
			return false
		}
	}
	return true
}
