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
	// UnhealthyAfter: unhealthy when no poll succeeded for this long.
	UnhealthyAfter time.Duration
	Now            func() time.Time
	// Started is when the daemon started; before the first poll it is
	// healthy for UnhealthyAfter.
	Started time.Time
}

// Handler serves /healthz and /metrics.
func Handler(src Sources) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := src.health(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !h.Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		outbox, _ := src.outbox(r.Context())
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		src.Metrics.WriteProm(w, outbox)
	})
	return mux
}

func (src Sources) outbox(ctx context.Context) (map[string]int, error) {
	if src.Outbox == nil {
		return map[string]int{}, nil
	}
	return src.Outbox(ctx)
}

func (src Sources) health(ctx context.Context) Health {
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
	if src.UnhealthyAfter > 0 && now.Sub(since) > src.UnhealthyAfter {
		h.Reasons = append(h.Reasons, Reason{Component: ComponentIMAP, Since: since,
			LastError: "no successful mailbox poll since " + since.UTC().Format(time.RFC3339) + lastErr(h.IMAPError)})
	}
	if len(h.Reasons) > 0 {
		h.Healthy = false
		h.Reason = h.Reasons[0].Component + ": " + h.Reasons[0].LastError
	}
	return h
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
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
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
