package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"kaohe/assess"
)

// benchBody pads test mail to a realistic 40 KB (a base64 workbook).
var benchBody = bytes.Repeat([]byte("回执正文和附件 base64 "), 1500)

// benchResult is a typical result: a 30-indicator report, a second
// attachment and a 40 KB reply.
func benchResult(m Message, i int, raw []byte) Result {
	out := reply(m, "")
	out.Raw = raw
	return Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: fmt.Sprintf("代办处%03d", i%100), OnTime: true,
		Attachments: []AttachmentResult{
			{Filename: "考核表.xlsx", Kind: "xlsx", Size: 9000, Hash: m.Hash, Report: report("朝阳区代办处", assess.StatusNeedsFix, 100)},
			{Filename: "说明.pdf", Kind: "pdf", Size: 100, Hash: m.Hash},
		},
		Outbox: []OutgoingMail{out}}
}

func benchRecord(b *testing.B, s *Store, i int, archive bool) (Message, []byte) {
	id := fmt.Sprintf("<m%d@agency>", i)
	raw := append(rawMail(id, i), benchBody...)
	hash := hashOf(raw)
	if archive {
		var err error
		if hash, err = s.Archive(raw); err != nil {
			b.Fatal(err)
		}
	}
	m, _, err := s.RecordMessage(context.Background(), Message{MessageID: id, Hash: hash, Mailbox: "INBOX", UIDValidity: 1,
		UID: uint32(i + 1), Sender: "a@example.com", ReceivedAt: campaign, Size: int64(len(raw))})
	if err != nil {
		b.Fatal(err)
	}
	return m, raw
}

// openBench opens a store with the given synchronous mode.
func openBench(b *testing.B, sync string) *Store {
	clk := newClock()
	s, err := Open(b.TempDir(), Options{Now: clk.Now, synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkSaveResult measures SaveResult alone (one commit per result)
// with synchronous=FULL, the store's setting, and with NORMAL and OFF for
// comparison. Run with -benchtime=1000x.
func BenchmarkSaveResult(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL", "OFF"} {
		b.Run(sync, func(b *testing.B) { benchSaveResult(b, openBench(b, sync)) })
	}
}

func benchSaveResult(b *testing.B, s *Store) {
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m, raw := benchRecord(b, s, i, false)
		r := benchResult(m, i, raw)
		b.StartTimer()
		start := time.Now()
		if err := s.SaveResult(ctx, r); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(b.N)/total.Seconds(), "results/s")
}

// BenchmarkSaveMessage measures one incoming message's writes:
// RecordMessage then SaveResult, each its own commit; "archive+" adds the
// durable archive write (file fsync, folder fsync, and the fsyncs of new
// shard folders: in a fresh archive nearly every message creates one).
func BenchmarkSaveMessage(b *testing.B) {
	for _, archive := range []bool{false, true} {
		name := "record+save"
		if archive {
			name = "archive+record+save"
		}
		b.Run(name, func(b *testing.B) {
			s := openBench(b, "FULL")
			ctx := context.Background()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				m, raw := benchRecord(b, s, i, archive)
				if err := s.SaveResult(ctx, benchResult(m, i, raw)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkArchive measures Archive of a 40 KB mail in a fresh archive.
func BenchmarkArchive(b *testing.B) {
	s := openTest(b, "", nil)
	for i := 0; i < b.N; i++ {
		if _, err := s.Archive(append(rawMail("<a@x>", i), benchBody...)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendCounts measures the two counts the sender makes before every
// send (the daily cap and the recipient's hourly cap) over an outbox
// holding seasons of sent 40 KB mail, about a hundred of it in the last
// day, under this version's schema and under the first one, where each
// count read every sent mail's overflow pages. Measured (-benchtime=200x,
// two runs): schema 2 21–27 µs at 500 rows and 21 µs at 4,000; schema 1
// 9–10 ms and 55–87 ms.
func BenchmarkSendCounts(b *testing.B) {
	for _, rows := range []int{500, 4000} {
		for _, version := range []int{len(migrations), 1} {
			db, now := sentHistory(b, version, rows)
			b.Run(fmt.Sprintf("rows=%d/schema=%d", rows, version), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var day, hour int
					if err := db.QueryRow(qSentAll, StateSent, ms(now.Add(-24*time.Hour))).Scan(&day); err != nil {
						b.Fatal(err)
					}
					if err := db.QueryRow(qSentTo, "agency7@example.org", StateSent, ms(now.Add(-time.Hour))).Scan(&hour); err != nil {
						b.Fatal(err)
					}
					if day != 100 {
						b.Fatalf("%d sent in the last day, want 100", day)
					}
				}
			})
		}
	}
}

// sentHistory is a database at schema version holding n sent 40 KB mails
// spread over 90 days, the last 100 within the last day, and the time "now"
// of that history.
func sentHistory(b *testing.B, version, n int) (*sql.DB, time.Time) {
	db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), DBFile), false, "OFF"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if err := migrate(context.Background(), db, migrations[:version], time.Now(), 0); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2024, 1, 5, 12, 0, 0, 0, time.UTC)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	raw := append([]byte("Subject: 回执\r\n\r\n"), benchBody...)
	for i := 0; i < n; i++ {
		at := now.Add(-90*24*time.Hour + time.Duration(i)*(89*24*time.Hour/time.Duration(n)))
		if i >= n-100 {
			at = now.Add(-time.Duration(n-i) * 10 * time.Minute)
		}
		if _, err := tx.Exec(`INSERT INTO outbox (message_id, kind, to_addr, raw, state, attempts, next_attempt, created_at, sent_at)
			VALUES (?,?,?,?,?,1,?,?,?)`, fmt.Sprintf("<h%d@kaohe>", i), KindReply, fmt.Sprintf("agency%d@example.org", i%100),
			raw, StateSent, ms(at), ms(at), ms(at)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db, now
}
