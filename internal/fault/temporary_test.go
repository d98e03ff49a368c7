package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestTemporary(t *testing.T) {
	t.Parallel()
	base := errors.New("login refused")
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name           string
		err            error
		temp, orUnspec bool
	}{
		{"nil", nil, false, true},
		{"unknown", errors.New("something"), false, true},
		{"marked permanent", WithTemporary(base, false), false, false},
		{"marked permanent, wrapped", fmt.Errorf("login as x: %w: %w", WithTemporary(base, false), errors.New("NO")), false, false},
		{"marked temporary", WithTemporary(base, true), true, true},
		{"smtp 4xx", &smtp.SMTPError{Code: 421, Message: "busy"}, true, true},
		{"smtp 5xx", fmt.Errorf("data: %w", &smtp.SMTPError{Code: 554, Message: "DT:SPM"}), false, false},
		{"connection refused", fmt.Errorf("dial: %w", refused), true, true},
		{"bare errno", syscall.ECONNRESET, true, true},
		{"deadline", context.DeadlineExceeded, true, true},
		{"closed early", fmt.Errorf("read reply: %w", io.ErrUnexpectedEOF), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTemporary(tc.err); got != tc.temp {
				t.Errorf("IsTemporary = %v, want %v", got, tc.temp)
			}
			if got := IsTemporaryOrUnspec(tc.err); got != tc.orUnspec {
				t.Errorf("IsTemporaryOrUnspec = %v, want %v", got, tc.orUnspec)
			}
		})
	}
	if m := WithTemporary(base, false); !errors.Is(m, base) || m.Error() != base.Error() {
		t.Errorf("the mark hides the error: %v", m)
	}
	if WithTemporary(nil, true) != nil {
		t.Error("WithTemporary(nil) is not nil")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{"first, no jitter", 1, 0.999999999, time.Minute},
		{"first, full jitter", 1, 0, 30 * time.Second},
		{"third", 3, 0.999999999, 4 * time.Minute},
		{"doubles", 4, 0, 4 * time.Minute},
		{"capped", 20, 0.999999999, time.Hour},
		{"huge attempt does not overflow", 5000, 0.5, 45 * time.Minute},
		{"zero attempt is the first", 0, 0, 30 * time.Second},
		{"rnd out of range is clamped", 1, 7, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Backoff(tc.attempt, time.Minute, time.Hour, tc.rnd)
			if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("Backoff = %v, want %v", got, tc.want)
			}
		})
	}
}
