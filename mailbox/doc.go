// Package mailbox takes mail out of the office mailbox over IMAP. The Watcher
// keeps one IMAP session alive (IDLE or polling, a watchdog on every command,
// reconnect with backoff) and marks a message done on the server only after
// its Handler has stored it durably.
package mailbox
