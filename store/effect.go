package store

import (
	"context"
	"database/sql"
	"time"
)

// An Effect is a change an incoming message makes to the season's records
// beyond its own: a staff workbook imported by mail. SaveResult applies it
// in the message's transaction, so that it happens exactly once, together
// with the message's outcome and reply, or not at all; a crash between
// import and reply cannot import twice.
type Effect interface {
	// Apply makes the change in tx for the season given, at now. An error
	// rolls back the whole result.
	Apply(ctx context.Context, tx *sql.Tx, season int, now time.Time) error
}

// Apply saves the import as SaveReviewImport does, inside tx: a
// ReviewImport is the Effect of a staff workbook mailed back.
func (imp ReviewImport) Apply(ctx context.Context, tx *sql.Tx, season int, now time.Time) error {
	if err := saveReviews(ctx, tx, season, imp.Reviews, imp.Vetoes, imp.Source, now); err != nil {
		return err
	}
	if err := savePaper(ctx, tx, season, imp.Paper, imp.PaperCleared, imp.Source, now); err != nil {
		return err
	}
	if err := assign(ctx, tx, imp.Assignments, now); err != nil {
		return err
	}
	if err := assignProposals(ctx, tx, season, imp.Proposals, now); err != nil {
		return err
	}
	if len(imp.Decisions.Decisions) > 0 || len(imp.Decisions.Cleared) > 0 {
		return imp.Decisions.Apply(ctx, tx, season, now)
	}
	return nil
}

// ResultsApproval is the Effect of a results workbook mailed back: it
// stores the approved (审定) results as ApproveResults does, in the
// message's transaction.
type ResultsApproval struct {
	Results []FinalResult
	Run     ResultsRun // At zero: the time of saving
}

// Apply replaces the season's approved results.
func (a ResultsApproval) Apply(ctx context.Context, tx *sql.Tx, season int, now time.Time) error {
	run := a.Run
	if run.At.IsZero() {
		run.At = now
	}
	return saveResultsTx(ctx, tx, season, kindApproved, a.Results, run)
}
