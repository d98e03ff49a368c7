package store

import (
	"bytes"
	"context"
	"fmt"
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
