package monitor

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHealthReasons: each fault makes /healthz unhealthy with its own
// reason, and mail that waits too long with no delivery is one.
func TestHealthReasons(t *testing.T) {
	t.Parallel()
	now := time.Date(2022, 1, 3, 10, 0, 0, 0, time.UTC)
	base := func() Sources {
		m := &Metrics{}
		m.Poll(now.Add(-time.Minute), time.Millisecond)
		return Sources{Metrics: m, UnhealthyAfter: 15 * time.Minute, Now: func() time.Time { return now },
			Started: now.Add(-2 * time.Hour), Faults: &Faults{Now: func() time.Time { return now.Add(-time.Minute) }}}
	}
	sending := func(s Sending) func(context.Context) (Sending, error) {
		return func(context.Context) (Sending, error) { return s, nil }
	}
	for _, tc := range []struct {
		name  string
		setup func(*Sources)
		want  []string // components, in order; none: healthy
	}{
		{"all well", func(*Sources) {}, nil},
		{"nothing waits", func(s *Sources) { s.Sending = sending(Sending{LastDelivery: now.Add(-time.Hour)}) }, nil},
		{"mail waits, delivered lately", func(s *Sources) {
			s.Sending = sending(Sending{OldestPending: now.Add(-time.Hour), LastDelivery: now.Add(-time.Minute)})
		}, nil},
		{"mail waits for its retry, the last attempt delivered", func(s *Sources) {
			s.Sending = sending(Sending{OldestPending: now.Add(-time.Hour), LastDelivery: now.Add(-20 * time.Minute)})
		}, nil},
		{"mail waits shorter than the limit", func(s *Sources) {
			s.Sending = sending(Sending{OldestPending: now.Add(-10 * time.Minute)})
		}, nil},
		{"mail waits with no delivery", func(s *Sources) {
			s.Sending = sending(Sending{OldestPending: now.Add(-time.Hour), LastDelivery: now.Add(-50 * time.Minute), LastError: "451 try later"})
		}, []string{ComponentSMTP}},
		{"a fresh start gets time for an old backlog", func(s *Sources) {
			s.Started = now.Add(-time.Minute)
			s.Sending = sending(Sending{OldestPending: now.Add(-24 * time.Hour)})
		}, nil},
		{"store and intake", func(s *Sources) {
			s.Faults.Set(ComponentStore, errors.New("database or disk is full"))
			s.Faults.Set(ComponentIntake, errors.New("paused"))
			s.Outbox = func(context.Context) (map[string]int, error) { return nil, errors.New("disk I/O error") }
		}, []string{ComponentIntake, ComponentStore}},
		{"mail waits while the store fails: the store's fault alone", func(s *Sources) {
			s.Faults.Set(ComponentStore, errors.New("database or disk is full"))
			s.Sending = sending(Sending{OldestPending: now.Add(-time.Hour), LastDelivery: now.Add(-50 * time.Minute)})
		}, []string{ComponentStore}},
		{"staff mail", func(s *Sources) { s.Faults.Set(ComponentStaffMail, errors.New("to: invalid address")) }, []string{ComponentStaffMail}},
		{"mailbox not polled", func(s *Sources) { s.Metrics = &Metrics{} }, []string{ComponentIMAP}},
		// A paused intake does not poll: the mailbox is fine, and a second
		// reason would send staff a notice that it cannot be reached.
		{"mailbox not polled while intake is paused", func(s *Sources) {
			s.Metrics = &Metrics{}
			s.Faults.Set(ComponentStore, errors.New("database or disk is full"))
			s.Faults.Set(ComponentIntake, errors.New("paused"))
		}, []string{ComponentIntake, ComponentStore}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := base()
			tc.setup(&src)
			h := src.Check(context.Background())
			var got []string
			for _, r := range h.Reasons {
				got = append(got, r.Component)
				if r.LastError == "" || r.Since.IsZero() {
					t.Errorf("reason without error or time: %+v", r)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || h.Healthy != (len(tc.want) == 0) {
				t.Errorf("reasons %v (healthy %v); want %v", got, h.Healthy, tc.want)
			}
			if len(tc.want) == 1 && tc.want[0] == ComponentSMTP {
				r := h.Reasons[0]
				if !r.Since.Equal(now.Add(-50*time.Minute)) || !strings.Contains(r.LastError, "451 try later") {
					t.Errorf("smtp reason %+v: want since the last delivery, with the last error", r)
				}
			}
		})
	}
}

func TestNewMetrics(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	m.Deferred()
	m.Deferred()
	m.HandlerFailure("system")
	m.Quarantined()
	m.SetIntakePaused(true)
	var b strings.Builder
	m.WriteProm(&b, Gauges{Outbox: map[string]int{"pending": 2}, OldestPending: 90 * time.Second})
	for _, want := range []string{
		"kaohe_mail_deferred_total 2",
		`kaohe_handler_failures_total{cause="message"} 0`,
		`kaohe_handler_failures_total{cause="system"} 1`,
		"kaohe_quarantined_total 1",
		"kaohe_intake_paused 1",
		"kaohe_outbox_oldest_pending_seconds 90",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
	m.SetIntakePaused(false)
	b.Reset()
	m.WriteProm(&b, Gauges{})
	if !strings.Contains(b.String(), "kaohe_intake_paused 0\n") || !strings.Contains(b.String(), "kaohe_outbox_oldest_pending_seconds 0\n") {
		t.Errorf("after resuming:\n%s", b.String())
	}
}

// TestServeClosesIdleConnections: a keep-alive connection left idle is
// closed by the server, and a client that never finishes its request is
// cut off; the production server has every timeout set.
func TestServeClosesIdleConnections(t *testing.T) {
	t.Parallel()
	prod := newServer(http.NotFoundHandler())
	if prod.ReadHeaderTimeout <= 0 || prod.ReadTimeout <= 0 || prod.WriteTimeout <= 0 || prod.IdleTimeout <= 0 {
		t.Fatalf("a timeout is unset: %+v", prod)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.IdleTimeout, srv.ReadHeaderTimeout, srv.ReadTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, srv) }()
	t.Cleanup(func() { cancel(); <-done })

	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		return err == nil // EOF: the server closed it; a deadline error: still open
	}
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("keep-alive request: %v, %+v", err, resp)
	}
	start := time.Now()
	if !closedWithin(idle, 3*time.Second) {
		t.Error("idle keep-alive connection still open after 3 s")
	} else if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}

	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // never ends its header
	if !closedWithin(slow, 3*time.Second) {
		t.Error("a request that never ends stays open")
	}
}
