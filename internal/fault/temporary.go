package fault

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"time"
)

// Temporary versus permanent is the other question asked of a failure:
// whether the same attempt, made again later, may succeed. An error that
// knows says so, through WithTemporary or a Temporary() bool method (go-smtp's
// replies: 4xx); otherwise a network error, a timeout or a connection closed
// early is temporary, and anything else is unspecified. Callers that must not
// give up on a guess (a mail whose delivery is unknown, a mailbox that must be
// watched) ask IsTemporaryOrUnspec.

// temporaryError marks whether err is temporary, whatever it wraps.
type temporaryError struct {
	err  error
	temp bool
}

func (e *temporaryError) Error() string   { return e.err.Error() }
func (e *temporaryError) Unwrap() error   { return e.err }
func (e *temporaryError) Temporary() bool { return e.temp }

// WithTemporary marks err as temporary or permanent (nil stays nil). The
// mark is found through any wrapping, and errors.Is still finds err.
func WithTemporary(err error, temp bool) error {
	if err == nil {
		return nil
	}
	return &temporaryError{err: err, temp: temp}
}

// IsTemporary reports whether err is known to be temporary.
func IsTemporary(err error) bool {
	temp, known := temporary(err)
	return known && temp
}

// IsTemporaryOrUnspec reports whether err is temporary or nobody said: only
// an error known to be permanent gives false.
func IsTemporaryOrUnspec(err error) bool {
	temp, known := temporary(err)
	return temp || !known
}

func temporary(err error) (temp, known bool) {
	if err == nil {
		return false, false
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		// The net package's Temporary is deprecated and says false for a
		// refused or reset connection; such an error is worth another try.
		if _, isNet := t.(net.Error); !isNet {
			return t.Temporary(), true
		}
		return true, true
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true, true
	}
	return false, false
}

// Backoff is the delay before retry number attempt (1 for the first retry)
// of something that failed temporarily: base·2^(attempt-1), computed in
// float so that it cannot overflow, capped at max, then scaled by a jitter
// factor in [0.5, 1) from rnd ∈ [0, 1) ("equal jitter": never less than
// half, so that retries do not bunch at zero).
func Backoff(attempt int, base, max time.Duration, rnd float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(base) * math.Pow(2, float64(attempt-1))
	if d > float64(max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(max)
	}
	rnd = math.Min(math.Max(rnd, 0), 1)
	return time.Duration(d * (0.5 + rnd/2))
}
