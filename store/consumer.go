package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
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

// foreignClaimPrefix starts the state keys of first sightings of other
// consumers' claims; '0' is the character after '/', bounding the range.
const (
	foreignClaimPrefix = "foreign_claim/"
	foreignClaimEnd    = "foreign_claim0"
)

func foreignClaimKey(mailbox string, uidValidity, uid uint32) string {
	return fmt.Sprintf("%s%d/%d/%s", foreignClaimPrefix, uidValidity, uid, mailbox)
}

// ForeignClaimSeen returns when this data folder first saw another
// consumer's claim on the message, recording now when it is the first
// time, so that the claim's lease runs across restarts and `serve --once`
// runs. Sightings older than forgetBefore are dropped on the way: those
// messages left the mailbox long ago. It implements mailbox.ClaimLedger.
func (s *Store) ForeignClaimSeen(mailbox string, uidValidity, uid uint32, now, forgetBefore time.Time) (time.Time, error) {
	ctx := context.Background()
	key := foreignClaimKey(mailbox, uidValidity, uid)
	var first int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM state WHERE key >= ? AND key < ? AND updated_at < ?",
			foreignClaimPrefix, foreignClaimEnd, ms(forgetBefore)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO state (key, value, updated_at) VALUES (?,'',?) ON CONFLICT (key) DO NOTHING",
			key, ms(now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT updated_at FROM state WHERE key = ?", key).Scan(&first)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("foreign claim seen: %w", err)
	}
	return fromMS(first), nil
}

// ForgetForeignClaim drops the sighting of the message: it is ours now, or
// gone.
func (s *Store) ForgetForeignClaim(mailbox string, uidValidity, uid uint32) error {
	ctx := context.Background()
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM state WHERE key = ?", foreignClaimKey(mailbox, uidValidity, uid))
		return err
	})
	if err != nil {
		return fmt.Errorf("forget foreign claim: %w", err)
	}
	return nil
}
