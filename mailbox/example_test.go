package mailbox_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"kaohe/mailbox"
)

// mapCursor is a stand-in for the SQLite cursor of the store package.
type mapCursor struct {
	mu sync.Mutex
	m  map[string]uint32
}

func (c *mapCursor) LastUID(mailbox string, uv uint32) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[fmt.Sprint(mailbox, "/", uv)], nil
}

func (c *mapCursor) SetLastUID(mailbox string, uv uint32, uid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[fmt.Sprint(mailbox, "/", uv)] = uid
	return nil
}

// Watch the office mailbox until SIGINT: every new message goes to the
// handler, which must store it durably before returning nil.
func ExampleWatcher_Run() {
	cfg := mailbox.Config{
		Addr: "imap.163.com:993", TLS: mailbox.TLSImplicit,
		User: "zzjgb@163.com", Password: os.Getenv("KAOHE_IMAP_PASSWORD"),
		Done:   "已处理",
		Logger: zerolog.New(os.Stderr).With().Timestamp().Logger(),
	}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	handle := func(ctx context.Context, m mailbox.Fetched) error {
		if m.TooLarge() {
			fmt.Printf("UID %d: %d bytes, too large; reply and record\n", m.UID, m.Size)
			return nil
		}
		fmt.Printf("UID %d: %d bytes received %s\n", m.UID, len(m.Raw), m.InternalDate.Format(time.RFC3339))
		return nil // only after a durable commit
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	w := mailbox.NewWatcher(cfg, &mapCursor{m: map[string]uint32{}}, handle)
	go func() { // what /healthz would report
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				st := w.Status()
				fmt.Println("connected:", st.Connected, "last poll:", st.LastPoll, "error:", st.LastError)
			}
		}
	}()
	_ = w.Run(ctx) // returns ctx.Err() after SIGINT
}
