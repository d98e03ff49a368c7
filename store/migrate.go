package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations is the schema history: migrations[i] brings the schema from
// version i to version i+1. Append new entries; never edit an applied one.
// Times are INTEGER Unix milliseconds in UTC (0 = unset).
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	message_id   TEXT    NOT NULL,            -- Message-ID header, "" when absent
	hash         TEXT    NOT NULL,            -- sha256 of the raw mail, hex
	mailbox      TEXT    NOT NULL DEFAULT '',
	uid_validity INTEGER NOT NULL DEFAULT 0,
	uid          INTEGER NOT NULL DEFAULT 0,
	sender       TEXT    NOT NULL DEFAULT '',
	sender_name  TEXT    NOT NULL DEFAULT '',
	subject      TEXT    NOT NULL DEFAULT '',
	received_at  INTEGER NOT NULL DEFAULT 0,  -- IMAP INTERNALDATE
	size         INTEGER NOT NULL DEFAULT 0,
	outcome      TEXT    NOT NULL DEFAULT 'received',
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT    NOT NULL DEFAULT '',
	agency       TEXT    NOT NULL DEFAULT '',
	on_time      INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	done_at      INTEGER NOT NULL DEFAULT 0,  -- set by SaveResult
	UNIQUE (message_id, hash)
);
CREATE INDEX messages_outcome ON messages (outcome);
CREATE INDEX messages_location ON messages (mailbox, uid_validity, uid);

CREATE TABLE attachments (
	id         INTEGER PRIMARY KEY,
	message    INTEGER NOT NULL REFERENCES messages (id),
	idx        INTEGER NOT NULL,               -- order within the message
	filename   TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	size       INTEGER NOT NULL,
	hash       TEXT    NOT NULL,
	note       TEXT    NOT NULL DEFAULT '',
	UNIQUE (message, idx)
);

CREATE TABLE submissions (
	id             INTEGER PRIMARY KEY,
	message        INTEGER NOT NULL REFERENCES messages (id),
	attachment     INTEGER NOT NULL UNIQUE REFERENCES attachments (id),
	agency         TEXT    NOT NULL,          -- roster name, "" when unknown
	version        INTEGER NOT NULL,          -- 1, 2, ... per agency
	unit           TEXT    NOT NULL DEFAULT '',
	agency_type    TEXT    NOT NULL DEFAULT '',
	form           TEXT    NOT NULL DEFAULT '',
	status         TEXT    NOT NULL,
	self_total     REAL    NOT NULL DEFAULT 0,
	verified_total REAL    NOT NULL DEFAULT 0,
	errors         INTEGER NOT NULL DEFAULT 0,
	warnings       INTEGER NOT NULL DEFAULT 0,
	on_time        INTEGER NOT NULL,
	received_at    INTEGER NOT NULL,
	report         TEXT    NOT NULL,          -- assess.Report as JSON
	updated_at     INTEGER NOT NULL,
	UNIQUE (agency, version)
);
CREATE INDEX submissions_message ON submissions (message);

CREATE TABLE submission_history (
	id             INTEGER PRIMARY KEY,
	submission     INTEGER NOT NULL REFERENCES submissions (id),
	status         TEXT    NOT NULL,
	self_total     REAL    NOT NULL,
	verified_total REAL    NOT NULL,
	report         TEXT    NOT NULL,
	replaced_at    INTEGER NOT NULL
);
CREATE INDEX submission_history_submission ON submission_history (submission);

CREATE TABLE scores (
	submission INTEGER NOT NULL REFERENCES submissions (id),
	indicator  TEXT    NOT NULL,
	section    TEXT    NOT NULL,
	self       REAL,                          -- NULL when blank or not a number
	verified   REAL    NOT NULL,
	cap        REAL    NOT NULL,
	PRIMARY KEY (submission, indicator)
) WITHOUT ROWID;

CREATE TABLE findings (
	id         INTEGER PRIMARY KEY,
	submission INTEGER NOT NULL REFERENCES submissions (id),
	code       TEXT    NOT NULL,
	severity   TEXT    NOT NULL,
	sheet      TEXT    NOT NULL,
	cell       TEXT    NOT NULL,
	indicator  TEXT    NOT NULL,
	field      TEXT    NOT NULL,
	message    TEXT    NOT NULL
);
CREATE INDEX findings_submission ON findings (submission);
CREATE INDEX findings_code ON findings (code);

CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	message_id   TEXT    NOT NULL UNIQUE,    -- our Message-ID, deterministic
	kind         TEXT    NOT NULL,
	to_addr      TEXT    NOT NULL COLLATE NOCASE,
	raw          BLOB    NOT NULL,
	related      INTEGER REFERENCES messages (id),
	state        TEXT    NOT NULL DEFAULT 'pending',
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_sent ON outbox (to_addr, sent_at);

CREATE TABLE reviews (
	agency    TEXT NOT NULL,
	indicator TEXT NOT NULL,                 -- "" for a comment on the agency as a whole
	score     REAL,                          -- NULL: no score, comment only
	comment   TEXT NOT NULL DEFAULT '',
	reviewer  TEXT NOT NULL DEFAULT '',
	source    TEXT NOT NULL DEFAULT '',
	at        INTEGER NOT NULL,
	PRIMARY KEY (agency, indicator)
) WITHOUT ROWID;

CREATE TABLE vetoes (
	agency TEXT    PRIMARY KEY,
	veto   INTEGER NOT NULL,
	source TEXT    NOT NULL DEFAULT '',
	at     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE reminders (
	agency  TEXT    NOT NULL,
	day     INTEGER NOT NULL,                -- days before the cut-off
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (agency, day)
) WITHOUT ROWID;

CREATE TABLE imap_cursor (
	mailbox      TEXT    NOT NULL,
	uid_validity INTEGER NOT NULL,
	last_uid     INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (mailbox, uid_validity)
) WITHOUT ROWID;

CREATE TABLE state (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// 2: the outbox's hot rows hold no mail. Each mail's bytes live in
	// outbox_raw, written once; a trigger moves them there from any INSERT
	// INTO outbox, so every insert path stays as it is. Claiming and
	// recording an attempt then rewrite a row of a hundred bytes instead of
	// the whole 40 KB mail (three times the mail into the WAL per receipt,
	// which filled a small disk). The counts the sender makes before every
	// send are answered from indexes alone: with sent_at and state stored
	// after the mail, the daily cap's count read every sent mail's overflow
	// pages (5 ms at 212 rows, 81 ms at 3,392).
	`
CREATE TABLE outbox_raw (
	outbox INTEGER PRIMARY KEY REFERENCES outbox (id),
	data   BLOB    NOT NULL
);
INSERT INTO outbox_raw (outbox, data) SELECT id, raw FROM outbox;
UPDATE outbox SET raw = x'';
CREATE TRIGGER outbox_raw_apart AFTER INSERT ON outbox WHEN length(new.raw) > 0 BEGIN
	INSERT INTO outbox_raw (outbox, data) VALUES (new.id, new.raw);
	UPDATE outbox SET raw = x'' WHERE id = new.id;
END;
DROP INDEX outbox_sent;
CREATE INDEX outbox_sent_at ON outbox (state, sent_at, kind);
CREATE INDEX outbox_to_sent ON outbox (to_addr, state, sent_at);
CREATE INDEX outbox_to_created ON outbox (to_addr, created_at);
CREATE INDEX outbox_state_created ON outbox (state, created_at, kind);
`,
	// 3: staff assign a form from outside the roster (名册外来件) to an
	// agency; the submission is re-filed, this keeps where it came from.
	`
CREATE TABLE assignments (
	submission   INTEGER PRIMARY KEY REFERENCES submissions (id),
	from_agency  TEXT    NOT NULL,            -- the agency it was stored under, "" when held under none
	from_version INTEGER NOT NULL,
	agency       TEXT    NOT NULL,            -- the roster agency it was assigned to
	version      INTEGER NOT NULL,            -- its version under that agency
	assigner     TEXT    NOT NULL DEFAULT '', -- who ran the import
	source       TEXT    NOT NULL DEFAULT '', -- the workbook and cell it came from
	at           INTEGER NOT NULL
);
`,
	// 4: seasons. One data folder holds one campaign a year; each season
	// owns its messages, submissions (versions restart at 1), reviews,
	// vetoes and reminders. Rows already here belong to the season of their
	// forms' year (the year most submissions were checked against), else
	// to the season the store is opened with (migrate_args).
	`
CREATE TABLE seasons (
	year      INTEGER PRIMARY KEY,
	form_year INTEGER NOT NULL,
	cutoff    INTEGER NOT NULL DEFAULT 0,
	roster    TEXT    NOT NULL DEFAULT '',     -- the roster's agencies as they stood, JSON
	opened_at INTEGER NOT NULL
);
CREATE TEMP TABLE legacy_season AS SELECT COALESCE(
	(SELECT CAST(form AS INTEGER) FROM submissions WHERE form GLOB '[12][0-9][0-9][0-9]'
		GROUP BY form ORDER BY COUNT(*) DESC, form DESC LIMIT 1),
	(SELECT season FROM migrate_args), 0) AS year;
INSERT INTO seasons (year, form_year, opened_at)
	SELECT year, year, (SELECT now FROM migrate_args) FROM legacy_season
	WHERE year != 0 AND EXISTS (SELECT 1 FROM messages);

ALTER TABLE messages ADD COLUMN season INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET season = (SELECT year FROM legacy_season);
CREATE INDEX messages_season ON messages (season, id);

CREATE TABLE submissions_new (
	id             INTEGER PRIMARY KEY,
	season         INTEGER NOT NULL,
	message        INTEGER NOT NULL REFERENCES messages (id),
	attachment     INTEGER NOT NULL UNIQUE REFERENCES attachments (id),
	agency         TEXT    NOT NULL,
	version        INTEGER NOT NULL,
	unit           TEXT    NOT NULL DEFAULT '',
	agency_type    TEXT    NOT NULL DEFAULT '',
	form           TEXT    NOT NULL DEFAULT '',
	status         TEXT    NOT NULL,
	self_total     REAL    NOT NULL DEFAULT 0,
	verified_total REAL    NOT NULL DEFAULT 0,
	errors         INTEGER NOT NULL DEFAULT 0,
	warnings       INTEGER NOT NULL DEFAULT 0,
	on_time        INTEGER NOT NULL,
	received_at    INTEGER NOT NULL,
	report         TEXT    NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (season, agency, version)
);
INSERT INTO submissions_new (id, season, message, attachment, agency, version, unit, agency_type, form, status,
	self_total, verified_total, errors, warnings, on_time, received_at, report, updated_at)
	SELECT s.id, m.season, s.message, s.attachment, s.agency, s.version, s.unit, s.agency_type, s.form, s.status,
	s.self_total, s.verified_total, s.errors, s.warnings, s.on_time, s.received_at, s.report, s.updated_at
	FROM submissions s JOIN messages m ON m.id = s.message;
DROP TABLE submissions;
ALTER TABLE submissions_new RENAME TO submissions;
CREATE INDEX submissions_message ON submissions (message);
-- Which submission counts, per agency, is read from this index alone: the
-- rows hold each report's JSON.
CREATE INDEX submissions_current ON submissions (season, agency, status, on_time, received_at, version);

CREATE TABLE reviews_new (
	season    INTEGER NOT NULL,
	agency    TEXT NOT NULL,
	indicator TEXT NOT NULL,
	score     REAL,
	comment   TEXT NOT NULL DEFAULT '',
	reviewer  TEXT NOT NULL DEFAULT '',
	source    TEXT NOT NULL DEFAULT '',
	at        INTEGER NOT NULL,
	PRIMARY KEY (season, agency, indicator)
) WITHOUT ROWID;
INSERT INTO reviews_new SELECT (SELECT year FROM legacy_season), agency, indicator, score, comment, reviewer, source, at FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_new RENAME TO reviews;

CREATE TABLE vetoes_new (
	season INTEGER NOT NULL,
	agency TEXT    NOT NULL,
	veto   INTEGER NOT NULL,
	source TEXT    NOT NULL DEFAULT '',
	at     INTEGER NOT NULL,
	PRIMARY KEY (season, agency)
) WITHOUT ROWID;
INSERT INTO vetoes_new SELECT (SELECT year FROM legacy_season), agency, veto, source, at FROM vetoes;
DROP TABLE vetoes;
ALTER TABLE vetoes_new RENAME TO vetoes;

CREATE TABLE reminders_new (
	season  INTEGER NOT NULL,
	agency  TEXT    NOT NULL,
	day     INTEGER NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (season, agency, day)
) WITHOUT ROWID;
INSERT INTO reminders_new SELECT (SELECT year FROM legacy_season), agency, day, sent_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
DROP TABLE legacy_season;
`,
	// 5: the season's final results: as kaohe computed them ('computed')
	// and as the 主任办公会 approved them (审定, 'approved'). Each kind is
	// replaced whole; result_runs says when and by whom.
	`
CREATE TABLE results (
	season         INTEGER NOT NULL,
	kind           TEXT    NOT NULL,          -- 'computed' or 'approved'
	agency         TEXT    NOT NULL,
	agency_type    TEXT    NOT NULL DEFAULT '',
	state          TEXT    NOT NULL DEFAULT '', -- the 汇总 state it was computed from
	rank           INTEGER NOT NULL DEFAULT 0,  -- within its type; 0 = not ranked
	grade          TEXT    NOT NULL,
	final          REAL    NOT NULL DEFAULT 0,
	scored         INTEGER NOT NULL DEFAULT 0,
	self_total     REAL    NOT NULL DEFAULT 0,
	verified_total REAL    NOT NULL DEFAULT 0,
	quota          INTEGER NOT NULL DEFAULT 0,
	quota_exact    REAL    NOT NULL DEFAULT 0,
	submitted_at   INTEGER NOT NULL DEFAULT 0,
	detail         TEXT    NOT NULL DEFAULT '{}', -- JSON: section scores and reviewers' notes
	PRIMARY KEY (season, kind, agency)
) WITHOUT ROWID;
CREATE TABLE result_runs (
	season INTEGER NOT NULL,
	kind   TEXT    NOT NULL,
	at     INTEGER NOT NULL,
	by     TEXT    NOT NULL DEFAULT '',
	source TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (season, kind)
) WITHOUT ROWID;
`,
	// 6: notices published to agencies after the deadline (考核结果,
	// 确定名单反馈), one row per issue: revision 1 is the notice, each later
	// one a 更正. What it said is kept, so that a 更正 can say what changed,
	// and its recipients, so that publishing again sends nothing twice.
	`
CREATE TABLE published_notices (
	season       INTEGER NOT NULL,
	kind         TEXT    NOT NULL,            -- e.g. result, final-list
	agency       TEXT    NOT NULL,            -- roster name
	revision     INTEGER NOT NULL,            -- 1 the notice, 2... its corrections
	content_key  TEXT    NOT NULL,            -- hash of what it says
	facts        TEXT    NOT NULL,            -- what it says, JSON, for the next 更正
	recipients   TEXT    NOT NULL,            -- the addresses it was queued to, JSON
	published_at INTEGER NOT NULL,
	PRIMARY KEY (season, kind, agency, revision)
) WITHOUT ROWID;
`,
	// 7: the 推荐表 (recommendations of 优秀单位 and 优秀个人): each one an
	// agency sent, versioned per season and agency like submissions; its
	// person rows and its findings apart, so that persons can be matched
	// across agencies (dup_key) and removed when a season is purged.
	`
CREATE TABLE proposals (
	id               INTEGER PRIMARY KEY,
	season           INTEGER NOT NULL,
	message          INTEGER NOT NULL REFERENCES messages (id),
	attachment       INTEGER NOT NULL UNIQUE REFERENCES attachments (id),
	agency           TEXT    NOT NULL,           -- roster name, "" when held as 名册外来件
	version          INTEGER NOT NULL,           -- 1, 2, ... per season and agency
	unit             TEXT    NOT NULL DEFAULT '', -- 推荐单位 as written
	unit_proposed    INTEGER NOT NULL DEFAULT 0, -- proposed as 优秀单位
	unit_deeds       TEXT    NOT NULL DEFAULT '',
	publicity_start  TEXT    NOT NULL DEFAULT '', -- 2006-01-02, "" when not read
	publicity_end    TEXT    NOT NULL DEFAULT '',
	publicity_scope  TEXT    NOT NULL DEFAULT '',
	publicity_result TEXT    NOT NULL DEFAULT '',
	errors           INTEGER NOT NULL DEFAULT 0,
	warnings         INTEGER NOT NULL DEFAULT 0,
	on_time          INTEGER NOT NULL,           -- before results.recommend_cutoff
	received_at      INTEGER NOT NULL,
	created_at       INTEGER NOT NULL,
	UNIQUE (season, agency, version)
);
CREATE INDEX proposals_message ON proposals (message);
CREATE TABLE proposal_persons (
	id       INTEGER PRIMARY KEY,
	proposal INTEGER NOT NULL REFERENCES proposals (id),
	idx      INTEGER NOT NULL,                   -- order on the form, from 0
	cell     TEXT    NOT NULL DEFAULT '',        -- the row's 姓名 cell
	name     TEXT    NOT NULL DEFAULT '',
	sex      TEXT    NOT NULL DEFAULT '',
	birth    TEXT    NOT NULL DEFAULT '',        -- 2006-01
	post     TEXT    NOT NULL DEFAULT '',
	years    REAL,                               -- NULL when not read
	deeds    TEXT    NOT NULL DEFAULT '',
	dup_key  TEXT    NOT NULL DEFAULT '',        -- name without spaces + "|" + birth; "" when either is missing
	UNIQUE (proposal, idx)
);
CREATE INDEX proposal_persons_dup ON proposal_persons (dup_key);
CREATE TABLE proposal_findings (
	id       INTEGER PRIMARY KEY,
	proposal INTEGER NOT NULL REFERENCES proposals (id),
	code     TEXT    NOT NULL,
	severity TEXT    NOT NULL,
	sheet    TEXT    NOT NULL DEFAULT '',
	cell     TEXT    NOT NULL DEFAULT '',
	field    TEXT    NOT NULL DEFAULT '',
	person   INTEGER NOT NULL DEFAULT -1,        -- idx of the person row, -1 for none
	message  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX proposal_findings_proposal ON proposal_findings (proposal);
`,
	// 8: the 主任办公会's decisions on the proposed 优秀单位 and 优秀个人
	// (推荐名单), and the purges of finished seasons' personal data. A
	// decision is keyed by the person (姓名 and 出生年月), not by the
	// proposal's row, so that it survives an agency sending its 推荐表 again
	// with the same persons. Purge blanks a person's columns and sets
	// purged: the row still counts, nobody is named.
	`
CREATE TABLE recommend_decisions (
	id         INTEGER PRIMARY KEY,
	season     INTEGER NOT NULL,
	agency     TEXT    NOT NULL,
	kind       TEXT    NOT NULL,              -- 'unit' or 'person'
	name       TEXT    NOT NULL DEFAULT '',   -- a person's 姓名; '' for the unit
	birth      TEXT    NOT NULL DEFAULT '',   -- a person's 出生年月
	verdict    TEXT    NOT NULL,              -- 'confirmed' or 'not_confirmed'
	override   INTEGER NOT NULL DEFAULT 0,    -- confirmed as the office's explicit override (特批确定)
	note       TEXT    NOT NULL DEFAULT '',
	decided_by TEXT    NOT NULL DEFAULT '',
	source     TEXT    NOT NULL DEFAULT '',
	at         INTEGER NOT NULL,
	purged     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX recommend_decisions_key ON recommend_decisions (season, agency, kind, name, birth) WHERE purged = 0;

CREATE TABLE purges (
	season   INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	operator TEXT    NOT NULL DEFAULT '',
	summary  TEXT    NOT NULL DEFAULT ''       -- what was removed, JSON counts (no names)
);
`,
	// 9: the paper copy of each agency's form (纸质版收到), as staff record it
	// in the staff workbook. day is the Beijing date it arrived,
	// 'YYYY-MM-DD', or '' when staff wrote only 是.
	`
CREATE TABLE paper_forms (
	season INTEGER NOT NULL,
	agency TEXT    NOT NULL,
	day    TEXT    NOT NULL DEFAULT '',
	source TEXT    NOT NULL DEFAULT '',
	at     INTEGER NOT NULL,
	PRIMARY KEY (season, agency)
) WITHOUT ROWID;
`,
	// 10: staff assign a 推荐表 held as 名册外来件 to the roster agency it is
	// from, as they assign a held 考核表 (3): the proposal is filed under the
	// agency in place and this row says when, by whom and from which cell.
	`
CREATE TABLE proposal_assignments (
	proposal     INTEGER PRIMARY KEY REFERENCES proposals (id),
	from_version INTEGER NOT NULL,
	agency       TEXT    NOT NULL,
	version      INTEGER NOT NULL,
	assigner     TEXT    NOT NULL DEFAULT '',
	source       TEXT    NOT NULL DEFAULT '',
	at           INTEGER NOT NULL
);
`,
}

// SchemaVersion is the schema version this code writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the migrations of migs that db lacks, all in one
// immediate transaction, recording each in schema_version. A database newer
// than migs is an error: running old code on it could damage what it does
// not understand.
//
// season is the season the store is opened with: migration 4 gives it the
// rows of a database whose forms do not name their year.
func migrate(ctx context.Context, db *sql.DB, migs []string, now time.Time, season int) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	// A migration may rebuild a table others refer to (4 rebuilds
	// submissions with its season), which SQLite allows only with foreign
	// keys off, set outside a transaction: on a connection of its own, and
	// the keys are checked before the commit instead.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&cur); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if cur > len(migs) {
		return fmt.Errorf("database schema is version %d but this program knows only %d: use a newer kaohe", cur, len(migs))
	}
	if cur == len(migs) {
		return nil
	}
	for _, q := range []string{"CREATE TEMP TABLE IF NOT EXISTS migrate_args (season INTEGER, now INTEGER)", "DELETE FROM migrate_args"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO migrate_args VALUES (NULLIF(?, 0), ?)", season, ms(now)); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for v := cur; v < len(migs); v++ {
		if _, err := tx.ExecContext(ctx, migs[v]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", v+1, ms(now)); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v+1, err)
		}
	}
	var broken int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil {
		return fmt.Errorf("migrate: foreign key check: %w", err)
	}
	if broken > 0 {
		return fmt.Errorf("migrate: %d rows refer to rows that are gone", broken)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// schemaVersion reads the applied version; 0 for a database without the table.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
