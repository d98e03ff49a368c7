// Package ingest takes mail out of the office mailbox over IMAP and walks
// MIME into attachments. The Watcher keeps one IMAP session alive (IDLE or
// polling, a watchdog on every command, reconnect with backoff) and marks a
// message done on the server only after its Handler has stored it durably.
// Parse turns a raw message into the attachments that validate reads.
package ingest
