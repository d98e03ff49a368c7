package mailbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// Waiting names by hash the mail still to be processed: present and
// without the done keyword; too large mail is left out. It changes
// nothing on the server.
func TestWaiting(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t, capsBare)
	appendMessages(t, ts.addr, "INBOX", 1, 3, 0)
	appendMessages(t, ts.addr, "INBOX", 4, 4, 2<<20) // above MaxMessageSize
	c := mailClient(t, ts.addr)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	// Message 2 was processed on a server without MOVE: it stays, marked.
	if err := c.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{DefaultDoneKeyword}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	before := readMailbox(t, ts.addr, "INBOX")

	got, err := Waiting(context.Background(), testConfig(ts.addr, testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	hash := func(n int) string {
		sum := sha256.Sum256(testMessage(n, 0))
		return hex.EncodeToString(sum[:])
	}
	if len(got) != 2 || !got[hash(1)] || !got[hash(3)] {
		t.Errorf("Waiting = %v, want the hashes of messages 1 and 3", got)
	}
	after := readMailbox(t, ts.addr, "INBOX")
	if len(after.uids) != len(before.uids) {
		t.Errorf("mailbox changed: %d messages, then %d", len(before.uids), len(after.uids))
	}
	for uid, fl := range after.flags {
		if len(fl) != len(before.flags[uid]) {
			t.Errorf("flags of UID %d changed: %v → %v", uid, before.flags[uid], fl)
		}
	}
}
