package campaign

import (
	"context"
	"fmt"

	"kaohe/consolidate"
	"kaohe/recommend"
	"kaohe/store"
	"kaohe/validate"
)

// heldProposals adds the season's 推荐表 held as 名册外来件 to in.Outside,
// for staff to assign like a held 考核表, and the assigned ones to
// in.AssignedProposals, so that a workbook imported again is not refused.
func (c *Campaign) heldProposals(ctx context.Context, in *consolidate.Input, subjects map[int64]string) error {
	held, err := c.store.HeldProposals(ctx)
	if err != nil {
		return err
	}
	for _, p := range held {
		o := consolidate.Outside{Proposal: p.ID, Persons: len(p.Persons), Sender: p.Sender, File: p.Filename,
			ReceivedAt: p.ReceivedAt, OnTime: p.OnTime}
		if a, ok := c.cfg.Roster.ByUnit(p.Unit.Name); ok {
			o.Named = a.Name
		}
		subject, ok := subjects[p.MessageID]
		if !ok {
			m, err := c.store.Message(ctx, p.MessageID)
			if err != nil {
				return fmt.Errorf("message of proposal %d: %w", p.ID, err)
			}
			subject = m.Subject
			subjects[p.MessageID] = subject
		}
		o.Subject = subject
		in.Outside = append(in.Outside, o)
	}
	assigned, err := c.store.ProposalAssignments(ctx)
	if err != nil {
		return err
	}
	in.AssignedProposals = make(map[int64]string, len(assigned))
	for _, a := range assigned {
		in.AssignedProposals[a.Proposal] = a.Agency
	}
	return nil
}

// proposalAssignments turns staff's assignments of held 推荐表 into the
// store's, each checked against its agency's grade and quota as the intake
// checks an agency's own 推荐表 (pipeline's standing): the approved results,
// else the computed ones; before either, nothing is found.
func (c *Campaign) proposalAssignments(ctx context.Context, as []consolidate.Assignment, from ReviewFrom) ([]store.ProposalAssignment, error) {
	if len(as) == 0 {
		return nil, nil
	}
	held, err := c.store.HeldProposals(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.Proposal, len(held))
	for _, p := range held {
		byID[p.ID] = p
	}
	finals, err := c.store.FinalResults(ctx)
	if err != nil {
		return nil, err
	}
	standing := make(map[string]store.FinalResult, len(finals))
	for _, r := range finals {
		standing[r.Agency] = r
	}
	var out []store.ProposalAssignment
	for _, a := range as {
		pa := store.ProposalAssignment{Proposal: a.Proposal, Agency: a.Agency, Assigner: from.Reviewer, Source: from.Source + " " + a.Source}
		// One no longer held (assigned meanwhile) goes as it is: the store
		// refuses it with ErrAssigned, and the whole import with it.
		if p, ok := byID[a.Proposal]; ok {
			if r, ok := standing[a.Agency]; ok {
				pa.Findings = standingFindings(p, recommend.Context{Grade: string(r.Grade), Quota: r.Quota, QuotaKnown: true})
			}
		}
		out = append(out, pa)
	}
	return out, nil
}

// standingFindings checks a stored proposal against an agency's standing.
func standingFindings(p store.Proposal, cc recommend.Context) []store.ProposalFinding {
	f := &recommend.Filled{Fields: map[string]recommend.Value{}}
	for _, fd := range p.Findings {
		if fd.Sheet != "" {
			f.Sheet = fd.Sheet
			break
		}
	}
	if p.Unit.Proposed {
		f.Fields[recommend.FieldProposeUnit] = recommend.Value{Text: "是"}
	}
	for _, pp := range p.Persons {
		f.Persons = append(f.Persons, recommend.Person{Values: map[string]recommend.Value{
			recommend.ColName: {Cell: pp.Cell, Text: pp.Name}}})
	}
	var out []store.ProposalFinding
	for _, fd := range recommend.StandingFindings(f, cc) {
		out = append(out, store.ProposalFinding{Finding: fd, Person: personAt(p, fd)})
	}
	return out
}

// personAt is the index of the person row a finding's cell names; -1 for none.
func personAt(p store.Proposal, fd validate.Finding) int {
	for i, pp := range p.Persons {
		if fd.Cell != "" && pp.Cell == fd.Cell {
			return i
		}
	}
	return -1
}
