package reply

import (
	"math/rand/v2"
	"time"

	"kaohe/internal/fault"
)

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) rand() float64 {
	if s.Rand != nil {
		return s.Rand()
	}
	return rand.Float64()
}

func (s *Sender) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

func (s *Sender) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (s *Sender) backoffBase() time.Duration {
	if s.BackoffBase > 0 {
		return s.BackoffBase
	}
	return DefaultBackoffBase
}

func (s *Sender) probeInterval() time.Duration {
	if s.ProbeInterval > 0 {
		return s.ProbeInterval
	}
	return DefaultProbeInterval
}

// backoff is the wait after attempt number attempts.
func (s *Sender) backoff(attempts int) time.Duration {
	return fault.Backoff(attempts, s.backoffBase(), s.backoffMax(), s.rand())
}

func (s *Sender) backoffMax() time.Duration {
	if s.BackoffMax > 0 {
		return s.BackoffMax
	}
	return DefaultBackoffMax
}
