package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReceivedLog is the file in the archive folder where each message's
// receipt time (the IMAP INTERNALDATE) is appended when it is recorded, so
// that `kaohe rebuild` can judge a re-created message on time or late as
// the daemon did, even when the database is lost. One line per record:
// "<sha256> <RFC 3339 time>". It is appended without a disk sync of its
// own (one write of 90 bytes, 6 µs a message against 1.1 ms for its
// result: BenchmarkNoteReceived); a line lost to a power cut only
// makes rebuild fall back on the mail's Received: header.
const ReceivedLog = "received.log"

// noteReceived appends hash's receipt time to the received log.
func (s *Store) noteReceived(hash string, at time.Time) error {
	if s.readOnly || at.IsZero() || !validHash(hash) {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(s.dir, ArchiveDir, ReceivedLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("received log: %w", err)
	}
	// One write with O_APPEND: lines of concurrent handlers never interleave.
	_, werr := f.WriteString(hash + " " + at.UTC().Format(time.RFC3339Nano) + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("received log: %w", err)
	}
	return nil
}

// ReceivedTimes reads the received log: the first time noted for each
// hash. A missing log gives an empty map; a damaged line is skipped.
func (s *Store) ReceivedTimes() (map[string]time.Time, error) {
	out := map[string]time.Time{}
	f, err := os.Open(filepath.Join(s.dir, ArchiveDir, ReceivedLog))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("received log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		hash, at, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		// A line cut short by a power loss runs into the next record:
		// the hash that ends the first field is still that record's.
		if len(hash) > 64 {
			hash = hash[len(hash)-64:]
		}
		if !validHash(hash) {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			continue
		}
		if _, seen := out[hash]; !seen {
			out[hash] = t
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("received log: %w", err)
	}
	return out, nil
}

// ArchivedMail is one raw mail of the archive.
type ArchivedMail struct {
	Hash    string
	Path    string
	ModTime time.Time // when the archive file was written
}

// Archived lists the raw mails of the archive, in no particular order.
// Files that are not named by a sha256 (temp files of an interrupted
// write, the received log) are skipped.
func (s *Store) Archived() ([]ArchivedMail, error) {
	root := filepath.Join(s.dir, ArchiveDir)
	var out []ArchivedMail
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && len(d.Name()) != 2 {
				return filepath.SkipDir
			}
			return nil
		}
		hash, ok := strings.CutSuffix(d.Name(), ".eml")
		if !ok || !validHash(hash) || filepath.Base(filepath.Dir(path)) != hash[:2] {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, ArchivedMail{Hash: hash, Path: path, ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list archive: %w", err)
	}
	return out, nil
}

// DoneHashes is the set of hashes of the messages the database holds a
// decision for: every outcome but "received", which is work in progress
// (a crash, or a failed attempt) that is still to be done.
func (s *Store) DoneHashes(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT hash FROM messages WHERE outcome != ?", OutcomeReceived)
	if err != nil {
		return nil, fmt.Errorf("done hashes: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("done hashes: %w", err)
		}
		out[h] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("done hashes: %w", err)
	}
	return out, nil
}

// MarkRebuiltSent records as sent, at at, the pending mail queued for the
// message with this hash: after a rebuild from the archive, what the
// pipeline queued for a message that was answered before must not go out
// again. The note in last_error says so. It returns how many it marked.
func (s *Store) MarkRebuiltSent(ctx context.Context, hash string, at time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, sent_at = ?, last_error = ?
			WHERE state = ? AND related IN (SELECT id FROM messages WHERE hash = ?)`,
			StateSent, ms(at), "rebuilt from the archive: answered before, not sent again", StatePending, hash)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark rebuilt sent: %w", err)
	}
	return int(n), nil
}
