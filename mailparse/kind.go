package mailparse

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strings"

	"kaohe/internal/cfb"
)

// AttachmentKind says what an attachment holds, judged by its content first
// and by its name only where the content is ambiguous.
type AttachmentKind string

const (
	// KindXLSX is an Office Open XML workbook (.xlsx, .xlsm): a zip with
	// [Content_Types].xml and xl/workbook.xml.
	KindXLSX AttachmentKind = "xlsx"
	// KindLegacy is a spreadsheet in a format the validator does not read:
	// BIFF .xls, WPS .et (OLE containers with a Workbook stream), .xlsb, .ods.
	KindLegacy AttachmentKind = "legacy"
	// KindEncrypted is a password-protected xlsx: an OLE container with
	// EncryptionInfo / EncryptedPackage streams.
	KindEncrypted AttachmentKind = "xlsx-encrypted"
	// KindArchive is a zip, rar, 7z or gzip archive that did not yield a
	// workbook (zips are searched for workbooks, which are then returned
	// instead of the archive).
	KindArchive AttachmentKind = "archive"
	// KindOther is anything else: images, PDF, Word documents, text.
	KindOther AttachmentKind = "other"
)

var (
	sigZip      = []byte("PK\x03\x04")
	sigZipEmpty = []byte("PK\x05\x06")
	sigRar      = []byte("Rar!\x1a\x07")
	sig7z       = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}
	sigGzip     = []byte{0x1f, 0x8b}
	sigTNEF     = []byte{0x78, 0x9F, 0x3E, 0x22}
)

// DetectKind classifies attachment data. The name (its extension) is used
// only when the content cannot decide, e.g. a damaged zip named .xlsx or an
// OLE container whose directory cannot be read.
func DetectKind(data []byte, name string) AttachmentKind {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case bytes.HasPrefix(data, sigZip) || bytes.HasPrefix(data, sigZipEmpty):
		return zipKind(data, ext)
	case bytes.HasPrefix(data, cfb.Magic):
		return oleKind(data, ext)
	case bytes.HasPrefix(data, sigRar), bytes.HasPrefix(data, sig7z), bytes.HasPrefix(data, sigGzip):
		return KindArchive
	}
	return KindOther
}

func zipKind(data []byte, ext string) AttachmentKind {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil
	}
	if err != nil {
		switch ext {
		case ".xlsx", ".xlsm", ".xltx", ".xltm":
			// Damaged workbook: let the validator report it as such.
			return KindXLSX
		}
		return KindArchive
	}
	has := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		n := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := has[n]; !dup {
			has[n] = f
		}
	}
	if has["[content_types].xml"] != nil {
		if has["xl/workbook.bin"] != nil {
			return KindLegacy
		}
		if has["xl/workbook.xml"] != nil {
			return KindXLSX
		}
		for n := range has {
			if strings.HasPrefix(n, "xl/") {
				return KindXLSX // workbook part under another name
			}
		}
		return KindOther // docx, pptx and the like
	}
	if f := has["mimetype"]; f != nil {
		if rc, err := f.Open(); err == nil {
			head, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if strings.HasPrefix(string(head), "application/vnd.oasis.opendocument.spreadsheet") {
				return KindLegacy
			}
			if strings.HasPrefix(string(head), "application/vnd.oasis.opendocument") {
				return KindOther
			}
		}
	}
	return KindArchive
}

// oleKind maps what cfb.Sniff finds in a compound file to a kind. A
// directory that cannot be read leaves the name to decide.
func oleKind(data []byte, ext string) AttachmentKind {
	switch cfb.Sniff(data) {
	case cfb.Encrypted:
		return KindEncrypted
	case cfb.Workbook:
		return KindLegacy
	case cfb.Document, cfb.Other:
		return KindOther
	}
	switch ext {
	case ".xls", ".xlt", ".et", ".ett", ".xlsx":
		return KindLegacy
	}
	return KindOther
}
