package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"
)

// Health is what /healthz reports.
type Health struct {
	Healthy       bool           `json:"healthy"`
	IMAPConnected bool           `json:"imap_connected"`
	IMAPError     string         `json:"imap_error,omitempty"`
	LastPoll      *time.Time     `json:"last_poll,omitempty"`
	Outbox        map[string]int `json:"outbox"`
	Reason        string         `json:"reason,omitempty"`
	// Reasons lists every fault in force; empty when healthy.
	Reasons []Reason `json:"reasons"`
}

// Sources tell the server what it reports.
type Sources struct {
	Metrics *Metrics
	// IMAP returns whether the mailbox session is up, its last error and
	// the time of the last successful poll (zero before the first).
	IMAP func() (connected bool, lastErr string, lastPoll time.Time)
	// Faults are the faults the components report; each one in force makes
	// the daemon unhealthy. Nil: none are reported.
	Faults *Faults
	// Outbox returns the number of outgoing mails by state.
	Outbox func(ctx context.Context) (map[string]int, error)
	// Sending reports how the outbox is being delivered. Nil: not reported.
	Sending func(ctx context.Context) (Sending, error)
	// UnhealthyAfter: unhealthy when no poll succeeded for this long, or
	// when mail has waited this long with no successful delivery.
	UnhealthyAfter time.Duration
	Now            func() time.Time
	// Started is when the daemon started; before the first poll it is
	// healthy for UnhealthyAfter.
	Started time.Time
}

// Sending is the state of outgoing mail, as Sources.Sending reports it.
type Sending struct {
	OldestPending time.Time // when the longest-waiting pending mail was queued; zero: none waits
	LastDelivery  time.Time // the last mail the server accepted; zero: none since the start
	LastError     string    // the last delivery error, "" when the last attempt succeeded
}

// Handler serves /healthz and /metrics.
func Handler(src Sources) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := src.Check(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !h.Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		g := Gauges{}
		g.Outbox, _ = src.outbox(r.Context())
		if src.Sending != nil {
			if snd, err := src.Sending(r.Context()); err == nil && !snd.OldestPending.IsZero() {
				g.OldestPending = max(src.Now().Sub(snd.OldestPending), 0)
			}
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		src.Metrics.WriteProm(w, g)
	})
	return mux
}

func (src Sources) outbox(ctx context.Context) (map[string]int, error) {
	if src.Outbox == nil {
		return map[string]int{}, nil
	}
	return src.Outbox(ctx)
}

// Check is what /healthz answers: every fault in force, plus the mailbox
// not polled and mail not delivered for UnhealthyAfter.
func (src Sources) Check(ctx context.Context) Health {
	now := src.Now()
	h := Health{Healthy: true, Reasons: []Reason{}}
	if src.Faults != nil {
		h.Reasons = append(h.Reasons, src.Faults.Active()...)
	}
	last := src.Metrics.LastPoll()
	if src.IMAP != nil {
		var polled time.Time
		h.IMAPConnected, h.IMAPError, polled = src.IMAP()
		if polled.After(last) {
			last = polled
		}
	}
	var err error
	if h.Outbox, err = src.outbox(ctx); err != nil {
		h.Reasons = append(h.Reasons, Reason{Component: ComponentStore, Since: now, LastError: "read outbox: " + err.Error()})
	}
	since := src.Started
	if !last.IsZero() {
		h.LastPoll = &last
		since = last
	}
	// A paused intake polls no more: the pause is the reason, said once,
	// and the mailbox itself is not at fault.
	paused := has(h.Reasons, ComponentIntake)
	if src.UnhealthyAfter > 0 && now.Sub(since) > src.UnhealthyAfter && !paused {
		h.Reasons = append(h.Reasons, Reason{Component: ComponentIMAP, Since: since,
			LastError: "no successful mailbox poll since " + since.UTC().Format(time.RFC3339) + lastErr(h.IMAPError)})
	}
	if src.Sending != nil {
		if snd, err := src.Sending(ctx); err != nil {
			h.Reasons = append(h.Reasons, Reason{Component: ComponentStore, Since: now, LastError: "read outbox: " + err.Error()})
		} else if r, ok := src.sendingReason(now, snd); ok && !has(h.Reasons, ComponentStore) {
			// Mail waits while the store fails because sending pauses: that
			// is the store's fault, said once.
			h.Reasons = append(h.Reasons, r)
		}
	}
	h.Reasons = oneEach(h.Reasons)
	if len(h.Reasons) > 0 {
		h.Healthy = false
		h.Reason = h.Reasons[0].Component + ": " + h.Reasons[0].LastError
	}
	return h
}

func has(rs []Reason, component string) bool {
	for _, r := range rs {
		if r.Component == component {
			return true
		}
	}
	return false
}

// oneEach keeps the first reason of each component: a failing database
// read by two sources is one fault.
func oneEach(rs []Reason) []Reason {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.Component] {
			seen[r.Component] = true
			out = append(out, r)
		}
	}
	return out
}

// sendingReason is the SMTP fault: mail has waited UnhealthyAfter with no
// delivery. It runs from the latest of the oldest pending mail's queueing,
// the last delivery and the start: a fresh daemon gets UnhealthyAfter to
// deliver an old backlog.
func (src Sources) sendingReason(now time.Time, snd Sending) (Reason, bool) {
	if snd.OldestPending.IsZero() || src.UnhealthyAfter <= 0 {
		return Reason{}, false
	}
	if snd.LastError == "" && !snd.LastDelivery.IsZero() {
		// The server took the last mail tried: what waits waits for its
		// retry time or a cap, not for a server that fails. Counting it
		// made the fault clear and return with every retry after an outage.
		return Reason{}, false
	}
	since := snd.OldestPending
	for _, t := range []time.Time{snd.LastDelivery, src.Started} {
		if t.After(since) {
			since = t
		}
	}
	if now.Sub(since) <= src.UnhealthyAfter {
		return Reason{}, false
	}
	text := "mail waiting since " + snd.OldestPending.UTC().Format(time.RFC3339) + ", no delivery since " + since.UTC().Format(time.RFC3339)
	return Reason{Component: ComponentSMTP, Since: since, LastError: text + lastErr(snd.LastError)}, true
}

// Timeouts of the HTTP server. An idle keep-alive connection is closed
// after serverIdle; a client that sends or reads slowly is cut off.
const (
	serverReadHeader = 5 * time.Second
	serverRead       = 10 * time.Second
	serverWrite      = 30 * time.Second
	serverIdle       = time.Minute
)

// newServer is the HTTP server of Serve.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: serverReadHeader, ReadTimeout: serverRead,
		WriteTimeout: serverWrite, IdleTimeout: serverIdle}
}

// Serve listens on addr until ctx ends. It refuses non-loopback addresses:
// the endpoint has no authentication.
func Serve(ctx context.Context, addr string, h http.Handler) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("http listen address must be on loopback: " + addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, newServer(h))
}

// serve runs srv on ln until ctx ends.
func serve(ctx context.Context, ln net.Listener, srv *http.Server) error {
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func lastErr(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
