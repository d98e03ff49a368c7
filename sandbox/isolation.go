package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// Isolation is how far a worker is cut off from the machine, beyond its
// limits and its scrubbed environment (which every worker has).
type Isolation int

const (
	// IsolationNone: no namespace could be had; the worker shares the
	// daemon's network.
	IsolationNone Isolation = iota
	// IsolationNet: a network namespace of its own (only a loopback
	// interface, down), the parent being root.
	IsolationNet
	// IsolationUserNet: a user namespace holding a network namespace; the
	// worker also has no capability outside it, even when the daemon runs
	// as root.
	IsolationUserNet
)

func (i Isolation) String() string {
	switch i {
	case IsolationNet:
		return "network namespace"
	case IsolationUserNet:
		return "user and network namespace"
	}
	return "none"
}

// isolator starts workers at the strongest isolation the system grants,
// found by trying: the first start that succeeds decides for the life of
// the runners sharing it, so the cost of refused attempts is paid once.
type isolator struct {
	mu     sync.Mutex
	chosen Isolation
	known  bool
}

// start starts a worker built by mk (called afresh for every attempt: a
// command starts only once) and says at which isolation it runs.
func (s *isolator) start(mk func(*syscall.SysProcAttr) (*exec.Cmd, error)) (*exec.Cmd, Isolation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tries := isolationCandidates()
	if s.known {
		tries = []Isolation{s.chosen}
	}
	var errs []error
	for _, iso := range tries {
		cmd, err := mk(iso.sysProcAttr())
		if err == nil {
			err = cmd.Start()
		}
		if err == nil {
			s.chosen, s.known = iso, true
			return cmd, iso, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", iso, err))
		// Only a refusal of the namespace itself lets a weaker isolation be
		// tried; a start that failed for another reason (no executable, no
		// memory) would fail the same way, and must not weaken the choice.
		if !refusedNamespace(err) {
			break
		}
	}
	return nil, IsolationNone, fmt.Errorf("start worker: %w", errors.Join(errs...))
}

// workerEnv is the whole environment of a worker: its own settings and the
// two variables of the parent a reader can use (excelize may spill a large
// sheet to TMPDIR; TZ keeps time.Local the daemon's). Nothing else passes:
// the daemon's environment holds the mailbox passwords, and a worker parses
// files strangers sent.
func workerEnv(limits Limits) []string {
	env := []string{
		envWorker + "=" + workerValue,
		envMemory + "=" + fmt.Sprint(limits.Memory),
		envCPU + "=" + fmt.Sprint(limits.CPUSeconds),
		// A worker reads one workbook at a time and there is one worker per
		// core: more threads per worker only contend with the daemon and
		// the other workers (measured: about 1 ms less CPU per message).
		"GOMAXPROCS=1",
	}
	for _, k := range []string{"TMPDIR", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
