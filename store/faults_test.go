package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kaohe/internal/fault"
	"kaohe/internal/faultinject"
)

// A store whose writes fail on cue: every write path says so with the
// SQLite error in its chain, so that the caller sees a fault of ours, and
// the probe tells when writes work again.
func TestWriteFaultsAreOursAndProbed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var sw faultinject.Switch
	s, err := Open(t.TempDir(), Options{WriteFault: sw.Hook})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Probe(ctx); err != nil {
		t.Fatalf("probe of a healthy store: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir(), ArchiveDir, ".probe*")); len(left) != 0 {
		t.Errorf("the probe left files behind: %v", left)
	}
	m := record(t, s, "<a@x>", 1, 1, time.Now())

	sw.Fail(faultinject.DiskFull())
	_, archErr := s.Archive([]byte("From: <x@y>\r\n\r\nnew mail\r\n"))
	_, _, recErr := s.RecordMessage(ctx, Message{MessageID: "<b@x>", Hash: hashOf([]byte("b")), UID: 2})
	_, noteErr := s.NoteAttempt(ctx, m.ID, nil)
	saveErr := s.SaveResult(ctx, Result{MessageID: m.ID, Outcome: OutcomeProcessed})
	probeErr := s.Probe(ctx)
	for name, err := range map[string]error{"archive": archErr, "record": recErr, "note attempt": noteErr, "save result": saveErr, "probe": probeErr} {
		if !fault.DiskFull(err) || fault.Of(err) != fault.System {
			t.Errorf("%s: %v is not a full disk of ours", name, err)
		}
	}
	if got, _ := s.Message(ctx, m.ID); got.Attempts != 0 || got.Outcome != OutcomeReceived {
		t.Errorf("a failed write changed the message: %+v", got)
	}
	sw.Heal()
	if err := s.Probe(ctx); err != nil {
		t.Fatalf("probe after the fault cleared: %v", err)
	}
	if sw.Failed() != 5 {
		t.Errorf("%d writes failed, want 5", sw.Failed())
	}
}

// The quarantine and its receipt are one transaction: both or neither.
func TestQuarantineQueuesItsReceiptOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var sw faultinject.Switch
	s, err := Open(t.TempDir(), Options{WriteFault: sw.Hook})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := record(t, s, "<q@x>", 1, 1, time.Now())
	receipt := OutgoingMail{MessageID: "<held-1@office>", Kind: KindReply, To: "a@x", Raw: []byte("receipt")}
	sw.Fail(faultinject.DiskFull())
	if err := s.Quarantine(ctx, m.ID, "broken", receipt); err == nil {
		t.Fatal("quarantine succeeded on a full disk")
	}
	if got, _ := s.Message(ctx, m.ID); got.Outcome != OutcomeReceived {
		t.Fatalf("outcome %s after a failed quarantine", got.Outcome)
	}
	if depth, _ := s.OutboxDepth(ctx); depth[StatePending] != 0 {
		t.Fatalf("receipt queued without its quarantine: %v", depth)
	}
	sw.Heal()
	for range 2 {
		if err := s.Quarantine(ctx, m.ID, "broken", receipt); err != nil {
			t.Fatal(err)
		}
	}
	items, err := s.OutboxByState(ctx, StatePending, 0)
	if err != nil || len(items) != 1 || items[0].RelatedMessage != m.ID {
		t.Fatalf("outbox %+v, %v", items, err)
	}
	if got, _ := s.Message(ctx, m.ID); got.Outcome != OutcomeQuarantined {
		t.Errorf("outcome %s", got.Outcome)
	}
	if p := ArchivedPath(m.Hash); p != "archive/"+m.Hash[:2]+"/"+m.Hash+".eml" {
		t.Errorf("ArchivedPath = %q", p)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), ArchivedPath(m.Hash))); err != nil {
		t.Errorf("the raw mail is not where staff are told to look: %v", err)
	}
}
