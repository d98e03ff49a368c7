package store

import (
	"context"
	"regexp"
	"sync"
	"testing"
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
