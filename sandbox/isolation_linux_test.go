package sandbox

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

func TestIsolatorFallsBackOnlyWhenTheNamespaceIsRefused(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var tried []Isolation
	// A system without user namespaces: clone refuses CLONE_NEWUSER.
	noUserNS := func(attr *syscall.SysProcAttr) (*exec.Cmd, error) {
		iso := IsolationNone
		if attr != nil {
			iso = IsolationNet
			if attr.Cloneflags&syscall.CLONE_NEWUSER != 0 {
				iso = IsolationUserNet
			}
		}
		tried = append(tried, iso)
		if iso == IsolationUserNet {
			return nil, os.NewSyscallError("clone", syscall.EPERM)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.SysProcAttr = attr
		return cmd, nil
	}
	s := &isolator{}
	cmd, iso, err := s.start(noUserNS)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	want := IsolationNone
	if os.Geteuid() == 0 {
		want = IsolationNet
	}
	if iso != want || len(tried) != 2 || tried[0] != IsolationUserNet {
		t.Errorf("isolation %s after trying %v, want %s after user+net", iso, tried, want)
	}
	// The choice holds: the next start does not try again.
	tried = nil
	cmd, iso, err = s.start(noUserNS)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if iso != want || len(tried) != 1 {
		t.Errorf("second start: %s after %v", iso, tried)
	}

	// Any other failure is no reason to weaken the isolation.
	tried = nil
	s = &isolator{}
	_, _, err = s.start(func(attr *syscall.SysProcAttr) (*exec.Cmd, error) {
		tried = append(tried, IsolationUserNet)
		return nil, os.NewSyscallError("fork", syscall.EAGAIN)
	})
	if !errors.Is(err, syscall.EAGAIN) || len(tried) != 1 || s.known {
		t.Errorf("err %v after %d tries, choice made %v", err, len(tried), s.known)
	}
}
