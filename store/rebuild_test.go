package store

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// What rebuild needs from the store: the archive's mails, the hashes with
// a decision, the receipt times noted at recording, and the queued mail of
// a re-created message recorded as sent.
func TestRebuildSupport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	t1 := time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)
	done := record(t, s, "<a@x>", 1, 1, t1)
	res := Result{MessageID: done.ID, Outcome: OutcomeProcessed, Agency: "朝阳区代办处", OnTime: true, Outbox: []OutgoingMail{reply(done, "")}}
	if err := s.SaveResult(ctx, res); err != nil {
		t.Fatal(err)
	}
	// A line cut short by a power loss, with no line end.
	f, _ := os.OpenFile(filepath.Join(dir, ArchiveDir, ReceivedLog), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("\x00\x00" + done.Hash[:20])
	f.Close()
	pending := record(t, s, "<b@x>", 2, 2, t1.Add(time.Hour)) // recorded, never decided
	// A second record of the same mail notes a later time: the first stays.
	if _, _, err := s.RecordMessage(ctx, Message{MessageID: "<b@x>", Hash: pending.Hash, ReceivedAt: t1.Add(5 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Leftovers of an interrupted archive write, and a damaged log line.
	os.WriteFile(filepath.Join(dir, ArchiveDir, done.Hash[:2], ".tmp-123"), []byte("x"), 0o640)
	os.WriteFile(filepath.Join(dir, ArchiveDir, "zz.eml"), []byte("x"), 0o640)
	f, _ = os.OpenFile(filepath.Join(dir, ArchiveDir, ReceivedLog), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("not a line\n" + done.Hash + " yesterday\n")
	f.Close()

	got, err := s.Archived()
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, a := range got {
		hashes = append(hashes, a.Hash)
	}
	sort.Strings(hashes)
	want := []string{done.Hash, pending.Hash}
	sort.Strings(want)
	if len(hashes) != 2 || hashes[0] != want[0] || hashes[1] != want[1] {
		t.Errorf("Archived = %v, want %v", hashes, want)
	}

	dh, err := s.DoneHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !dh[done.Hash] || dh[pending.Hash] || len(dh) != 1 {
		t.Errorf("DoneHashes = %v: want only the decided message", dh)
	}

	times, err := s.ReceivedTimes()
	if err != nil {
		t.Fatal(err)
	}
	if !times[done.Hash].Equal(t1) || !times[pending.Hash].Equal(t1.Add(time.Hour)) || len(times) != 2 {
		t.Errorf("ReceivedTimes = %v", times)
	}

	at := t1.Add(24 * time.Hour)
	n, err := s.MarkRebuiltSent(ctx, done.Hash, at)
	if err != nil || n != 1 {
		t.Fatalf("MarkRebuiltSent = %d, %v; want 1", n, err)
	}
	if due, _ := s.DueOutbox(ctx, at.Add(time.Hour), 0); len(due) != 0 {
		t.Errorf("%d items still due after MarkRebuiltSent", len(due))
	}
	if n, err := s.MarkRebuiltSent(ctx, done.Hash, at); err != nil || n != 0 {
		t.Errorf("second MarkRebuiltSent = %d, %v; want 0", n, err)
	}
}

// BenchmarkNoteReceived is the cost RecordMessage pays for the received
// log: an open, a 90-byte append and a close.
func BenchmarkNoteReceived(b *testing.B) {
	s := openBench(b, "FULL")
	h := hashOf([]byte("x"))
	at := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.noteReceived(h, at); err != nil {
			b.Fatal(err)
		}
	}
}
