// Package store keeps kaohe's state: a SQLite database (messages, submissions,
// scores, findings, the 推荐表's proposals, the outbox, reviews, cursors)
// and a content-addressed
// archive of the raw mail, both under one data directory guarded by a lock
// file. Every write is one immediate transaction in WAL mode, so a result and
// its outgoing replies are committed together or not at all, with
// synchronous=FULL but for a message's first record, which the next synced
// commit makes durable.
//
// One data directory holds every year's campaign, each a season
// (Options.Season): a message belongs to the season the store was opened
// for when it was recorded, and submissions, proposals, versions, reviews,
// vetoes, reminders and assignments are read and written per season. The outbox,
// the archive and the dedup of incoming mail are shared by all seasons.
package store
