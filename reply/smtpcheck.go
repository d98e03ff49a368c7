package reply

import (
	"context"
	"errors"
)

// errCheckOnly stops a session after login: CheckSMTP sends nothing.
var errCheckOnly = errors.New("check only")

// CheckSMTP connects, secures and logs in as a delivery would, then quits
// without sending, for `serve --check-config`. The error is a *SendError.
func CheckSMTP(ctx context.Context, cfg SMTPConfig) error {
	err := send(ctx, cfg, "", []string{checkOnlyRecipient}, nil)
	if errors.Is(err, errCheckOnly) {
		return nil
	}
	if err == nil {
		return errors.New("smtp check unexpectedly sent a mail")
	}
	return classify(err)
}

// checkOnlyRecipient marks a session that must stop before MAIL FROM.
const checkOnlyRecipient = "\x00check-only"
