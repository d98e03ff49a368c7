package reply

import (
	"context"
	"errors"
	"time"
)

// Run flushes the outbox until ctx is done: every Interval, or at once
// when Wake fires. An authentication failure pauses sending for
// AuthBackoffBase, the daily cap for ten minutes; while the store fails,
// it is probed every ProbeInterval.
func (s *Sender) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	capped := false // said once when the cap is reached, once when it has room
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.Wake:
		}
		wait := interval
		_, err := s.Flush(ctx)
		if capped && !errors.Is(err, ErrDailyCap) && !errors.Is(err, ErrStoreDown) {
			capped = false
			s.Log.Info().Msg("daily cap has room again: sending resumes")
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			switch {
			case errors.Is(err, ErrStoreDown):
				// Said once when it began (storeFailed); said again when it ends.
				wait = s.probeInterval()
			case errors.Is(err, ErrDailyCap):
				if !capped {
					s.Log.Warn().Err(err).Int("cap", s.GlobalPerDay).Msg("outbox waits for the daily cap")
				}
				capped = true
				wait = max(interval, dailyCapPause)
			case errors.Is(err, ErrAuth):
				s.Log.Error().Err(err).Msg("smtp login refused; sending paused")
				wait = AuthBackoffBase
			default:
				s.Log.Error().Err(err).Msg("outbox flush failed")
			}
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}
