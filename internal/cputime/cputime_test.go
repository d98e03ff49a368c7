package cputime

import (
	"testing"
	"time"
)

func TestSelfCountsWork(t *testing.T) {
	before := Self()
	giveUp := time.Now().Add(5 * time.Second)
	for Self()-before < 20*time.Millisecond && time.Now().Before(giveUp) {
	}
	if got := Self() - before; got < 20*time.Millisecond {
		t.Fatalf("5 s of a busy loop counted %v of CPU", got)
	}
	self := Self()
	if all := WithChildren(); all < self {
		t.Errorf("WithChildren %v is below Self %v", all, self)
	}
}
