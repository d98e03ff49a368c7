package store

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"
)

// TestConsumerIDStableAndDistinct: one data folder keeps its id across
// reopen and concurrent first calls; another data folder gets another one.
func TestConsumerIDStableAndDistinct(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.ConsumerID(ctx)
			if err != nil {
				t.Errorf("ConsumerID: %v", err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(ids[0]) {
		t.Fatalf("id %q is not 16 hex digits", ids[0])
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent first calls gave %v", ids)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := openTest(t, dir, nil).ConsumerID(ctx)
	if err != nil || again != ids[0] {
		t.Fatalf("after reopen: %q, %v; want %q", again, err, ids[0])
	}
	other, err := openTest(t, "", nil).ConsumerID(ctx)
	if err != nil || other == ids[0] {
		t.Fatalf("another data folder: %q, %v; want a different id", other, err)
	}
}

// TestForeignClaimSeen: the first sighting is kept across reopen, forgotten
// on request, and dropped once older than forgetBefore.
func TestForeignClaimSeen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	id, err := s.ConsumerID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	if got, err := s.ForeignClaimSeen("INBOX", 7, 42, t0, t0.Add(-2*time.Hour)); err != nil || !got.Equal(t0) {
		t.Fatalf("first sighting: %v, %v; want %v", got, err, t0)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, nil)
	later := t0.Add(time.Hour)
	if got, err := s.ForeignClaimSeen("INBOX", 7, 42, later, later.Add(-2*time.Hour)); err != nil || !got.Equal(t0) {
		t.Fatalf("after reopen: %v, %v; want the first sighting %v", got, err, t0)
	}
	if got, _ := s.ForeignClaimSeen("INBOX", 8, 42, later, later.Add(-2*time.Hour)); !got.Equal(later) {
		t.Errorf("another UIDVALIDITY: %v, want %v", got, later)
	}
	if err := s.ForgetForeignClaim("INBOX", 7, 42); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ForeignClaimSeen("INBOX", 7, 42, later, later.Add(-2*time.Hour)); !got.Equal(later) {
		t.Errorf("after forgetting: %v, want a new sighting %v", got, later)
	}
	// Three hours on, the sightings of an hour ago are dropped.
	much := t0.Add(4 * time.Hour)
	if _, err := s.ForeignClaimSeen("INBOX", 7, 43, much, much.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := countWhere(t, s, "SELECT COUNT(*) FROM state WHERE key LIKE 'foreign_claim/%'"); n != 1 {
		t.Errorf("%d sightings kept, want 1 (the old ones dropped)", n)
	}
	if again, err := s.ConsumerID(context.Background()); err != nil || again != id {
		t.Errorf("consumer id %q, %v after the pruning; want %q kept", again, err, id)
	}
}

func countWhere(t *testing.T, s *Store, query string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
