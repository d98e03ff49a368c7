package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PublishedNotice is one issue of a notice of some kind to one agency in the
// store's season: revision 1 is the notice, each later revision a 更正 of
// the one before.
type PublishedNotice struct {
	Kind       string // e.g. "result", "final-list"
	Agency     string // roster name
	Revision   int
	ContentKey string // hash of what the issue says
	// Facts is what the issue said, as its publisher wrote it (JSON); the
	// store keeps it for the next 更正 to compare against.
	Facts      string
	Recipients []string // the addresses it was queued to
	At         time.Time
}

// Kinds of outgoing mail of the notices after the deadline.
const (
	KindResultNotice = "result_notice" // 考核结果通知 and its 更正
	KindFinalList    = "final_list"    // 确定名单反馈 and its 更正
)

// ErrNoticeRevision means the revision to record does not follow the latest
// recorded for the agency: another publisher got there first.
var ErrNoticeRevision = errors.New("notice revision does not follow the latest recorded")

const qLatestNotices = `SELECT n.agency, n.revision, n.content_key, n.facts, n.recipients, n.published_at
	FROM published_notices n
	JOIN (SELECT agency, MAX(revision) AS revision FROM published_notices WHERE season = ? AND kind = ? GROUP BY agency) l
		ON l.agency = n.agency AND l.revision = n.revision
	WHERE n.season = ? AND n.kind = ?`

// LatestNotices returns the newest issue of kind recorded for each agency of
// the store's season; agencies never sent one are absent.
func (s *Store) LatestNotices(ctx context.Context, kind string) (map[string]PublishedNotice, error) {
	rows, err := s.r.QueryContext(ctx, qLatestNotices, s.season, kind, s.season, kind)
	if err != nil {
		return nil, s.noteDamage(fmt.Errorf("latest notices: %w", err))
	}
	defer rows.Close()
	out := map[string]PublishedNotice{}
	for rows.Next() {
		n := PublishedNotice{Kind: kind}
		var recipients string
		var at int64
		if err := rows.Scan(&n.Agency, &n.Revision, &n.ContentKey, &n.Facts, &recipients, &at); err != nil {
			return nil, fmt.Errorf("latest notices: %w", err)
		}
		if err := json.Unmarshal([]byte(recipients), &n.Recipients); err != nil {
			return nil, fmt.Errorf("latest notices: %s revision %d: recipients: %w", n.Agency, n.Revision, err)
		}
		n.At = fromMS(at)
		out[n.Agency] = n
	}
	if err := rows.Err(); err != nil {
		return nil, s.noteDamage(fmt.Errorf("latest notices: %w", err))
	}
	return out, nil
}

// NoticeIssue returns revision rev of the agency's notice of kind in the
// store's season; ErrNotFound when it was not recorded.
func (s *Store) NoticeIssue(ctx context.Context, kind, agency string, rev int) (PublishedNotice, error) {
	n := PublishedNotice{Kind: kind, Agency: agency, Revision: rev}
	var recipients string
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT content_key, facts, recipients, published_at FROM published_notices
		WHERE season = ? AND kind = ? AND agency = ? AND revision = ?`, s.season, kind, agency, rev).Scan(&n.ContentKey, &n.Facts, &recipients, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("notice %s %s revision %d: %w", kind, agency, rev, ErrNotFound)
	}
	if err != nil {
		return n, s.noteDamage(fmt.Errorf("notice %s %s revision %d: %w", kind, agency, rev, err))
	}
	if err := json.Unmarshal([]byte(recipients), &n.Recipients); err != nil {
		return n, fmt.Errorf("notice %s %s revision %d: recipients: %w", kind, agency, rev, err)
	}
	n.At = fromMS(at)
	return n, nil
}

// PublishNotice records issue n of a notice and queues its mail, in one
// transaction: a crash leaves either both or neither, and the mail's
// deterministic Message-IDs keep a mail queued once however often this is
// retried. n.Revision must follow the latest revision recorded for the
// agency and kind (1 when none is); otherwise nothing changes and the error
// is ErrNoticeRevision, which a second publisher running at the same time
// meets. n.At zero means the store's clock.
func (s *Store) PublishNotice(ctx context.Context, n PublishedNotice, mail []OutgoingMail) error {
	if n.Kind == "" || n.Agency == "" || n.Revision < 1 || n.ContentKey == "" {
		return fmt.Errorf("publish notice: kind, agency, revision and content key are required (%q, %q, %d)", n.Kind, n.Agency, n.Revision)
	}
	if err := checkAllOutgoing(mail); err != nil {
		return fmt.Errorf("publish notice: %w", err)
	}
	recipients, err := json.Marshal(n.Recipients)
	if err != nil {
		return fmt.Errorf("publish notice: %w", err)
	}
	now := s.now()
	if n.At.IsZero() {
		n.At = now
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var latest int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(revision), 0) FROM published_notices WHERE season = ? AND kind = ? AND agency = ?",
			s.season, n.Kind, n.Agency).Scan(&latest); err != nil {
			return err
		}
		if latest != n.Revision-1 {
			return fmt.Errorf("%s %s: revision %d recorded, %d asked: %w", n.Kind, n.Agency, latest, n.Revision, ErrNoticeRevision)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO published_notices (season, kind, agency, revision, content_key, facts, recipients, published_at)
			VALUES (?,?,?,?,?,?,?,?)`, s.season, n.Kind, n.Agency, n.Revision, n.ContentKey, n.Facts, string(recipients), ms(n.At)); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, mail, ms(now))
	})
	if err != nil {
		return fmt.Errorf("publish notice: %w", err)
	}
	return nil
}

// AddNoticeRecipients queues the latest issue of a notice to addresses the
// agency registered since it was published, and records them with it, in
// one transaction. rev must still be the latest revision, with the same
// content key; otherwise nothing changes and the error is
// ErrNoticeRevision.
func (s *Store) AddNoticeRecipients(ctx context.Context, kind, agency string, rev int, contentKey string, recipients []string, mail []OutgoingMail) error {
	if err := checkAllOutgoing(mail); err != nil {
		return fmt.Errorf("add notice recipients: %w", err)
	}
	all, err := json.Marshal(recipients)
	if err != nil {
		return fmt.Errorf("add notice recipients: %w", err)
	}
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE published_notices SET recipients = ?
			WHERE season = ? AND kind = ? AND agency = ? AND revision = ? AND content_key = ?
			AND revision = (SELECT MAX(revision) FROM published_notices WHERE season = ? AND kind = ? AND agency = ?)`,
			string(all), s.season, kind, agency, rev, contentKey, s.season, kind, agency)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = fmt.Errorf("%s %s: revision %d is not the latest: %w", kind, agency, rev, ErrNoticeRevision)
			}
			return err
		}
		return enqueueAll(ctx, tx, mail, ms(now))
	})
	if err != nil {
		return fmt.Errorf("add notice recipients: %w", err)
	}
	return nil
}

// checkAllOutgoing checks every mail a notice queues before the
// transaction starts.
func checkAllOutgoing(mail []OutgoingMail) error {
	for _, m := range mail {
		if err := checkOutgoing(m); err != nil {
			return err
		}
	}
	return nil
}

// enqueueAll queues a notice's mail inside its transaction.
func enqueueAll(ctx context.Context, tx *sql.Tx, mail []OutgoingMail, now int64) error {
	for _, m := range mail {
		if _, err := enqueue(ctx, tx, m, now); err != nil {
			return err
		}
	}
	return nil
}
