package wbtoken

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

// testKey is fixed so that the files in testdata, stamped once and
// re-saved by other programs, verify in every run.
func testKey(t testing.TB) *Key {
	b := make([]byte, keySize)
	for i := range b {
		b[i] = byte(i)
	}
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func stamped(t testing.TB, k *Key, season int, kind Kind, id string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "汇总")
	f.SetCellStr("汇总", "A1", "考核单位")
	if _, err := k.Stamp(f, season, kind, id); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestStampVerify(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	other, _ := NewKey(bytes.Repeat([]byte{7}, keySize))
	f := open(t, stamped(t, k, 2021, KindReview, "abc-1"))

	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != "汇总" {
		t.Errorf("active sheet %q after stamping, want 汇总", got)
	}
	if vis, _ := f.GetSheetVisible(SheetName); vis {
		t.Errorf("stamp sheet is visible")
	}
	if n := len(Read(f)); n != 1 {
		t.Errorf("Read found %d distinct tokens, want 1 (property and sheet agree)", n)
	}
	tok, err := k.Verify(f, 2021, KindReview)
	if err != nil || tok.ID != "abc-1" {
		t.Fatalf("Verify = %+v, %v", tok, err)
	}
	for _, tc := range []struct {
		name   string
		key    *Key
		season int
		kind   Kind
		want   error
	}{
		{"another season", k, 2022, KindReview, ErrOtherSeason},
		{"another kind", k, 2021, KindResults, ErrOtherKind},
		{"another key", other, 2021, KindReview, ErrBadToken},
	} {
		if _, err := tc.key.Verify(f, tc.season, tc.kind); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	good, _ := k.Token(2021, KindReview, "id1")
	tampered := func(mut func(*Token)) Token { c := good; mut(&c); return c }
	for _, tc := range []struct {
		name   string
		tokens []Token
		want   error
	}{
		{"none", nil, ErrNoToken},
		{"season changed", []Token{tampered(func(t *Token) { t.Season = 2022 })}, ErrBadToken},
		{"id changed", []Token{tampered(func(t *Token) { t.ID = "id2" })}, ErrBadToken},
		{"mac flipped", []Token{tampered(func(t *Token) { t.MAC = "A" + t.MAC[1:] })}, ErrBadToken},
		{"mac not base64", []Token{tampered(func(t *Token) { t.MAC = "***" })}, ErrBadToken},
		{"mac empty", []Token{tampered(func(t *Token) { t.MAC = "" })}, ErrBadToken},
	} {
		if _, err := k.VerifyTokens(tc.tokens, 2021, KindReview); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// One good stamp among bad ones is enough: the other may have been
	// mangled by a program that re-saved the file.
	bad := tampered(func(t *Token) { t.MAC = "x" })
	if _, err := k.VerifyTokens([]Token{bad, good}, 2021, KindReview); err != nil {
		t.Errorf("good after bad: %v", err)
	}
}

// A stamp can survive in either place alone.
func TestEitherStampSuffices(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	for _, tc := range []struct {
		name string
		drop func(f *excelize.File) error
	}{
		{"property only", func(f *excelize.File) error { return f.DeleteSheet(SheetName) }},
		{"sheet only", func(f *excelize.File) error {
			return f.SetCustomProps(excelize.CustomProperty{Name: propName, Value: "edited"})
		}},
	} {
		f := open(t, stamped(t, k, 2021, KindReview, "x"))
		if err := tc.drop(f); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Verify(f, 2021, KindReview); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	f := open(t, stamped(t, k, 2021, KindReview, "x"))
	f.DeleteSheet(SheetName)
	if err := f.SetCustomProps(excelize.CustomProperty{Name: propName, Value: nil}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(f, 2021, KindReview); !errors.Is(err, ErrNoToken) {
		t.Errorf("both stamps gone: %v, want ErrNoToken", err)
	}
}

func TestTokenID(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	for _, id := range []string{"", "a;b", "空", string(make([]byte, 65))} {
		if _, err := k.Token(2021, KindReview, id); err == nil {
			t.Errorf("id %q accepted", id)
		}
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != keySize {
		t.Errorf("key file mode %v size %d, want 0600 and %d", fi.Mode().Perm(), fi.Size(), keySize)
	}
	k2, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.k, k2.k) {
		t.Error("key changed on second load")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("data folder holds %d entries, want only the key", len(ents))
	}
	// A damaged key is reported, not replaced.
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("short"), 0o600)
	if _, err := LoadKey(dir); err == nil {
		t.Error("a 5-byte key file was accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, KeyFile)); string(b) != "short" {
		t.Error("a damaged key file was overwritten")
	}
}

// Processes starting together (the daemon and kaohe consolidate) must end
// with one key.
func TestLoadKeyRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := make([]*Key, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadKey(dir)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k == nil || keys[0] == nil || !bytes.Equal(k.k, keys[0].k) {
			t.Fatal("concurrent LoadKey gave different keys")
		}
	}
}
