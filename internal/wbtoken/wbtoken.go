// Package wbtoken proves that a workbook mailed back to the office is a copy
// kaohe itself wrote. A From header proves nothing, and a forged staff
// review changes an agency's grade; so every workbook kaohe sends to staff
// carries a token, an HMAC-SHA256 under a key that never leaves the data
// folder, over the season, the kind of workbook and the workbook's id.
//
// The token is stamped twice: as a custom document property and in a very
// hidden sheet. Spreadsheet programs do not keep everything on save
// (openpyxl before 3.1 drops custom properties; LibreOffice and WPS may
// turn a very hidden sheet into a hidden one or drop unknown properties),
// so a workbook whose either stamp verifies is accepted.
package wbtoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/xlsxpeek"
)

// KeyFile is the key's file name in the data folder. Losing it (a data
// folder restored without it, or deleted) invalidates every workbook kaohe
// sent before: their tokens no longer verify and staff must use a workbook
// kaohe sends after that. Back it up with the database.
const KeyFile = "workbook.key"

// keySize is the key length in bytes: as long as SHA-256's output, the
// size RFC 2104 recommends for HMAC.
const keySize = 32

// Kind names a kind of workbook staff may mail back.
type Kind string

// The kinds kaohe stamps.
const (
	KindReview  Kind = "review"  // the staff workbook (汇总, department sheets)
	KindResults Kind = "results" // the results workbook (考核结果, 名额分配)
)

// SheetName is the very hidden sheet that holds the token in A1. Its name
// says what it is to anyone who unhides it.
const SheetName = "kaohe校验"

// propName is the custom document property that holds the token.
const propName = "kaohe-token"

// version prefixes the stamped text, so that a later format can be told
// apart.
const version = "v1"

// Token is what a stamp says: season, kind and id in clear, and the MAC
// over them.
type Token struct {
	Season int
	Kind   Kind
	ID     string
	MAC    string // base64url without padding
}

// String is the stamped text: "v1;2021;review;<id>;<mac>".
func (t Token) String() string {
	return strings.Join([]string{version, strconv.Itoa(t.Season), string(t.Kind), t.ID, t.MAC}, ";")
}

// parse reads a stamped text; ok is false for anything not of the form
// String writes.
func parse(s string) (Token, bool) {
	parts := strings.Split(strings.TrimSpace(s), ";")
	if len(parts) != 5 || parts[0] != version {
		return Token{}, false
	}
	season, err := strconv.Atoi(parts[1])
	if err != nil || !validID(parts[3]) || parts[4] == "" {
		return Token{}, false
	}
	return Token{Season: season, Kind: Kind(parts[2]), ID: parts[3], MAC: parts[4]}, true
}

// validID keeps ids to characters that cannot be confused with the
// separator or mangled by a spreadsheet program.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Key is the secret under which tokens are computed.
type Key struct {
	k []byte
}

// LoadKey returns the key of the data folder dir, creating it (32 random
// bytes, mode 0600) on first use. Two processes creating it at once end
// with the same key: the file is linked into place only if absent. A key
// file of the wrong size is an error, never replaced, because a new key
// would silently invalidate every workbook out there.
func LoadKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	k, err := readKey(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	if err := createKey(dir, path); err != nil {
		return nil, err
	}
	return readKey(path)
}

func readKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workbook key: %w", err)
	}
	if len(b) != keySize {
		return nil, fmt.Errorf("workbook key %s: %d bytes, want %d (restore it from a backup; a new key invalidates every workbook sent)", path, len(b), keySize)
	}
	return &Key{k: b}, nil
}

func createKey(dir, path string) error {
	b := make([]byte, keySize)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("draw workbook key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+KeyFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("create workbook key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("create workbook key: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write workbook key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync workbook key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close workbook key: %w", err)
	}
	// Link, not rename: it fails when another process won the race, and
	// then its key is the one read.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("install workbook key: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open data folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync data folder: %w", err)
	}
	return nil
}

// NewKey returns a key from the given bytes, for tests and for tools that
// keep the key elsewhere. It must be 32 bytes.
func NewKey(b []byte) (*Key, error) {
	if len(b) != keySize {
		return nil, fmt.Errorf("workbook key: %d bytes, want %d", len(b), keySize)
	}
	return &Key{k: append([]byte(nil), b...)}, nil
}

// mac computes the token's MAC; the fields are length-delimited by their
// separators, none of which can occur inside them (validID, Kind constants).
func (k *Key) mac(season int, kind Kind, id string) []byte {
	h := hmac.New(sha256.New, k.k)
	fmt.Fprintf(h, "kaohe-workbook-%s\x00%d\x00%s\x00%s", version, season, kind, id)
	return h.Sum(nil)
}

// Token returns the token of a workbook; id must be 1–64 characters of
// [A-Za-z0-9._-].
func (k *Key) Token(season int, kind Kind, id string) (Token, error) {
	if !validID(id) {
		return Token{}, fmt.Errorf("workbook id %q: want 1–64 of A-Z a-z 0-9 . _ -", id)
	}
	return Token{Season: season, Kind: kind, ID: id,
		MAC: base64.RawURLEncoding.EncodeToString(k.mac(season, kind, id))}, nil
}

// Stamp writes the token of (season, kind, id) into f, as a custom
// property and in A1 of a very hidden sheet, replacing any earlier stamp.
// The active sheet is left as it was.
func (k *Key) Stamp(f *excelize.File, season int, kind Kind, id string) (Token, error) {
	t, err := k.Token(season, kind, id)
	if err != nil {
		return Token{}, err
	}
	if err := f.SetCustomProps(excelize.CustomProperty{Name: propName, Value: t.String()}); err != nil {
		return Token{}, fmt.Errorf("stamp property: %w", err)
	}
	active := f.GetActiveSheetIndex()
	if idx, _ := f.GetSheetIndex(SheetName); idx < 0 {
		if _, err := f.NewSheet(SheetName); err != nil {
			return Token{}, fmt.Errorf("stamp sheet: %w", err)
		}
	}
	f.SetActiveSheet(active)
	if err := f.SetCellStr(SheetName, "A1", t.String()); err != nil {
		return Token{}, fmt.Errorf("stamp sheet: %w", err)
	}
	if err := f.SetSheetVisible(SheetName, false, true); err != nil {
		return Token{}, fmt.Errorf("hide stamp sheet: %w", err)
	}
	return t, nil
}

// Read returns the tokens stamped in f: from the property, then from the
// sheet, each once (a re-saved file may keep one, both, or none). Text
// that is not a token is skipped.
func Read(f *excelize.File) []Token {
	var out tokens
	if props, err := f.GetCustomProps(); err == nil {
		for _, p := range props {
			if p.Name == propName {
				if s, ok := p.Value.(string); ok {
					out.add(s)
				}
			}
		}
	}
	if idx, _ := f.GetSheetIndex(SheetName); idx >= 0 {
		if s, err := f.GetCellValue(SheetName, "A1"); err == nil {
			out.add(s)
		}
	}
	return out
}

// ReadPackage is Read for a workbook not opened by excelize: the daemon
// reads the token of an untrusted workbook before anything else of it.
func ReadPackage(p *xlsxpeek.Package) []Token {
	var out tokens
	if props, err := p.CustomProps(); err == nil {
		if s, ok := props[propName]; ok {
			out.add(s)
		}
	}
	if p.HasSheet(SheetName) {
		if rows, err := p.Rows(SheetName, 1); err == nil && len(rows) > 0 && len(rows[0]) > 0 {
			out.add(rows[0][0])
		}
	}
	return out
}

// tokens collects the distinct tokens of a workbook.
type tokens []Token

func (ts *tokens) add(s string) {
	t, ok := parse(s)
	if !ok {
		return
	}
	for _, o := range *ts {
		if o == t {
			return
		}
	}
	*ts = append(*ts, t)
}

// Errors of Verify, most telling last: Verify returns the one that got
// furthest among the stamps found.
var (
	ErrNoToken     = errors.New("workbook carries no kaohe token")
	ErrOtherKind   = errors.New("workbook token is for another kind of workbook")
	ErrOtherSeason = errors.New("workbook token is for another season")
	ErrBadToken    = errors.New("workbook token does not verify")
)

// Verify returns the first token of f that is for season and kind and whose
// MAC verifies under k (compared in constant time). Otherwise it returns
// ErrNoToken, ErrOtherKind, ErrOtherSeason or ErrBadToken: a MAC that does
// not verify means a tampered token, a copy from another installation, or
// a workbook sent before the key was lost.
func (k *Key) Verify(f *excelize.File, season int, kind Kind) (Token, error) {
	return k.VerifyTokens(Read(f), season, kind)
}

// VerifyTokens is Verify over tokens already read.
func (k *Key) VerifyTokens(tokens []Token, season int, kind Kind) (Token, error) {
	worst := ErrNoToken
	rank := map[error]int{ErrNoToken: 0, ErrOtherKind: 1, ErrOtherSeason: 2, ErrBadToken: 3}
	note := func(err error) {
		if rank[err] > rank[worst] {
			worst = err
		}
	}
	for _, t := range tokens {
		got, err := base64.RawURLEncoding.DecodeString(t.MAC)
		if err != nil || !hmac.Equal(got, k.mac(t.Season, t.Kind, t.ID)) {
			note(ErrBadToken)
			continue
		}
		switch {
		case t.Kind != kind:
			note(ErrOtherKind)
		case t.Season != season:
			note(ErrOtherSeason)
		default:
			return t, nil
		}
	}
	return Token{}, worst
}
