// Package fault decides whose fault an error is: the message's (a hostile
// or broken file, a reader killed at its limits, a parser panic) or ours
// (a full disk, a database error, a read-only folder, a reader process that
// cannot start, a mail server that is down). Only message faults count
// toward a message's quarantine; a system fault pauses the work instead.
//
// It also says whether a failure is temporary or permanent (WithTemporary,
// IsTemporary, IsTemporaryOrUnspec, after maddy's exterrors) and how long to
// wait before the next try (Backoff), for the SMTP outbox and the IMAP
// watcher alike.
package fault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"syscall"
)

// Cause is whose fault an error is.
type Cause string

// Causes, as logged and as the label of kaohe_handler_failures_total.
const (
	Message Cause = "message" // the input's: counts toward quarantine
	System  Cause = "system"  // ours: the input is kept and retried, intake pauses
)

// systemError marks an error as ours, whatever it wraps.
type systemError struct{ err error }

func (e *systemError) Error() string { return e.err.Error() }
func (e *systemError) Unwrap() error { return e.err }

// Systemic marks err as a fault of ours (nil stays nil). Use it where the
// code knows better than the error's type, for example a reader process
// that could not be started.
func Systemic(err error) error {
	if err == nil {
		return nil
	}
	return &systemError{err}
}

// Systemicf is fmt.Errorf, then Systemic.
func Systemicf(format string, args ...any) error {
	return Systemic(fmt.Errorf(format, args...))
}

// coder is the shape of modernc.org/sqlite's *Error.
type coder interface{ Code() int }

// SQLite primary result codes that say the database or the disk, not the
// data, is at fault.
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteNoMem    = 7
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteCorrupt  = 11
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteProtocol = 15
	sqliteNotADB   = 26
)

// Of classifies err. Anything it does not recognise as ours is the
// message's, so that an unknown failure still ends in quarantine rather
// than a retry forever.
func Of(err error) Cause {
	if IsSystem(err) {
		return System
	}
	return Message
}

// IsSystem reports whether err is a fault of ours: marked Systemic, a
// SQLite error about the database or the disk, a file-system error of the
// disk (full, read-only, quota, I/O, permission), a network error, or a
// cancellation (our own shutdown is nobody's fault but never the
// message's).
func IsSystem(err error) bool {
	if err == nil {
		return false
	}
	var se *systemError
	if errors.As(err, &se) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var c coder
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteNoMem, sqliteReadOnly, sqliteIOErr, sqliteCorrupt,
			sqliteFull, sqliteCantOpen, sqliteProtocol, sqliteNotADB:
			return true
		}
	}
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EROFS, syscall.EDQUOT, syscall.EIO,
		syscall.EACCES, syscall.EPERM, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EAGAIN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, fs.ErrPermission) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// DiskFull reports whether err says the disk or the database is full, for
// messages that tell the operator what to do.
func DiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var c coder
	return errors.As(err, &c) && c.Code()&0xff == sqliteFull
}

// Corrupt reports whether err says the database file is damaged or is not
// a database at all.
func Corrupt(err error) bool {
	var c coder
	if !errors.As(err, &c) {
		return false
	}
	code := c.Code() & 0xff
	return code == sqliteCorrupt || code == sqliteNotADB
}
