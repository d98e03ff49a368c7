package store

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSendRecords measures the store's writes for one delivered mail:
// schema 1's single record (the 40 KB row rewritten), against schema 2's
// claim and record (two commits of a small row). synchronous=FULL.
// Measured (-benchtime=300x, two runs): schema 1 0.47–0.71 ms, schema 2
// 0.35–0.67 ms: claiming first costs nothing over the old single record.
func BenchmarkSendRecords(b *testing.B) {
	for _, version := range []int{1, len(migrations)} {
		b.Run(fmt.Sprintf("schema=%d", version), func(b *testing.B) {
			db, _ := sentHistory(b, version, 0)
			db.Exec("PRAGMA synchronous=FULL")
			raw := append([]byte("Subject: 回执\r\n\r\n"), benchBody...)
			for i := 0; i < b.N; i++ {
				if _, err := db.Exec(`INSERT INTO outbox (message_id, kind, to_addr, raw, next_attempt, created_at) VALUES (?,?,?,?,0,0)`,
					fmt.Sprintf("<b%d@x>", i), KindReply, "a@x.test", raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := i + 1
				now := ms(time.Now())
				if version == 1 {
					if _, err := db.Exec("UPDATE outbox SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?", StateSent, now, id); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := db.Exec("UPDATE outbox SET attempts = attempts + 1, next_attempt = ? WHERE id = ? AND state = ?", now+60000, id, StatePending); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Exec("UPDATE outbox SET state = ?, sent_at = ?, last_error = '' WHERE id = ?", StateSent, now, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
