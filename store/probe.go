package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"kaohe/internal/atomicfile"
)

// probeSize is the size of the probe file: about what a small mail needs
// in the archive, so that a disk with less room than that does not pass.
const probeSize = 64 << 10

// Probe checks that the data folder takes writes as intake makes them: it
// writes a small file next to the archive with a disk sync, removes it, and
// commits one synced transaction (the state row "probe.at"). Intake paused
// by a fault of ours resumes when it succeeds.
func (s *Store) Probe(ctx context.Context) error {
	if s.readOnly {
		return ErrReadOnly
	}
	if err := s.injected(); err != nil {
		return fmt.Errorf("probe file: %w", err)
	}
	path := filepath.Join(s.dir, ArchiveDir, ".probe")
	if err := atomicfile.WriteBytes(path, make([]byte, probeSize), 0o600); err != nil {
		return fmt.Errorf("probe file: %w", err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("probe file: %w", err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES ('probe.at', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			s.now().UTC().Format("2006-01-02T15:04:05.000Z"), ms(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("probe transaction: %w", err)
	}
	return nil
}
