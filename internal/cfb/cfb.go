// Package cfb tells what an OLE2 compound file holds: the container of a
// legacy .xls, a WPS .et, a .doc, and of an .xlsx protected by a password.
// The mail walker and the workbook reader both ask it, so that they cannot
// disagree on what is encrypted and what is legacy. It reads only the
// directory, bounded by the file's own size, and never fails on hostile
// bytes: what it cannot read is Unreadable.
package cfb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"
)

// Magic starts every compound file.
var Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Content is what a compound file holds, judged by the names in its
// directory.
type Content int

const (
	// Unreadable: not a compound file, a directory that cannot be read, or
	// one that names nothing.
	Unreadable Content = iota
	// Encrypted: EncryptionInfo or EncryptedPackage, an Office file
	// (normally .xlsx) with an opening password.
	Encrypted
	// Workbook: a Workbook or Book stream, BIFF .xls or WPS .et.
	Workbook
	// Document: WordDocument or PowerPoint Document.
	Document
	// Other: any other compound file.
	Other
)

// Sniff says what data holds. Names are compared without regard to case
// (writers differ: Workbook, WorkBook, BOOK); an encrypted package wins over
// anything else it holds.
func Sniff(data []byte) Content {
	names, err := streamNames(data)
	if err != nil || len(names) == 0 {
		return Unreadable
	}
	switch {
	case names["encryptioninfo"] || names["encryptedpackage"]:
		return Encrypted
	case names["workbook"] || names["book"]:
		return Workbook
	case names["worddocument"] || names["powerpoint document"]:
		return Document
	}
	return Other
}

// CFB (OLE2 compound file) constants, MS-CFB §2.
const (
	cfbMaxRegSect   = 0xFFFFFFFA
	cfbEndOfChain   = 0xFFFFFFFE
	cfbDirEntrySize = 128
	cfbMaxDirEntry  = 4096
)

var errMalformed = errors.New("malformed compound file")

// streamNames returns the lower-cased names of the storages and streams
// in a compound file's directory. It reads the header, the DIFAT (FAT sector
// list) and the directory chain; it never follows more sectors than the file
// holds.
func streamNames(data []byte) (map[string]bool, error) {
	if len(data) < 512 || !bytes.HasPrefix(data, Magic) {
		return nil, errMalformed
	}
	le := binary.LittleEndian
	shift := le.Uint16(data[30:])
	if shift != 9 && shift != 12 {
		return nil, errMalformed
	}
	ss := 1 << shift
	numSectors := (len(data) - ss) / ss
	if len(data) < ss || numSectors <= 0 {
		return nil, errMalformed
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
			return nil, errMalformed
		}
		sec, ok := sector(dirSect)
		if !ok {
			return nil, errMalformed
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
			return nil, errMalformed
		}
	}
	return names, nil
}
