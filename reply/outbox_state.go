package reply

import (
	"context"
	"fmt"
	"maps"
	"time"

	"kaohe/internal/fault"
	"kaohe/monitor"
)

// sendState is what the sender remembers between flushes.
type sendState struct {
	storeErr   error     // non-nil while the store cannot record the outbox's state
	storeSince time.Time // first failure of the current outage
	lastProbe  time.Time
	// unrecorded are items the server accepted whose MarkSent failed, with
	// the time of acceptance: they are recorded, never sent again.
	unrecorded map[int64]time.Time
	status     SendStatus
	outage     outage
}

// SendStatus is what Status reports.
type SendStatus struct {
	LastDelivery time.Time // zero: none since the start
	LastError    string    // of the last attempt; "" when it succeeded
	// StoreError is set while the outbox cannot record its state (sending
	// is paused), since StoreSince.
	StoreError string
	StoreSince time.Time
	// StaffError is the last permanent refusal of staff mail, "" once a
	// staff mail is delivered.
	StaffError string
}

// storeFailed enters (or stays in) the paused state after a store error,
// says so once, and returns the error wrapped in ErrStoreDown.
func (s *Sender) storeFailed(err error) error {
	now := s.now()
	s.mu.Lock()
	first := s.st.storeErr == nil
	s.st.storeErr = err
	if first {
		s.st.storeSince, s.st.lastProbe = now, now
	}
	s.st.status.StoreError, s.st.status.StoreSince = err.Error(), s.st.storeSince
	s.mu.Unlock()
	if s.Faults != nil {
		s.Faults.Set(monitor.ComponentStore, err)
	}
	if first {
		s.Log.Error().Err(err).Bool("disk_full", fault.DiskFull(err)).Bool("system", fault.IsSystem(err)).
			Msg("outbox cannot record its state: sending paused until a probe write succeeds")
	}
	return fmt.Errorf("%w: %w", ErrStoreDown, err)
}

// storeReady returns nil when the store works. While it does not, it
// probes it at most every ProbeInterval; once a probe succeeds, the mail
// accepted but not recorded is recorded and sending resumes.
func (s *Sender) storeReady(ctx context.Context) error {
	now := s.now()
	s.mu.Lock()
	down, since := s.st.storeErr, s.st.storeSince
	wait := down != nil && now.Sub(s.st.lastProbe) < s.probeInterval()
	if down != nil && !wait {
		s.st.lastProbe = now
	}
	s.mu.Unlock()
	if down == nil {
		return nil
	}
	if wait {
		return fmt.Errorf("%w: %w", ErrStoreDown, down)
	}
	if err := s.Store.ProbeWrite(ctx); err != nil {
		return s.storeFailed(fmt.Errorf("probe: %w", err))
	}
	for id, at := range s.unrecordedItems() {
		err := s.Store.MarkSent(ctx, id, at)
		if err != nil && fault.IsSystem(err) {
			return s.storeFailed(fmt.Errorf("mark sent: %w", err))
		}
		if err != nil {
			// Not the store's fault (the row is gone, say): it must not
			// hold back the rest. It stays remembered, so this process
			// never sends it again.
			s.Log.Error().Err(err).Int64("outbox_id", id).Msg("mail accepted earlier cannot be recorded as sent")
			continue
		}
		s.mu.Lock()
		delete(s.st.unrecorded, id)
		s.mu.Unlock()
		s.Log.Info().Int64("outbox_id", id).Msg("mail accepted earlier recorded as sent")
	}
	s.mu.Lock()
	s.st.storeErr = nil
	s.st.status.StoreError, s.st.status.StoreSince = "", time.Time{}
	s.mu.Unlock()
	if s.Faults != nil {
		s.Faults.Clear(monitor.ComponentStore)
	}
	s.Log.Warn().Time("since", since).Dur("paused", now.Sub(since)).Msg("outbox records its state again: sending resumes")
	return nil
}

func (s *Sender) isUnrecorded(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.st.unrecorded[id]
	return ok
}

func (s *Sender) unrecordedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.unrecorded)
}

func (s *Sender) unrecordedItems() map[int64]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.st.unrecorded)
}

func (s *Sender) setStatus(f func(*SendStatus)) {
	s.mu.Lock()
	f(&s.st.status)
	s.mu.Unlock()
}

// Status reports the last delivery and the faults in force; safe to call
// while Run runs.
func (s *Sender) Status() SendStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.status
}
