package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/internal/cputime"
)

// BenchmarkSeasonHistory measures the store's work for one message, as the
// pipeline and the sender do it (record with its dedup lookup, the reply
// cap's count, the result with its version lookup and 40–60 KB receipt, the
// sender's three counts, the due query, claim and record of the send,
// synchronous=FULL), in a new season of a data folder that already holds
// three seasons of history (10,000 messages with their forms and 10,000
// sent receipts), against the same in an empty one. It reports CPU per
// message (internal/cputime) besides the wall time. Run with
// -benchtime=300x; building the history takes a minute.
func BenchmarkSeasonHistory(b *testing.B) {
	history := b.TempDir()
	buildHistory(b, history, []int{2021, 2022, 2023}, 10000)
	for _, tc := range []struct{ name, dir string }{{"empty", b.TempDir()}, {"3seasons", history}} {
		seq := 0 // messages so far: the benchmark runs once with b.N = 1 first
		b.Run(tc.name, func(b *testing.B) {
			clk := &clock{t: time.Date(2024, 12, 20, 2, 0, 0, 0, time.UTC)}
			s, err := Open(tc.dir, Options{Season: 2024, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			perMessage(b, s, clk, &seq)
		})
	}
}

// seasonBody is a receipt of 40–60 KB, i varying its size.
func seasonBody(i int) []byte {
	return append([]byte(fmt.Sprintf("Subject: 回执 %d\r\n\r\n", i)), bytes.Repeat([]byte("回执正文和批注表 base64 "), 1300+i%700)...)
}

// perMessage runs b.N messages through the store as the daemon does and
// reports msgs/s and CPU per message.
func perMessage(b *testing.B, s *Store, clk *clock, seq *int) {
	ctx := context.Background()
	b.ResetTimer()
	cpu0, start := cputime.Self(), time.Now()
	for i := 0; i < b.N; i++ {
		clk.Add(10 * time.Second)
		now := clk.Now()
		*seq++
		n := 1_000_000*s.Season() + *seq
		id := fmt.Sprintf("<m%d@agency>", n)
		m, dup, err := s.RecordMessage(ctx, Message{MessageID: id, Hash: fmt.Sprintf("%064x", n), Mailbox: "INBOX", UIDValidity: 1,
			UID: uint32(i + 1), Sender: fmt.Sprintf("agency%d@example.org", i%100), ReceivedAt: now, Size: 50000})
		if err != nil || dup {
			b.Fatal(dup, err)
		}
		if _, err := s.QueuedCountSince(ctx, m.Sender, now.Add(-time.Hour)); err != nil {
			b.Fatal(err)
		}
		if err := s.SaveResult(ctx, seasonResult(m, i, now)); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SentAllSince(ctx, now.Add(-24*time.Hour)); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SentCountSince(ctx, m.Sender, now.Add(-time.Hour)); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SentKindSince(ctx, KindUnknownReply, now.Add(-24*time.Hour)); err != nil {
			b.Fatal(err)
		}
		due, err := s.DueOutbox(ctx, now, 10)
		if err != nil || len(due) != 1 {
			b.Fatalf("due: %d, %v", len(due), err)
		}
		if ok, err := s.ClaimOutbox(ctx, due[0].ID, now.Add(time.Minute)); err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := s.MarkSent(ctx, due[0].ID, now); err != nil {
			b.Fatal(err)
		}
	}
	cpu, wall := cputime.Self()-cpu0, time.Since(start)
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/msg")
	b.ReportMetric(float64(b.N)/wall.Seconds(), "msgs/s")
}

// seasonResult is a form of one of 100 agencies with its receipt.
func seasonResult(m Message, i int, now time.Time) Result {
	agency := fmt.Sprintf("代办处%03d", i%100)
	out := OutgoingMail{MessageID: "<reply." + m.Hash[48:] + "@kaohe>", Kind: KindReply, To: m.Sender, Raw: seasonBody(i)}
	return Result{MessageID: m.ID, Outcome: OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []AttachmentResult{{Filename: "考核表.xlsx", Kind: "xlsx", Size: 9000, Hash: m.Hash,
			Report: report(agency, assess.StatusNeedsFix, 100)}},
		Outbox:   []OutgoingMail{out},
		ReplyCap: ReplyCap{Max: 20, Since: now.Add(-time.Hour)}}
}

// buildHistory fills dir with n messages spread over seasons, each with its
// form and its receipt sent, a season after the other, without disk syncs.
func buildHistory(b *testing.B, dir string, seasons []int, n int) {
	ctx := context.Background()
	for k, season := range seasons {
		clk := &clock{t: time.Date(season, 12, 1, 2, 0, 0, 0, time.UTC)}
		s, err := Open(dir, Options{Season: season, Now: clk.Now, synchronous: "OFF"})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.OpenSeason(ctx, season, time.Date(season+1, 1, 6, 0, 0, 0, 0, time.UTC), nil); err != nil {
			b.Fatal(err)
		}
		per := n / len(seasons)
		if k == len(seasons)-1 {
			per = n - per*k
		}
		for i := 0; i < per; i++ {
			clk.Add(3 * time.Minute)
			now := clk.Now()
			num := 1_000_000*season + i
			m, _, err := s.RecordMessage(ctx, Message{MessageID: fmt.Sprintf("<m%d@agency>", num), Hash: fmt.Sprintf("%064x", num),
				Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Sender: fmt.Sprintf("agency%d@example.org", i%100), ReceivedAt: now, Size: 50000})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.SaveResult(ctx, seasonResult(m, i, now)); err != nil {
				b.Fatal(err)
			}
			due, err := s.DueOutbox(ctx, now, 1)
			if err != nil || len(due) != 1 {
				b.Fatalf("due: %d, %v", len(due), err)
			}
			if err := s.MarkSent(ctx, due[0].ID, now); err != nil {
				b.Fatal(err)
			}
		}
		if k == len(seasons)-1 {
			if msgs, sent := count(b, s, "messages"), count(b, s, "outbox WHERE state = 'sent'"); msgs != n || sent != n {
				b.Fatalf("history of %d messages and %d sent mails, want %d of each", msgs, sent, n)
			}
		}
		s.Close()
	}
}
