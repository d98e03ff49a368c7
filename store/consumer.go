package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// consumerKey is the state key of the data folder's consumer identity.
const consumerKey = "imap_consumer_id"

// ConsumerID returns the identity this data folder claims mailbox messages
// under: 16 random lower-case hex digits, made on the first call and kept
// from then on, so that a restarted daemon recognises its own claims and a
// second data folder on the same mailbox is told apart. Two calls, even
// concurrent ones, return the same value.
func (s *Store) ConsumerID(ctx context.Context) (string, error) {
	if id, ok, err := s.GetState(ctx, consumerKey); err != nil || ok {
		return id, err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("consumer id: %w", err)
	}
	var id string
	err := s.write(ctx, func(tx *sql.Tx) error {
		// DO NOTHING: a concurrent first call may have won; its id is kept.
		if _, err := tx.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES (?,?,?) ON CONFLICT (key) DO NOTHING`,
			consumerKey, hex.EncodeToString(b[:]), ms(s.now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM state WHERE key = ?", consumerKey).Scan(&id)
	})
	if err != nil {
		return "", fmt.Errorf("consumer id: %w", err)
	}
	return id, nil
}
