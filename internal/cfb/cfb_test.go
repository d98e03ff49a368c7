package cfb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// renamed returns legacy_min.xls with its Workbook stream renamed.
func renamed(t *testing.T, name string) []byte {
	t.Helper()
	b := append([]byte{}, readTestdata(t, "legacy_min.xls")...)
	e := b[1024+2*128 : 1024+3*128]
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

func TestSniff(t *testing.T) {
	t.Parallel()
	legacy := readTestdata(t, "legacy_min.xls")
	tests := []struct {
		name string
		data []byte
		want Content
	}{
		{"encrypted, excelize", readTestdata(t, "encrypted.xlsx"), Encrypted},
		{"encrypted, minimal", readTestdata(t, "encrypted_min.xlsx"), Encrypted},
		{"xls, LibreOffice", readTestdata(t, "legacy.xls"), Workbook},
		{"xls, minimal", legacy, Workbook},
		{"WPS upper case", renamed(t, "BOOK"), Workbook},
		{"word", renamed(t, "WordDocument"), Document},
		{"powerpoint", renamed(t, "PowerPoint Document"), Document},
		{"other", renamed(t, "Contents"), Other},
		{"magic then garbage", append(append([]byte{}, legacy[:8]...), bytes.Repeat([]byte{0xff}, 600)...), Unreadable},
		{"truncated header", legacy[:100], Unreadable},
		{"not a compound file", []byte("PK\x03\x04 a zip"), Unreadable},
		{"empty", nil, Unreadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.data); got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStreamNames(t *testing.T) {
	names, err := streamNames(readTestdata(t, "encrypted_min.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"encryptioninfo", "encryptedpackage"} {
		if !names[n] {
			t.Errorf("missing %q in %v", n, names)
		}
	}
	// The FAT sector listed in a DIFAT sector instead of the header.
	d := append([]byte{}, readTestdata(t, "encrypted_min.xlsx")...)
	idx := uint32(len(d)/512 - 1) // sector number of the appended sector
	difat := bytes.Repeat([]byte{0xff}, 512)
	copy(difat, []byte{0, 0, 0, 0})
	copy(difat[508:], []byte{0xfe, 0xff, 0xff, 0xff})
	d = append(d, difat...)
	copy(d[76:80], []byte{0xff, 0xff, 0xff, 0xff})
	d[68], d[69], d[70], d[71] = byte(idx), byte(idx>>8), 0, 0
	d[72] = 1
	if names, err := streamNames(d); err != nil || !names["encryptioninfo"] {
		t.Errorf("FAT via DIFAT: names %v, err %v", names, err)
	}
	copy(d[76:80], []byte{0xff, 0xff, 0xff, 0xff})
	d[68], d[69], d[70], d[71] = 0xfe, 0xff, 0xff, 0xff
	if _, err := streamNames(d); err == nil {
		t.Error("no FAT at all: want error")
	}

	// A directory chain that loops on itself must not hang.
	b := append([]byte{}, readTestdata(t, "legacy_min.xls")...)
	fat := b[512:1024]
	fat[4], fat[5], fat[6], fat[7] = 1, 0, 0, 0 // FAT[1] = 1
	if _, err := streamNames(b); err == nil {
		t.Error("looping directory chain: want error")
	}
}

func FuzzSniff(f *testing.F) {
	for _, name := range []string{"encrypted.xlsx", "encrypted_min.xlsx", "legacy.xls", "legacy_min.xls"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if c := Sniff(data); c < Unreadable || c > Other {
			t.Fatalf("unknown content %d", c)
		}
	})
}
