// Package store keeps kaohe's state: a SQLite database (messages, submissions,
// scores, findings, the outbox, reviews, cursors) and a content-addressed
// archive of the raw mail, both under one data directory guarded by a lock
// file. Every write is one immediate transaction in WAL mode, so a result and
// its outgoing replies are committed together or not at all, with
// synchronous=FULL but for a message's first record, which the next synced
// commit makes durable.
package store
