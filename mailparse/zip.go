package mailparse

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"kaohe/internal/cfb"
)

// expandZip looks for workbooks in a zip attachment and adds each one as an
// attachment, with the same size limits as mail parts plus a budget of
// uncompressed bytes shared by all zips of the message. Entry names are
// decoded (UTF-8 or GBK) for display only; nothing is written to disk. It
// returns how many workbooks it added. Zips nested in the zip are searched as
// long as the depth limit allows.
func (w *mimeWalker) expandZip(data []byte, arcPath string, depth int) int {
	if depth > w.lim.MaxDepth {
		w.problem("zip %q nested too deep, not opened", arcPath)
		return 0
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) {
		// Names such as "../x.xlsx" only matter to code that extracts to
		// disk; here they are display text (GODEBUG=zipinsecurepath=0).
		err = nil
	}
	if err != nil {
		w.problem("zip %q unreadable: %v", arcPath, err)
		return 0
	}
	if len(zr.File) > w.lim.MaxZipEntries {
		w.problem("zip %q has %d entries (limit %d), not opened", arcPath, len(zr.File), w.lim.MaxZipEntries)
		return 0
	}
	found := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || strings.HasSuffix(f.Name, `\`) {
			continue
		}
		name, low := zipEntryName(f)
		entryPath := joinPath(arcPath, zipDisplayPath(name))
		if f.Flags&0x1 != 0 {
			if looksLikeWorkbookName(name) {
				w.problem("zip entry %q is password-protected, not opened", entryPath)
			}
			continue
		}
		if f.UncompressedSize64 > uint64(w.lim.MaxAttachmentSize) {
			w.problem("zip entry %q declares %d bytes (limit %d), skipped", entryPath, f.UncompressedSize64, w.lim.MaxAttachmentSize)
			continue
		}
		if int64(f.UncompressedSize64) > w.unzipLeft {
			w.problem("zip entry %q skipped: total unzip limit of %d bytes reached", entryPath, w.lim.MaxUnzipSize)
			continue
		}
		b, ok := w.readZipEntry(f, entryPath)
		if !ok {
			continue
		}
		kind := DetectKind(b, name)
		switch kind {
		case KindXLSX, KindLegacy, KindEncrypted:
			fn := SanitizeFilename(name)
			if fn == "" {
				w.unnamed++
				fn = fallbackName(w.unnamed, extensionFor(kind, "", b))
			}
			w.p.Attachments = append(w.p.Attachments, Attachment{
				Filename:          fn,
				ContentType:       "application/octet-stream",
				Data:              b,
				Kind:              kind,
				Path:              entryPath,
				LowConfidenceName: low,
			})
			found++
		case KindArchive:
			if bytes.HasPrefix(b, sigZip) || bytes.HasPrefix(b, sigZipEmpty) {
				found += w.expandZip(b, entryPath, depth+1)
			}
		}
	}
	return found
}

// readZipEntry reads one entry if it can be a workbook or a zip. The read is
// capped at the declared size; archive/zip itself fails when an entry
// inflates beyond its declared size or its checksum does not match.
func (w *mimeWalker) readZipEntry(f *zip.File, entryPath string) ([]byte, bool) {
	rc, err := f.Open()
	if err != nil {
		w.problem("zip entry %q unreadable: %v", entryPath, err)
		return nil, false
	}
	defer rc.Close()
	head := make([]byte, len(cfb.Magic))
	n, err := io.ReadFull(rc, head)
	head = head[:n]
	w.unzipLeft -= int64(n)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		w.problem("zip entry %q unreadable: %v", entryPath, err)
		return nil, false
	}
	if !bytes.HasPrefix(head, sigZip) && !bytes.HasPrefix(head, sigZipEmpty) && !bytes.HasPrefix(head, cfb.Magic) {
		return nil, false // neither a workbook nor a nested zip
	}
	limit := int64(f.UncompressedSize64) - int64(n)
	if limit < 0 {
		limit = 0
	}
	if limit > w.unzipLeft {
		limit = w.unzipLeft
	}
	rest, err := io.ReadAll(io.LimitReader(rc, limit+1))
	w.unzipLeft -= int64(len(rest))
	if err != nil {
		w.problem("zip entry %q damaged: %v", entryPath, err)
		return nil, false
	}
	if int64(len(rest)) > limit {
		w.problem("zip entry %q larger than declared or over the unzip limit, skipped", entryPath)
		return nil, false
	}
	return append(head, rest...), true
}

// zipEntryName decodes an entry name: UTF-8 when flagged or valid, otherwise
// GB18030 (Windows zip tools in China write GBK names without a flag).
func zipEntryName(f *zip.File) (string, bool) {
	if utf8.ValidString(f.Name) {
		return f.Name, false
	}
	return gb18030String([]byte(f.Name)), true
}

// zipDisplayPath makes an entry name safe to show as a path segment list.
func zipDisplayPath(name string) string {
	segs := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' })
	out := segs[:0]
	for _, s := range segs {
		if s = SanitizeFilename(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "entry"
	}
	return strings.Join(out, "/")
}

// looksLikeWorkbookName reports whether a name has a spreadsheet extension.
func looksLikeWorkbookName(name string) bool {
	n := strings.ToLower(name)
	for _, e := range []string{".xlsx", ".xlsm", ".xls", ".et", ".xlsb", ".ods"} {
		if strings.HasSuffix(n, e) {
			return true
		}
	}
	return false
}
