// Package ingest takes mail out of the office mailbox over IMAP and walks
// MIME into attachments. The Watcher keeps one IMAP session alive (IDLE or
// polling, a watchdog on every command, reconnect with backoff), hands each
// new message to a Handler and marks it done on the server only after the
// Handler reports it durably stored; Parse turns the raw message into the
// attachments that validate reads.
package ingest
