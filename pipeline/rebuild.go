package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"kaohe/internal/fault"
	"kaohe/mailbox"
	"kaohe/store"
)

// TimeSource says where a rebuilt message's receipt time came from, in the
// words the operator reads.
type TimeSource string

const (
	FromReceivedLog TimeSource = "收信记录"       // the INTERNALDATE noted when it was first recorded
	FromReceived    TimeSource = "Received 头" // the last hop's date: the receiving server's
	FromDate        TimeSource = "Date 头"     // the sender's clock
	FromFile        TimeSource = "存档文件时间"     // when it was archived: at or after its arrival
)

// Rebuilt is one archived mail whose records Rebuild re-created.
type Rebuilt struct {
	Mail   store.ArchivedMail
	At     time.Time // the receipt time it was processed at
	Source TimeSource
}

// RebuildReport is what Rebuild did.
type RebuildReport struct {
	Rebuilt  []Rebuilt
	Present  int      // archived mail the database already had
	Waiting  int      // archived mail still in the mailbox, left to the daemon
	Failed   []string // "file: error"
	MarkedAs int      // queued mail recorded as sent
	// Noticed: staff notices will not report the re-created messages again.
	Noticed bool
}

// Notices is the part of the staff notices Rebuild needs
// (campaign.Campaign).
type Notices interface {
	// NoticesPending reports whether messages wait for a staff notice.
	NoticesPending(ctx context.Context) (bool, error)
	// SkipNotices marks every message up to row through as noticed.
	SkipNotices(ctx context.Context, through int64) error
}

// rebuildItem is one archived mail the database lacks.
type rebuildItem struct {
	mail   store.ArchivedMail
	raw    []byte
	at     time.Time
	source TimeSource
}

// Rebuild re-creates, after an older backup was restored or a damaged
// database moved aside, the records of every archived mail that the
// database holds no decision for: through Handle, oldest first, as if it
// had just arrived at its original time; what that queued is recorded as
// sent, so nothing is sent again. waiting holds the archive keys of mail
// still in the mailbox, left to the daemon to process and answer. Staff
// notices are told to skip the re-created messages unless notices are
// pending anyway.
func (p *Pipeline) Rebuild(ctx context.Context, notices Notices, waiting map[string]bool) (RebuildReport, error) {
	var rep RebuildReport
	archived, err := p.store.Archived()
	if err != nil {
		return rep, err
	}
	done, err := p.store.DoneHashes(ctx)
	if err != nil {
		return rep, err
	}
	noted, err := p.store.ReceivedTimes()
	if err != nil {
		return rep, err
	}
	pending, err := notices.NoticesPending(ctx)
	if err != nil {
		return rep, err
	}
	var todo []rebuildItem
	for _, a := range archived {
		switch {
		case done[a.Hash]:
			rep.Present++
			continue
		case waiting[a.Hash]:
			rep.Waiting++
			continue
		}
		raw, err := p.store.ReadArchived(a.Hash)
		if err != nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s：%v", a.Path, err))
			continue
		}
		it := rebuildItem{mail: a, raw: raw}
		it.at, it.source = receivedTime(raw, noted[a.Hash], a.ModTime)
		todo = append(todo, it)
	}
	// In order of arrival, so that an agency's versions are numbered as
	// they were and its newest on-time form is its current one.
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].at.Before(todo[j].at) })
	for _, it := range todo {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		err := p.Handle(ctx, mailbox.Fetched{Mailbox: "archive", InternalDate: it.at, Size: int64(len(it.raw)), Raw: it.raw})
		if err != nil {
			if errors.Is(err, context.Canceled) || fault.Corrupt(err) {
				return rep, err
			}
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s：%v", it.mail.Path, err))
			continue
		}
		n, err := p.store.MarkRebuiltSent(ctx, it.mail.Hash, p.cfg.Now())
		if err != nil {
			return rep, err
		}
		rep.MarkedAs += n
		rep.Rebuilt = append(rep.Rebuilt, Rebuilt{Mail: it.mail, At: it.at, Source: it.source})
	}
	if pending || len(rep.Rebuilt) == 0 {
		// Staff will hear of what is pending, the re-created among it,
		// rather than miss anything.
		return rep, nil
	}
	through, err := lastMessageRow(ctx, p.store)
	if err == nil {
		err = notices.SkipNotices(ctx, through)
	}
	rep.Noticed = err == nil
	return rep, err
}

// lastMessageRow is the highest message row id, 0 for none.
func lastMessageRow(ctx context.Context, st *store.Store) (int64, error) {
	msgs, err := st.Messages(ctx, store.MessageFilter{})
	if err != nil {
		return 0, err
	}
	var last int64
	for _, m := range msgs {
		last = max(last, m.ID)
	}
	return last, nil
}

// receivedTime is the best stand-in for a mail's IMAP INTERNALDATE, which
// the archive file does not keep: the time noted when it was first
// recorded; else the date of its topmost Received: header, written by the
// server that delivered it to the mailbox; else its Date: header; else the
// archive file's time, which is at or after its arrival.
func receivedTime(raw []byte, noted, fileTime time.Time) (time.Time, TimeSource) {
	if !noted.IsZero() {
		return noted, FromReceivedLog
	}
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		if rs := m.Header["Received"]; len(rs) > 0 {
			if i := strings.LastIndexByte(rs[0], ';'); i >= 0 {
				if t, err := mail.ParseDate(strings.TrimSpace(rs[0][i+1:])); err == nil {
					return t, FromReceived
				}
			}
		}
		if t, err := m.Header.Date(); err == nil {
			return t, FromDate
		}
	}
	return fileTime, FromFile
}
