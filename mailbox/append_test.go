package mailbox

import (
	"context"
	"testing"
	"time"
)

func TestAppendSentCreatesFolderAndStoresCopy(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsFull)
	cfg := testConfig(ts.addr, testLogger(t))
	raw := testMessage(1, 10)
	at := time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ { // the second append finds the folder
		if err := AppendSent(context.Background(), cfg, "已发送", raw, at); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	box := readMailbox(t, ts.addr, "已发送")
	if len(box.uids) != 2 {
		t.Fatalf("Sent folder holds %d messages, want 2", len(box.uids))
	}
}
