package mailbox

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// proxyFault is what the proxy does to one connection's server-to-client
// stream once marker has passed through it.
type proxyFault struct {
	marker string
	after  int  // bytes forwarded past the marker before the fault
	stall  bool // stop forwarding but keep the connection open (half-open); else cut
}

// tcpProxy sits between the Watcher and the server. faults[i] applies to the
// i-th accepted connection; dropCaps removes capabilities from every
// CAPABILITY line.
type tcpProxy struct {
	target   string
	addr     string
	faults   map[int]proxyFault
	dropCaps []string
	accepted atomic.Int32
	faulted  atomic.Int32

	mu      sync.Mutex
	conns   []net.Conn
	arrived []time.Time // when each connection was accepted
}

// arrivals returns when each connection so far was accepted.
func (p *tcpProxy) arrivals() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.arrived...)
}

func startProxy(t *testing.T, target string, faults map[int]proxyFault, dropCaps ...string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: target, addr: ln.Addr().String(), faults: faults, dropCaps: dropCaps}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.arrived = append(p.arrived, time.Now())
			p.mu.Unlock()
			i := int(p.accepted.Add(1)) - 1
			go p.serve(c, i)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *tcpProxy) serve(client net.Conn, i int) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	go func() {
		io.Copy(server, client)
		server.Close()
	}()
	defer client.Close()
	defer server.Close()
	fault, hasFault := p.faults[i]
	r := bufio.NewReader(server)
	var window []byte // tail of the stream, to find a marker across chunks
	past := -1        // bytes forwarded since the marker passed; -1 = not yet
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if len(p.dropCaps) > 0 && bytes.Contains(line, []byte("CAPABILITY")) {
				line = dropCapTokens(line, p.dropCaps)
			}
			if hasFault {
				if past < 0 {
					window = append(window, line...)
					if k := bytes.Index(window, []byte(fault.marker)); k >= 0 {
						// Bytes of this line after the marker.
						past = len(window) - k - len(fault.marker)
						keep := len(line) - past
						if past > fault.after {
							line = line[:keep+fault.after]
							past = fault.after
						}
					} else if len(window) > len(fault.marker) {
						window = window[len(window)-len(fault.marker):]
					}
				} else if past+len(line) > fault.after {
					line = line[:fault.after-past]
					past = fault.after
				} else {
					past += len(line)
				}
			}
			if _, werr := client.Write(line); werr != nil {
				return
			}
			if hasFault && past >= fault.after {
				p.faulted.Add(1)
				if fault.stall {
					io.Copy(io.Discard, r) // keep reading, forward nothing
				}
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// dropCapTokens removes the named capabilities from a CAPABILITY line.
func dropCapTokens(line []byte, drop []string) []byte {
	s := strings.TrimRight(string(line), "\r\n")
	fields := strings.Split(s, " ")
	out := fields[:0]
	for _, f := range fields {
		name := strings.TrimSuffix(f, "]")
		skip := false
		for _, d := range drop {
			if strings.EqualFold(name, d) {
				skip = true
			}
		}
		if skip {
			if strings.HasSuffix(f, "]") && len(out) > 0 {
				out[len(out)-1] += "]"
			}
			continue
		}
		out = append(out, f)
	}
	return []byte(strings.Join(out, " ") + "\r\n")
}
