package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthAndMetrics(t *testing.T) {
	now := time.Date(2022, 1, 3, 10, 0, 0, 0, time.UTC)
	m := &Metrics{}
	src := Sources{
		Metrics:        m,
		IMAP:           func() (bool, string, time.Time) { return true, "", time.Time{} },
		Outbox:         func(context.Context) (map[string]int, error) { return map[string]int{"pending": 3, "sent": 40}, nil },
		UnhealthyAfter: 15 * time.Minute,
		Now:            func() time.Time { return now },
		Started:        now.Add(-time.Hour),
	}
	srv := httptest.NewServer(Handler(src))
	defer srv.Close()

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Started an hour ago and never polled: unhealthy.
	code, body := get("/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "no successful mailbox poll") {
		t.Errorf("before any poll: %d %s", code, body)
	}
	m.Poll(now.Add(-time.Minute), 120*time.Millisecond)
	m.Message("processed")
	m.Message("processed")
	m.Message("automated")
	m.ReplySent()
	code, body = get("/healthz")
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK || !h.Healthy || !h.IMAPConnected || h.Outbox["pending"] != 3 {
		t.Errorf("after a poll: %d %+v", code, h)
	}
	code, body = get("/metrics")
	for _, want := range []string{
		`kaohe_messages_total{outcome="processed"} 2`,
		`kaohe_messages_total{outcome="automated"} 1`,
		"kaohe_mail_sent_total 1",
		"kaohe_poll_duration_seconds_count 1",
		`kaohe_outbox{state="pending"} 3`,
		"kaohe_panics_recovered_total 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if code != http.StatusOK {
		t.Errorf("metrics status %d", code)
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	if err := Serve(context.Background(), "0.0.0.0:0", http.NotFoundHandler()); err == nil {
		t.Error("listening on all interfaces was allowed")
	}
}
