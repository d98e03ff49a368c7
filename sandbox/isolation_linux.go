//go:build linux

package sandbox

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// isolationCandidates lists what to try, strongest first. A network
// namespace alone needs CAP_SYS_ADMIN, so it is tried only by root; a user
// namespace needs nothing where the system allows unprivileged ones.
func isolationCandidates() []Isolation {
	c := []Isolation{IsolationUserNet}
	if os.Geteuid() == 0 {
		c = append(c, IsolationNet)
	}
	return append(c, IsolationNone)
}

func (i Isolation) sysProcAttr() *syscall.SysProcAttr {
	switch i {
	case IsolationUserNet:
		// The worker keeps its own uid and gid inside: it reads nothing the
		// daemon could not, and holds no capability outside the namespace.
		uid, gid := os.Getuid(), os.Getgid()
		return &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
		}
	case IsolationNet:
		return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	}
	return nil
}

// refusedNamespace tells a system that refuses a namespace (no user
// namespaces, a seccomp filter such as systemd's RestrictNamespaces, the
// per-user namespace limit) from any other failure to start.
func refusedNamespace(err error) bool {
	for _, e := range []error{syscall.EPERM, syscall.EACCES, syscall.EINVAL, syscall.ENOSPC, syscall.EUSERS, syscall.ENOSYS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// noNewPrivs sets no_new_privs: no exec from this process on can gain
// privileges (setuid binaries, file capabilities).
func noNewPrivs() error {
	return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
}
