package pipeline

import (
	"testing"
	"time"
)

func TestReceivedTime(t *testing.T) {
	t.Parallel()
	noted := time.Date(2021, 12, 20, 2, 0, 0, 0, time.UTC)
	file := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const body = "Subject: x\r\n\r\nhi\r\n"
	for _, tc := range []struct {
		name  string
		raw   string
		noted time.Time
		want  time.Time
		src   TimeSource
	}{
		{"noted wins", "Received: from a by b; Tue, 21 Dec 2021 10:00:00 +0800\r\n" + body, noted, noted, FromReceivedLog},
		{"topmost received", "Received: from mx by imap.example.org;\r\n Mon, 3 Jan 2022 23:59:58 +0800\r\nReceived: from c by mx; Mon, 3 Jan 2022 23:50:00 +0800\r\nDate: Sun, 2 Jan 2022 08:00:00 +0800\r\n" + body,
			time.Time{}, time.Date(2022, 1, 3, 15, 59, 58, 0, time.UTC), FromReceived},
		{"date when received has none", "Received: from a by b\r\nDate: Sun, 2 Jan 2022 08:00:00 +0800\r\n" + body,
			time.Time{}, time.Date(2022, 1, 2, 0, 0, 0, 0, time.UTC), FromDate},
		{"file time last", body, time.Time{}, file, FromFile},
		{"not a mail", "\x00\x01garbage", time.Time{}, file, FromFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, src := receivedTime([]byte(tc.raw), tc.noted, file)
			if !got.Equal(tc.want) || src != tc.src {
				t.Errorf("receivedTime = %v (%s), want %v (%s)", got, src, tc.want, tc.src)
			}
		})
	}
}
