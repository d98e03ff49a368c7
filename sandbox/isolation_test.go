package sandbox

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// probe asks the worker what it sees of its confinement.
func (r *Runner) probe(addr string) (*probeReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	resp, err := r.roundTrip(context.Background(), request{Probe: addr}, nil)
	if err != nil {
		r.died(err)
		return nil, err
	}
	return resp.Probe, nil
}

func TestWorkerHasNoSecretsNoNetworkNoNewPrivileges(t *testing.T) {
	t.Setenv("KAOHE_IMAP_PASSWORD", "imap-secret-1")
	t.Setenv("KAOHE_SMTP_PASSWORD", "smtp-secret-2")
	t.Setenv("KAOHE_CONFIG", "/etc/kaohe/kaohe.toml")
	t.Setenv("HOME", "/root-of-someone")
	t.Setenv("TMPDIR", t.TempDir())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()

	p, err := NewPool("", Limits{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	iso, err := p.Isolation()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("isolation: %s", iso)
	rep, err := p.runners[0].probe(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	allowed := map[string]bool{envWorker: true, envMemory: true, envCPU: true, "GOMAXPROCS": true, "TMPDIR": true, "TZ": true}
	sawTmp := false
	for _, kv := range rep.Env {
		k, v, _ := strings.Cut(kv, "=")
		if !allowed[k] {
			t.Errorf("worker environment holds %s", k)
		}
		if strings.Contains(v, "secret") {
			t.Errorf("worker environment holds a password: %s", kv)
		}
		sawTmp = sawTmp || k == "TMPDIR"
	}
	if !sawTmp {
		t.Errorf("TMPDIR did not reach the worker: %q", rep.Env)
	}
	if runtime.GOOS == "linux" && !rep.NoNewPrivs {
		t.Error("worker runs without no_new_privs")
	}
	switch iso {
	case IsolationNone:
		// The probe is real: without a namespace the dial gets through.
		if rep.DialError != "" {
			t.Errorf("no namespace, yet the dial failed: %s", rep.DialError)
		}
		t.Log("this system grants no network namespace: the network check says nothing here")
	default:
		if rep.DialError == "" || accepted.Load() != 0 {
			t.Errorf("worker in a %s reached the daemon's loopback listener (dial error %q, %d accepted)", iso, rep.DialError, accepted.Load())
		}
	}
}
