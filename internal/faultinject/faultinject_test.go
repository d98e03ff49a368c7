package faultinject

import (
	"errors"
	"testing"

	"kaohe/internal/fault"
)

func TestDiskFullIsSQLiteFull(t *testing.T) {
	err := DiskFull()
	if !fault.DiskFull(err) || !fault.IsSystem(err) {
		t.Fatalf("DiskFull() = %v: not seen as a full disk", err)
	}
}

func TestSwitch(t *testing.T) {
	var s Switch
	if err := s.Hook(); err != nil {
		t.Fatalf("off switch failed a write: %v", err)
	}
	boom := errors.New("boom")
	s.Fail(boom)
	if err := s.Hook(); !errors.Is(err, boom) {
		t.Fatalf("on switch: %v", err)
	}
	s.Heal()
	if err := s.Hook(); err != nil || s.Failed() != 1 {
		t.Fatalf("healed switch: %v, %d failed", err, s.Failed())
	}
	s.FailAfter(2, boom)
	got := []bool{s.Hook() != nil, s.Hook() != nil, s.Hook() != nil}
	if got[0] || got[1] || !got[2] {
		t.Fatalf("FailAfter(2): failures %v, want the third only", got)
	}
}
