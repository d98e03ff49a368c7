package mailbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
)

// AppendSent stores a copy of a mail we sent in folder (the office's Sent
// folder), flagged \Seen, creating the folder when it is missing. It opens
// its own short connection: the watcher's connection is busy idling.
func AppendSent(ctx context.Context, cfg Config, folder string, raw []byte, sentAt time.Time) error {
	if folder == "" {
		return errors.New("append: no folder")
	}
	cfg = cfg.WithDefaults()
	s, err := dialSession(ctx, cfg, cfg.Logger, nil)
	if err != nil {
		return err
	}
	defer s.close(true)
	appendOnce := func() error {
		return s.do("append", cfg.CommandTimeout, func() error {
			cmd := s.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: sentAt})
			if _, err := cmd.Write(raw); err != nil {
				cmd.Close()
				return err
			}
			if err := cmd.Close(); err != nil {
				return err
			}
			_, err := cmd.Wait()
			return err
		})
	}
	err = appendOnce()
	if err == nil {
		return nil
	}
	// The usual failure is a folder that does not exist yet ([TRYCREATE]).
	if cerr := s.do("create", cfg.CommandTimeout, func() error { return s.c.Create(folder, nil).Wait() }); cerr != nil {
		return fmt.Errorf("append to %s: %w (create: %v)", folder, err, cerr)
	}
	return appendOnce()
}
