package campaign

import (
	"context"
	"math"
	"strconv"
)

// NoticesPending reports whether a recorded message has something staff
// have not been told yet (a late form, an unknown sender, an unreadable
// file…). `kaohe rebuild` asks it before re-creating records.
func (c *Campaign) NoticesPending(ctx context.Context) (bool, error) {
	evs, _, _, err := c.events(ctx, c.intState(ctx, stateNoticeCursor), math.MaxInt64)
	return len(evs) > 0, err
}

// SkipNotices moves the staff-notice cursor to through: the message rows
// up to it are not reported again. `kaohe rebuild` calls it, when nothing
// was pending before, for the records it re-created: staff heard of those
// messages when they first arrived.
func (c *Campaign) SkipNotices(ctx context.Context, through int64) error {
	if c.intState(ctx, stateNoticeCursor) >= through {
		return nil
	}
	return c.store.SetState(ctx, stateNoticeCursor, strconv.FormatInt(through, 10))
}
