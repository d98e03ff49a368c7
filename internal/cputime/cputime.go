// Package cputime reads the CPU time a process has used, for benchmarks:
// on a shared machine the wall time of an operation moves with the
// neighbours, its CPU time much less.
package cputime

import (
	"syscall"
	"time"
)

// Self is the user and system CPU time of this process so far.
func Self() time.Duration { return usage(syscall.RUSAGE_SELF) }

// WithChildren is Self plus the CPU time of this process's children that
// have been waited for (the workbook readers, once stopped).
func WithChildren() time.Duration {
	return Self() + usage(syscall.RUSAGE_CHILDREN)
}

func usage(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
