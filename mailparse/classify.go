package mailparse

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf16"
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
	sigOLE      = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
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
	case bytes.HasPrefix(data, sigOLE):
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

func oleKind(data []byte, ext string) AttachmentKind {
	names, err := cfbStreamNames(data)
	if err == nil {
		if names["encryptioninfo"] || names["encryptedpackage"] {
			return KindEncrypted
		}
		if names["workbook"] || names["book"] {
			return KindLegacy
		}
		if len(names) > 0 {
			return KindOther
		}
	}
	switch ext {
	case ".xls", ".xlt", ".et", ".ett", ".xlsx":
		return KindLegacy
	}
	return KindOther
}

// CFB (OLE2 compound file) constants, MS-CFB §2.
const (
	cfbMaxRegSect   = 0xFFFFFFFA
	cfbEndOfChain   = 0xFFFFFFFE
	cfbDirEntrySize = 128
	cfbMaxDirEntry  = 4096
)

var errCFB = errors.New("malformed compound file")

// cfbStreamNames returns the lower-cased names of the storages and streams
// in a compound file's directory. It reads the header, the DIFAT (FAT sector
// list) and the directory chain; it never follows more sectors than the file
// holds.
func cfbStreamNames(data []byte) (map[string]bool, error) {
	if len(data) < 512 || !bytes.HasPrefix(data, sigOLE) {
		return nil, errCFB
	}
	le := binary.LittleEndian
	shift := le.Uint16(data[30:])
	if shift != 9 && shift != 12 {
		return nil, errCFB
	}
	ss := 1 << shift
	numSectors := (len(data) - ss) / ss
	if len(data) < ss || numSectors <= 0 {
		return nil, errCFB
	}
	sector := func(n uint32) ([]byte, bool) {
		if n > cfbMaxRegSect || int64(n) >= int64(numSectors) {
			return nil, false
		}
		off := (int(n) + 1) * ss
		return data[off : off+ss], true
	}
	// FAT sector numbers: the first 109 are in the header.
	var fatSectors []uint32
	for i := 0; i < 109; i++ {
		v := le.Uint32(data[76+4*i:])
		if v > cfbMaxRegSect {
			break
		}
		fatSectors = append(fatSectors, v)
	}
	// Further FAT sector numbers live in the DIFAT chain (files over ~7 MB).
	difat := le.Uint32(data[68:])
	for steps := 0; difat <= cfbMaxRegSect && steps <= numSectors; steps++ {
		sec, ok := sector(difat)
		if !ok {
			break
		}
		for i := 0; i < ss/4-1; i++ {
			if v := le.Uint32(sec[4*i:]); v <= cfbMaxRegSect && len(fatSectors) < numSectors {
				fatSectors = append(fatSectors, v)
			}
		}
		difat = le.Uint32(sec[ss-4:])
	}
	perFAT := uint32(ss / 4)
	next := func(n uint32) (uint32, bool) {
		idx := n / perFAT
		if int(idx) >= len(fatSectors) {
			return 0, false
		}
		fs, ok := sector(fatSectors[idx])
		if !ok {
			return 0, false
		}
		return le.Uint32(fs[4*(n%perFAT):]), true
	}

	names := make(map[string]bool)
	dirSect := le.Uint32(data[48:])
	for steps := 0; dirSect != cfbEndOfChain; steps++ {
		if steps > numSectors || len(names) > cfbMaxDirEntry {
			return nil, errCFB
		}
		sec, ok := sector(dirSect)
		if !ok {
			return nil, errCFB
		}
		for off := 0; off+cfbDirEntrySize <= len(sec); off += cfbDirEntrySize {
			e := sec[off : off+cfbDirEntrySize]
			typ := e[66]
			if typ != 1 && typ != 2 {
				continue
			}
			n := int(le.Uint16(e[64:]))
			if n < 2 || n > 64 {
				continue
			}
			u := make([]uint16, 0, n/2)
			for i := 0; i+1 < n-2 && i+1 < 64; i += 2 { // n counts the terminating NUL
				c := le.Uint16(e[i:])
				if c == 0 {
					break
				}
				u = append(u, c)
			}
			names[strings.ToLower(string(utf16.Decode(u)))] = true
		}
		if dirSect, ok = next(dirSect); !ok {
			return nil, errCFB
		}
	}
	return names, nil
}
