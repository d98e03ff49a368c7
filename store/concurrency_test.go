package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kaohe/assess"
)

// TestWaitsForForeignWriter holds a write transaction on another connection
// (as the sqlite3 shell would) and checks that the store's writes wait for it
// instead of failing with SQLITE_BUSY.
func TestWaitsForForeignWriter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	other, err := sql.Open("sqlite", dsn(filepath.Join(dir, DBFile), false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // immediate: takes the write lock now
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO state (key, value, updated_at) VALUES ('held', 'x', 0)"); err != nil {
		t.Fatal(err)
	}
	const hold = 300 * time.Millisecond
	go func() {
		time.Sleep(hold)
		tx.Commit()
	}()
	start := time.Now()
	if err := s.SetState(context.Background(), "k", "v"); err != nil {
		t.Fatalf("SetState while another connection writes: %v", err)
	}
	if waited := time.Since(start); waited < hold/2 {
		t.Fatalf("SetState returned after %v; the other transaction held the lock for %v", waited, hold)
	}
	if v, ok, _ := s.GetState(context.Background(), "held"); !ok || v != "x" {
		t.Fatal("the other connection's write was lost")
	}
}

// TestConcurrentWriters runs the daemon's writers side by side: ingest,
// processing, the outbox sender and a read-only consolidation.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	const workers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("<w%d.%d@x>", w, i)
				raw := rawMail(id, i)
				hash, err := s.Archive(raw)
				if err != nil {
					errs <- err
					return
				}
				m, _, err := s.RecordMessage(ctx, Message{MessageID: id, Hash: hash, Sender: "a@x.test", ReceivedAt: campaign})
				if err != nil {
					errs <- err
					return
				}
				err = s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: "朝阳区", OnTime: true,
					Attachments: []AttachmentResult{{Filename: "f.xlsx", Report: report("朝阳区", assess.StatusAccepted, 100)}},
					Outbox:      []OutgoingMail{reply(m, "")}})
				if err != nil {
					errs <- err
				}
				if _, err := ro.CurrentSubmissions(ctx); err != nil {
					errs <- err
				}
				if due, err := s.DueOutbox(ctx, time.Now(), 1); err != nil {
					errs <- err
				} else if len(due) == 1 {
					// Two senders may race for the same item: both marks succeed.
					if err := s.MarkSent(ctx, due[0].ID, time.Now()); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	subs, err := s.Submissions(ctx, SubmissionFilter{Agency: "朝阳区"})
	if err != nil || len(subs) != workers*each {
		t.Fatalf("%d submissions, %v; want %d", len(subs), err, workers*each)
	}
	seen := map[int]bool{}
	for _, sub := range subs {
		if seen[sub.Version] {
			t.Fatalf("version %d given twice", sub.Version)
		}
		seen[sub.Version] = true
	}
	if !seen[1] || !seen[workers*each] {
		t.Fatalf("versions are not 1..%d", workers*each)
	}
}
