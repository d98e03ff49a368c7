//go:build !linux

package sandbox

import (
	"errors"
	"syscall"
)

func isolationCandidates() []Isolation { return []Isolation{IsolationNone} }

func (i Isolation) sysProcAttr() *syscall.SysProcAttr { return nil }

func refusedNamespace(error) bool { return false }

func noNewPrivs() error { return errors.New("no_new_privs: not supported on this system") }
