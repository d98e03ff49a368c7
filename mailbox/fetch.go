package mailbox

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// metaBatch is how many UIDs one metadata FETCH asks for.
const metaBatch = 100

// msgMeta is the metadata of one message, merged by UID because servers may
// split a message's FETCH data over several responses.
type msgMeta struct {
	uid      imap.UID
	size     int64
	date     time.Time
	flags    []imap.Flag
	modseq   uint64 // with CONDSTORE
	haveSize bool
}

// searchAbove returns the UIDs above last in ascending order. The set
// "last+1:*" always matches the highest message even when last+1 is above
// it (RFC 3501 §6.4.8), so the results are filtered.
func (w *Watcher) searchAbove(s *imapSession, last uint32) ([]imap.UID, error) {
	if last == ^uint32(0) {
		return nil, nil
	}
	var data *imap.SearchData
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}}}}
	err := s.do("uid search", w.cfg.CommandTimeout, func() error {
		var err error
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []imap.UID
	for _, uid := range data.AllUIDs() {
		if uint32(uid) > last {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// fetchMeta fetches UID, FLAGS, RFC822.SIZE and INTERNALDATE of uids,
// streaming the responses.
func (w *Watcher) fetchMeta(s *imapSession, uids []imap.UID) (map[imap.UID]*msgMeta, error) {
	metas := make(map[imap.UID]*msgMeta, len(uids))
	if len(uids) == 0 {
		return metas, nil
	}
	opts := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true, ModSeq: s.condstore}
	err := s.do("uid fetch meta", w.cfg.CommandTimeout, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uids...), opts)
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var m msgMeta
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					m.uid = it.UID
				case imapclient.FetchItemDataRFC822Size:
					m.size, m.haveSize = it.Size, true
				case imapclient.FetchItemDataInternalDate:
					m.date = it.Time
				case imapclient.FetchItemDataFlags:
					m.flags = it.Flags
				case imapclient.FetchItemDataModSeq:
					m.modseq = it.ModSeq
				}
			}
			if m.uid == 0 {
				continue
			}
			prev := metas[m.uid]
			if prev == nil {
				prev = &msgMeta{uid: m.uid}
				metas[m.uid] = prev
			}
			if m.haveSize {
				prev.size, prev.haveSize = m.size, true
			}
			if !m.date.IsZero() {
				prev.date = m.date
			}
			if m.flags != nil {
				prev.flags = m.flags
			}
			if m.modseq != 0 {
				prev.modseq = m.modseq
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	for uid, m := range metas {
		if !m.haveSize {
			// Without a size we cannot bound the fetch; treat it as vanished
			// for this pass.
			delete(metas, uid)
		}
	}
	return metas, nil
}

// fetchBody fetches BODY.PEEK[] of one message (so \Seen is untouched),
// reading at most MaxMessageSize+1 bytes. found is false when the server
// returned no body (the message was expunged meanwhile).
func (w *Watcher) fetchBody(s *imapSession, uid imap.UID, size int64) (raw []byte, found bool, err error) {
	return w.fetchSection(s, uid, size, &imap.FetchItemBodySection{Peek: true}, w.cfg.MaxMessageSize)
}

// maxHeaderSize bounds the header fetched of a message too large to fetch.
const maxHeaderSize = 256 << 10

// fetchHeader fetches only the header of a message (BODY.PEEK[HEADER]), so
// that a message too large to fetch can still be answered.
func (w *Watcher) fetchHeader(s *imapSession, uid imap.UID) (raw []byte, found bool, err error) {
	return w.fetchSection(s, uid, maxHeaderSize, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}, maxHeaderSize)
}

func (w *Watcher) fetchSection(s *imapSession, uid imap.UID, size int64, section *imap.FetchItemBodySection, limit int64) (raw []byte, found bool, err error) {
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}
	err = s.do("uid fetch body", bodyDeadline(w.cfg.CommandTimeout, size), func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uid), opts)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var got imap.UID
			var body []byte
			var have bool
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					got = it.UID
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil {
						continue
					}
					b, err := io.ReadAll(io.LimitReader(it.Literal, limit+1))
					if err != nil {
						// The connection broke inside the literal. Abandon
						// the command without Close: draining the failed
						// literal would race with the client's reader
						// goroutine (go-imap beta.8). The session is dead.
						s.c.Close()
						return fmt.Errorf("read body: %w", err)
					}
					if n := int64(len(b)); n < it.Literal.Size() && n <= limit {
						// io.EOF from a dropped connection ends the literal
						// early without an error: same treatment.
						s.c.Close()
						return fmt.Errorf("read body: got %d of %d bytes: %w", n, it.Literal.Size(), io.ErrUnexpectedEOF)
					}
					body, have = b, true
				}
			}
			// The UID may come after the literal; accept it in any position.
			if have && (got == uid || got == 0) {
				raw, found = body, true
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, false, err
	}
	return raw, found, nil
}
