package reply

import "context"

// CheckSMTP connects, secures and logs in as a delivery would, then quits
// without sending, for `serve --check-config`. The error is a *SendError.
func CheckSMTP(ctx context.Context, cfg SMTPConfig) error {
	c, done, err := login(ctx, cfg)
	if err != nil {
		return classify(err)
	}
	defer done()
	_ = c.Quit()
	return nil
}
