package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"kaohe/internal/fault"
)

// seasonStore fills a store in dir with n processed messages (a
// 30-indicator report and a 40 KB reply each) and closes it.
func seasonStore(t testing.TB, dir string, n int) {
	t.Helper()
	s, err := Open(dir, Options{Now: newClock().Now, synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("<m%d@agency>", i)
		raw := append(rawMail(id, i), benchBody...)
		m, _, err := s.RecordMessage(ctx, Message{MessageID: id, Hash: hashOf(raw), Mailbox: "INBOX", UIDValidity: 1,
			UID: uint32(i + 1), Sender: "a@example.com", ReceivedAt: campaign, Size: int64(len(raw))})
		if err != nil {
			t.Fatal(err)
		}
		res := benchResult(m, i, raw)
		res.Outbox[0].MessageID = fmt.Sprintf("<r%d@office>", i)
		if err := s.SaveResult(ctx, res); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// damage spoils the database file of dir in one of the ways disks and
// people do.
var damages = []struct {
	name string
	do   func(t *testing.T, path string)
}{
	{"text file", func(t *testing.T, path string) {
		writeFile(t, path, []byte("考核单位,类型,邮箱\n朝阳区代办处,区,a@example.org\n"))
	}},
	{"header overwritten", func(t *testing.T, path string) { overwrite(t, path, 0, 100) }},
	{"truncated to half", func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
	}},
	{"pages in the middle overwritten", func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		overwrite(t, path, fi.Size()/3, 16*4096)
	}},
	{"schema page overwritten", func(t *testing.T, path string) { overwrite(t, path, 100, 4096-100) }},
}

func writeFile(t *testing.T, path string, b []byte) {
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// overwrite puts n bytes of garbage at off.
func overwrite(t *testing.T, path string, off, n int64) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	for i := range junk {
		junk[i] = byte(i*7 + 13)
	}
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

// A damaged database is found when the store opens, read-write or
// read-only, and the error says so in a way fault.Corrupt recognises.
func TestOpenFindsDamage(t *testing.T) {
	t.Parallel()
	season := t.TempDir()
	seasonStore(t, season, 200)
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			b, err := os.ReadFile(filepath.Join(season, DBFile))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, DBFile), b)
			d.do(t, filepath.Join(dir, DBFile))
			for _, ro := range []bool{false, true} {
				s, err := Open(dir, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("read-only %v: a damaged database opened", ro)
				}
				if !fault.Corrupt(err) {
					t.Errorf("read-only %v: fault.Corrupt(%v) = false", ro, err)
				}
			}
		})
	}
}

// BenchmarkOpenSeason measures Open, with its quick check, on the database
// of a season (3,000 messages with their reports and 40 KB replies), read-
// write as the daemon opens it and read-only as consolidate does.
func BenchmarkOpenSeason(b *testing.B) {
	dir := b.TempDir()
	seasonStore(b, dir, 3000)
	if fi, err := os.Stat(filepath.Join(dir, DBFile)); err == nil {
		b.Logf("season database: %.0f MB", float64(fi.Size())/(1<<20))
	}
	for _, ro := range []bool{false, true} {
		b.Run(fmt.Sprintf("readonly=%v", ro), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s, err := Open(dir, Options{ReadOnly: ro})
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
	b.Run("quick_check alone", func(b *testing.B) {
		s, err := Open(dir, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < b.N; i++ {
			if err := quickCheck(context.Background(), s.r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
