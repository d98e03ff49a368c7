package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kaohe/assess"
	"kaohe/mailparse"
	"kaohe/store"
	"kaohe/validate"
)

// Reprocess checks every stored submission again with the current rules
// (after a rubric fix, say), over the archived raw mail, keeping the
// previous result as history. It touches neither the mailbox nor the
// outbox. n counts the submissions checked again, changed those whose
// result changed. A reading that did not happen (the reader failed)
// replaces nothing and ends the run.
func (p *Pipeline) Reprocess(ctx context.Context) (n, changed int, err error) {
	subs, err := p.store.Submissions(ctx, store.SubmissionFilter{})
	if err != nil {
		return 0, 0, err
	}
	parsedByHash := map[string]*mailparse.Parsed{}
	for _, s := range subs {
		if ctx.Err() != nil {
			return n, changed, ctx.Err()
		}
		parsed, ok := parsedByHash[s.MessageHash]
		if !ok {
			if parsed, err = p.parseArchived(s); err != nil && !p.purged(ctx, err) {
				return n, changed, err
			}
			parsedByHash[s.MessageHash] = parsed
		}
		if parsed == nil {
			p.cfg.Log.Warn().Int64("submission", s.ID).Msg("archived mail removed by kaohe purge (it carried a 推荐表 too): its result stays as checked")
			continue
		}
		if s.AttachmentIndex < 0 || s.AttachmentIndex >= len(parsed.Attachments) {
			p.cfg.Log.Warn().Int64("submission", s.ID).Msg("attachment no longer found in the archived message")
			continue
		}
		rep, err := p.recheck(ctx, s, parsed.Attachments[s.AttachmentIndex])
		if err != nil {
			return n, changed, fmt.Errorf("submission %d: %w", s.ID, err)
		}
		ch, err := p.store.ReplaceReports(ctx, s.ID, rep)
		if err != nil {
			return n, changed, err
		}
		n++
		if ch {
			changed++
		}
	}
	return n, changed, nil
}

// purged says whether err is an archived mail missing because kaohe purge
// removed the personal data of the store's season.
func (p *Pipeline) purged(ctx context.Context, err error) bool {
	if !errors.Is(err, store.ErrNotFound) {
		return false
	}
	at, perr := p.store.Purged(ctx, p.store.Season())
	return perr == nil && !at.IsZero()
}

// parseArchived parses the archived raw mail of a submission.
func (p *Pipeline) parseArchived(s store.Submission) (*mailparse.Parsed, error) {
	raw, err := p.store.ReadArchived(s.MessageHash)
	if err != nil {
		return nil, fmt.Errorf("archive of message %d: %w", s.MessageID, err)
	}
	parsed, err := mailparse.Parse(raw, p.cfg.MIME)
	if err != nil {
		return nil, fmt.Errorf("parse archived message %d: %w", s.MessageID, err)
	}
	return parsed, nil
}

// recheck checks one stored submission's attachment as the pipeline checked
// it when it arrived: the same receipt time, the agency resolved from the
// same sender. A form naming an agency the sender is not registered for is
// checked as that agency would be (its type decides the caps).
func (p *Pipeline) recheck(ctx context.Context, s store.Submission, a mailparse.Attachment) (*assess.Report, error) {
	return assess.Check(ctx, a.Data, assess.Options{
		Validate: validate.Options{Form: p.cfg.Form, Filename: a.Filename, ReceivedAt: s.ReceivedAt, Cutoff: p.cfg.Cutoff,
			MaxFileSize: p.cfg.MaxFileSize, MaxUnzipSize: p.cfg.MaxUnzipSize},
		Reader: p.cfg.Reader,
		Resolve: func(unit string) assess.Agency {
			ag, known, mismatch := p.cfg.Roster.Resolve(s.Sender, unit)
			if a, ok := p.cfg.Roster.ByUnit(s.Agency); !known && ok && a.Name == s.Agency {
				// Filed under the agency by staff (an assigned 名册外来件):
				// checked as that agency's.
				named, _ := p.cfg.Roster.ByUnit(unit)
				return assess.Agency{Name: a.Name, Type: a.Type, Known: true, Mismatch: strings.TrimSpace(unit) != "" && named.Name != a.Name}
			}
			if !known {
				if n, ok := p.cfg.Roster.ByUnit(unit); ok {
					return assess.Agency{Type: n.Type} // a 名册外来件, checked as the pipeline checks it
				}
				return assess.Agency{}
			}
			return assess.Agency{Name: ag.Name, Type: ag.Type, Known: true, Mismatch: mismatch}
		},
	})
}
