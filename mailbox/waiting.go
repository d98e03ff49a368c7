package mailbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Waiting returns the sha256 (hex, as the archive names files) of every
// message still waiting in the watched mailbox: present and without the
// done keyword. `kaohe rebuild` uses it to leave such mail to the daemon,
// which will process and answer it, instead of recording it as answered.
// It examines the mailbox read-only and changes nothing on the server.
// Messages above MaxMessageSize are skipped: the archive never holds them.
func Waiting(ctx context.Context, cfg Config) (map[string]bool, error) {
	s, cfg, err := errandSession(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.close(true)
	if err := s.selectMailbox(true); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	if s.sel.NumMessages == 0 {
		return out, nil
	}
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	opts := &imap.FetchOptions{Flags: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
	// A generous 1 MiB a message for the deadline: a season is a few
	// thousand mails of about 50 KB.
	err = s.do("fetch waiting", bodyDeadline(cfg.CommandTimeout, int64(s.sel.NumMessages)<<20), func() error {
		cmd := s.c.Fetch(all, opts)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var flags []imap.Flag
			var sum string
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataFlags:
					flags = it.Flags
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil || it.Literal.Size() > cfg.MaxMessageSize {
						continue
					}
					h := sha256.New()
					if _, err := io.Copy(h, it.Literal); err != nil {
						return fmt.Errorf("read body: %w", err)
					}
					sum = hex.EncodeToString(h.Sum(nil))
				}
			}
			if sum != "" && !hasFlag(flags, imap.Flag(cfg.DoneKeyword)) {
				out[sum] = true
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
