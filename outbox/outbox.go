// Package outbox declares the queued outgoing mail once: the store keeps
// it (store.Store implements Store) and the sender in reply delivers it
// through Store, so neither copies the other's fields.
package outbox

import (
	"context"
	"time"
)

// Item is one queued mail, one row of the store's outbox. Times are UTC.
type Item struct {
	ID             int64
	MessageID      string
	Kind           string
	To             string
	Raw            []byte
	RelatedMessage int64
	Attempts       int // attempts so far
	NextAttempt    time.Time
	State          string
	LastError      string
	CreatedAt      time.Time
	SentAt         time.Time
}

// Store is what the sender needs of the outbox's keeper.
type Store interface {
	// DueOutbox returns up to limit pending items whose next attempt is due
	// at now, most important first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]Item, error)
	// ClaimOutbox records an attempt of item id before it is delivered: the
	// attempt counts and the item is not due again before next. claimed is
	// false when the item is no longer pending.
	ClaimOutbox(ctx context.Context, id int64, next time.Time) (claimed bool, err error)
	// MarkSent records the delivery.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// MarkRetry records the error of a claimed attempt and the time of the
	// next one.
	MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error
	// MarkFailed gives the item up for good (staff are told).
	MarkFailed(ctx context.Context, id int64, errText string) error
	// SentCountSince counts mails sent to the address since the given time.
	SentCountSince(ctx context.Context, to string, since time.Time) (int, error)
	// SentAllSince counts mails sent to anyone since the given time.
	SentAllSince(ctx context.Context, since time.Time) (int, error)
	// SentKindSince counts mails of kind sent to anyone since the given time.
	SentKindSince(ctx context.Context, kind string, since time.Time) (int, error)
	// ProbeWrite commits a small write: whether the store can record the
	// outbox's state again after a failure.
	ProbeWrite(ctx context.Context) error
}
