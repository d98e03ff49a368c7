package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"kaohe/internal/atomicfile"
)

// Archive stores raw mail under archive/aa/<sha256>.eml and returns the
// hex sha256. The write is a file transaction: a temp file in the target
// folder, fsync, rename, fsync of the folder (and of the archive folder
// when the shard folder is new). One level of 256 shards keeps folder
// creation (and its fsync) to the first few hundred messages; a season's
// few thousand mails leave a few dozen files per folder. It is idempotent: a file already present with the right size is
// kept as is. Call it before RecordMessage so that the row never points at a
// missing file.
func (s *Store) Archive(raw []byte) (string, error) {
	if s.readOnly {
		return "", ErrReadOnly
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	path := s.archivePath(hash)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(raw)) {
		return hash, nil
	}
	if err := s.injected(); err != nil {
		return "", fmt.Errorf("archive: %w", err)
	}
	dir := filepath.Dir(path)
	if err := mkdirSynced(filepath.Join(s.dir, ArchiveDir), dir); err != nil {
		return "", fmt.Errorf("archive: %w", err)
	}
	if err := atomicfile.WriteBytes(path, raw, FileMode); err != nil {
		return "", fmt.Errorf("archive: %w", err)
	}
	return hash, nil
}

// ReadArchived returns the raw mail stored under hash. The content is checked
// against the hash: a mismatch returns an error wrapping ErrCorrupt, a
// missing file one wrapping ErrNotFound.
func (s *Store) ReadArchived(hash string) ([]byte, error) {
	if !validHash(hash) {
		return nil, fmt.Errorf("read archive: invalid hash %q", hash)
	}
	b, err := os.ReadFile(s.archivePath(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read archive %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != hash {
		return nil, fmt.Errorf("read archive %s: %w", hash, ErrCorrupt)
	}
	return b, nil
}

// ArchivedPath is where the mail with this hash is archived, relative to
// the data folder (archive/aa/<sha256>.eml), for staff to find the raw
// mail; "" for something that is not a hash.
func ArchivedPath(hash string) string {
	if !validHash(hash) {
		return ""
	}
	return filepath.ToSlash(filepath.Join(ArchiveDir, hash[:2], hash+".eml"))
}

// archivePath is where the mail with this hash is (or would be) archived.
func (s *Store) archivePath(hash string) string {
	return filepath.Join(s.dir, ArchiveDir, hash[:2], hash+".eml")
}

// validHash accepts only lower-case hex sha256 digests, so a hash can never
// name a path outside the archive.
func validHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// mkdirSynced creates dir (below root, which exists) and fsyncs the parent of
// every folder it creates, so the new entries survive a power loss.
func mkdirSynced(root, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != root && parent != dir {
		if err := mkdirSynced(root, parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
