package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/validate"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openTest opens a store in dir (a new temp dir when ""), and on cleanup
// checks the database's integrity and closes it.
func openTest(t testing.TB, dir string, clk *clock) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if clk == nil {
		clk = newClock()
	}
	s, err := Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if s.r == nil {
			return // closed by the test
		}
		if err := s.Check(context.Background()); err != nil {
			t.Errorf("integrity: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// rawMail builds a small RFC 5322 message; n varies its body.
func rawMail(msgID string, n int) []byte {
	return []byte(fmt.Sprintf("Message-ID: %s\r\nFrom: a@example.com\r\nSubject: 考核表\r\n\r\nbody %d\r\n", msgID, n))
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// record archives and records a mail received at recv and fails the test on error.
func record(t testing.TB, s *Store, msgID string, n int, uid uint32, recv time.Time) Message {
	t.Helper()
	raw := rawMail(msgID, n)
	hash, err := s.Archive(raw)
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	m, dup, err := s.RecordMessage(context.Background(), Message{
		MessageID: msgID, Hash: hash, Mailbox: "INBOX", UIDValidity: 7, UID: uid,
		Sender: "a@example.com", SenderName: "朝阳区代办处", Subject: "考核表", ReceivedAt: recv, Size: int64(len(raw)),
	})
	if err != nil {
		t.Fatalf("RecordMessage: %v", err)
	}
	if dup {
		t.Fatalf("RecordMessage %s: unexpected dup", msgID)
	}
	return m
}

// report builds a report with 30 indicators and a few findings.
func report(unit string, status assess.Status, total float64) *assess.Report {
	rep := &assess.Report{
		File: unit + ".xlsx", Form: "2021", Unit: unit, AgencyType: scoring.District, Status: status,
		Fields:    map[string]any{"unit": unit, "members": 120.0, "filler_sign": true},
		SelfTotal: total, VerifiedTotal: total - 2,
	}
	if status == assess.StatusUnreadable {
		rep.Findings = []validate.Finding{validate.NewFinding(validate.CodeUnreadableFile, "文件无法打开，请另存为 .xlsx 后重新发送。")}
		return rep
	}
	for i := range 30 {
		self := float64(i % 5)
		rep.Indicators = append(rep.Indicators, assess.IndicatorResult{
			ID: fmt.Sprintf("%d.%d", i/8+1, i%8+1), Section: fmt.Sprint(i/8 + 1), Cell: fmt.Sprintf("E%d", 10+i),
			Self: &self, Verified: self, Cap: 5,
		})
	}
	rep.Sections = []assess.SectionResult{{ID: "1", Name: "组织建设", Self: 20, Verified: 18, Cap: 30}}
	if status == assess.StatusNeedsFix {
		f := validate.NewFinding(validate.CodeScoreAboveCap, "自评分超过标准分，请改为不超过 5 分。")
		f.Cell, f.Indicator, f.Sheet = "E12", "1.3", "考核表"
		rep.Findings = append(rep.Findings, f)
	}
	w := validate.NewFinding(validate.CodeTotalMismatch, "总分与各项之和不一致。")
	w.Cell = "E40"
	rep.Findings = append(rep.Findings, w)
	return rep
}

// reply builds an outgoing reply for message m.
func reply(m Message, suffix string) OutgoingMail {
	id := fmt.Sprintf("<reply.%s%s@kaohe.test>", m.Hash[:12], suffix)
	return OutgoingMail{MessageID: id, Kind: KindReply, To: m.Sender, Raw: []byte("Message-ID: " + id + "\r\n\r\n回执\r\n")}
}

// count returns the number of rows of table.
func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
