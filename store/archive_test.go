package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestArchiveIsContentAddressedAndIdempotent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	raw := rawMail("<a@x>", 1)
	hash, err := s.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	if hash != hashOf(raw) {
		t.Fatalf("hash = %s; want sha256 %s", hash, hashOf(raw))
	}
	want := filepath.Join(dir, ArchiveDir, hash[:2], hash+".eml")
	got, err := os.ReadFile(want)
	if err != nil || string(got) != string(raw) {
		t.Fatalf("archive file %s: %q, %v", want, got, err)
	}
	fi1, _ := os.Stat(want)
	hash2, err := s.Archive(raw)
	if err != nil || hash2 != hash {
		t.Fatalf("second Archive = %s, %v", hash2, err)
	}
	fi2, _ := os.Stat(want)
	if !os.SameFile(fi1, fi2) {
		t.Error("second Archive rewrote the file")
	}
	back, err := s.ReadArchived(hash)
	if err != nil || string(back) != string(raw) {
		t.Fatalf("ReadArchived = %q, %v", back, err)
	}
	// No temp files are left in the shard folder.
	entries, err := os.ReadDir(filepath.Dir(want))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("shard folder holds %d entries; want only the mail", len(entries))
	}
}

func TestArchiveRepairsTruncatedFile(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	raw := rawMail("<b@x>", 2)
	hash, err := s.Archive(raw)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a damaged file (e.g. written by hand): reading detects it,
	// archiving again repairs it.
	if err := os.WriteFile(s.archivePath(hash), raw[:10], 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadArchived(hash); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadArchived of a truncated file: %v; want ErrCorrupt", err)
	}
	if _, err := s.Archive(raw); err != nil {
		t.Fatal(err)
	}
	if back, err := s.ReadArchived(hash); err != nil || string(back) != string(raw) {
		t.Fatalf("after repair: %q, %v", back, err)
	}
}

func TestReadArchivedErrors(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	for _, tc := range []struct {
		name, hash string
		notFound   bool
	}{
		{"traversal", "../../kaohe.db", false},
		{"upper-case hex", strings.Repeat("AB", 32), false},
		{"short", "abcd", false},
		{"missing", strings.Repeat("ab", 32), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ReadArchived(tc.hash)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Fatalf("err = %v; ErrNotFound want %v", err, tc.notFound)
			}
		})
	}
}
