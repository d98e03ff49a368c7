package mailparse

import (
	"bytes"
	"testing"
)

func TestDetectKind(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	xls := readTestdata(t, "legacy.xls")
	enc := readTestdata(t, "encrypted.xlsx")
	brokenOLE := append(append([]byte{}, xls[:8]...), bytes.Repeat([]byte{0xff}, 600)...)
	tests := []struct {
		name string
		data []byte
		file string
		want AttachmentKind
	}{
		{"xlsx", xlsx, "a.xlsx", KindXLSX},
		{"xlsx named pdf", xlsx, "a.pdf", KindXLSX},
		{"xlsx without name", xlsx, "", KindXLSX},
		{"xls", xls, "a.xls", KindLegacy},
		{"xls named xlsx", xls, "a.xlsx", KindLegacy},
		{"encrypted xlsx", enc, "a.xlsx", KindEncrypted},
		{"encrypted named xls", enc, "a.xls", KindEncrypted},
		{"unreadable OLE named xls", brokenOLE, "a.xls", KindLegacy},
		{"unreadable OLE named et", brokenOLE, "a.et", KindLegacy},
		{"unreadable OLE named doc", brokenOLE, "a.doc", KindOther},
		{"ole without workbook", readCFBWithStream(t, "WordDocument"), "a.xls", KindOther},
		{"wps et", readCFBWithStream(t, "Workbook"), "a.et", KindLegacy},
		{"xlsb", zipBytes(t, map[string][]byte{"[Content_Types].xml": nil, "xl/workbook.bin": nil}), "a.xlsb", KindLegacy},
		{"docx", zipBytes(t, map[string][]byte{"[Content_Types].xml": nil, "word/document.xml": nil}), "a.docx", KindOther},
		{"ods", zipBytes(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet"), "content.xml": nil}), "a.ods", KindLegacy},
		{"odt", zipBytes(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.text")}), "a.odt", KindOther},
		{"plain zip", zipBytes(t, map[string][]byte{"a.txt": []byte("x")}), "a.zip", KindArchive},
		{"truncated xlsx", xlsx[:200], "a.xlsx", KindXLSX},
		{"truncated zip", xlsx[:200], "a.zip", KindArchive},
		{"rar", []byte("Rar!\x1a\x07\x01\x00"), "a.rar", KindArchive},
		{"7z", []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4}, "a.7z", KindArchive},
		{"pdf", []byte("%PDF-1.7"), "a.pdf", KindOther},
		{"csv renamed xlsx", []byte("a,b\n1,2\n"), "a.xlsx", KindOther},
		{"html renamed xls", []byte("<html><table></table></html>"), "a.xls", KindOther},
		{"empty", nil, "a.xlsx", KindOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectKind(tc.data, tc.file); got != tc.want {
				t.Errorf("DetectKind = %q, want %q", got, tc.want)
			}
		})
	}
}

// readCFBWithStream renames the Workbook stream of testdata/legacy.xls.
func readCFBWithStream(t *testing.T, name string) []byte {
	t.Helper()
	b := append([]byte{}, readTestdata(t, "legacy.xls")...)
	dir := b[1024 : 1024+512]
	// Entries are sorted by name in the generator: 1 = "\x05SummaryInformation", 2 = "Workbook".
	e := dir[2*128 : 3*128]
	if got := string(bytes.ReplaceAll(e[:16], []byte{0}, nil)); got != "Workbook" {
		t.Fatalf("unexpected fixture layout: entry 2 is %q", got)
	}
	for i := 0; i < 64; i++ {
		e[i] = 0
	}
	for i, c := range name {
		e[2*i] = byte(c)
	}
	e[64] = byte(2*len(name) + 2)
	return b
}

func FuzzDetectKind(f *testing.F) {
	for _, name := range []string{"chaoyang.xlsx", "legacy.xls", "encrypted.xlsx"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(zipBytes(f, map[string][]byte{"a/b.xlsx": readTestdata(f, "chaoyang.xlsx"), "c.xls": readTestdata(f, "legacy.xls")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		switch k := DetectKind(data, "x.xlsx"); k {
		case KindXLSX, KindLegacy, KindEncrypted, KindArchive, KindOther:
		default:
			t.Fatalf("unknown kind %q", k)
		}
		w := &mimeWalker{lim: Limits{MaxAttachmentSize: 1 << 20, MaxUnzipSize: 2 << 20}.withDefaults(), p: &Parsed{}}
		w.unzipLeft = w.lim.MaxUnzipSize
		w.expandZip(data, "a.zip", 0)
		var total int64
		for _, a := range w.p.Attachments {
			total += int64(len(a.Data))
			if a.Filename == "" || len(a.Filename) > maxFilenameBytes {
				t.Errorf("bad name %q", a.Filename)
			}
		}
		if total > w.lim.MaxUnzipSize {
			t.Errorf("extracted %d bytes over the budget", total)
		}
	})
}
