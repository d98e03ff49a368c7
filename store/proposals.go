package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/validate"
)

// Proposal is one 推荐表 as stored: what an agency proposes as 优秀单位 and
// 优秀个人, with its 公示 record, where it came from and what the checks
// found. Persons' data is kept here and in the archive only; nothing of it
// goes to the log.
type Proposal struct {
	ID              int64
	Season          int
	Agency          string // roster name; "" for one held as 名册外来件
	Version         int    // 1, 2, ... in the order the agency's 推荐表 were saved
	MessageID       int64  // the message's row id
	MessageHash     string // archive key of the message
	AttachmentID    int64
	AttachmentIndex int // position among the message's attachments
	Filename        string
	Sender          string
	ReceivedAt      time.Time
	OnTime          bool // received before results.recommend_cutoff
	// Current marks the version that counts for its agency: the newest
	// on-time one, else the newest late one (newest by ReceivedAt, then
	// Version). A resubmission replaces the agency's earlier proposals.
	Current   bool
	Unit      UnitProposal
	Persons   []PersonProposal
	Publicity Publicity
	Findings  []ProposalFinding
}

// UnitProposal is the 推荐表's unit section.
type UnitProposal struct {
	Name     string // 推荐单位 as written on the form
	Proposed bool   // the unit is proposed as 优秀单位
	Deeds    string // 主要事迹
}

// PersonProposal is one person row of a 推荐表.
type PersonProposal struct {
	ID    int64  // row id, set when read
	Index int    // position on the form, from 0; on saving, the order of Persons
	Cell  string // the row's 姓名 cell, e.g. "B12"
	Name  string
	Sex   string
	Birth string   // 出生年月 as 2006-01; "" when not read
	Post  string   // 职务
	Years *float64 // 从事互助保障工作年限; nil when not read
	Deeds string   // 主要事迹
	// AlsoProposedBy names the other agencies whose current proposals hold
	// the same person (DupKey). On reading it is filled from the store; on
	// saving it is what the agency's receipt says, and SaveResult refuses
	// (ErrProposalsChanged) when the store now says otherwise.
	AlsoProposedBy []string
}

// DupKey is what makes two person rows the same person: the name without
// spaces and the 出生年月. "" when either is missing: such a row matches
// nobody.
func (p PersonProposal) DupKey() string {
	name := strings.Join(strings.Fields(p.Name), "")
	if name == "" || p.Birth == "" {
		return ""
	}
	return name + "|" + p.Birth
}

// Publicity is the 公示 record of a 推荐表.
type Publicity struct {
	Start, End string // 2006-01-02; "" when not read
	Scope      string // 范围
	Result     string // 结果: 无异议, or the objection and how it was settled
}

// ProposalFinding is one finding of a 推荐表's check.
type ProposalFinding struct {
	validate.Finding
	Person int // index of the person row it is about; -1 for none
}

// ErrProposalsChanged is returned by SaveResult, which then stores
// nothing, when a person of a proposal is now proposed by other agencies
// than its AlsoProposedBy says (another agency's proposal was saved
// meanwhile): the receipt must be composed again.
var ErrProposalsChanged = errors.New("another agency's proposals changed meanwhile")

// ProposalFilter selects proposals; zero fields do not filter.
type ProposalFilter struct {
	Agency    string
	MessageID int64 // message row id
	Current   bool  // only the current proposal of each agency
}

// Proposals lists the store season's proposals matching f, by agency then
// version, with their persons (AlsoProposedBy filled against the other
// agencies' current proposals), findings and the Current flag.
func (s *Store) Proposals(ctx context.Context, f ProposalFilter) ([]Proposal, error) {
	where, args := []string{"p.season = ?"}, []any{s.season}
	if f.Agency != "" {
		where, args = append(where, "p.agency = ?"), append(args, f.Agency)
	}
	if f.MessageID != 0 {
		where, args = append(where, "p.message = ?"), append(args, f.MessageID)
	}
	ps, err := s.queryProposals(ctx, "WHERE "+strings.Join(where, " AND ")+" ORDER BY p.agency, p.version", args...)
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	cur, err := currentProposals(ctx, s.r, s.season)
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	out := ps[:0]
	for _, p := range ps {
		p.Current = cur[p.ID]
		if f.Current && !p.Current {
			continue
		}
		out = append(out, p)
	}
	if err := s.fillProposalDetails(ctx, out); err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	return out, nil
}

// CurrentProposals returns the season's current proposal of every agency
// that sent one, by agency: what staff decide on.
func (s *Store) CurrentProposals(ctx context.Context) ([]Proposal, error) {
	return s.Proposals(ctx, ProposalFilter{Current: true})
}

// AgencyProposal returns the agency's current proposal of the season; false
// when it sent none.
func (s *Store) AgencyProposal(ctx context.Context, agency string) (Proposal, bool, error) {
	if agency == "" {
		return Proposal{}, false, nil
	}
	ps, err := s.Proposals(ctx, ProposalFilter{Agency: agency, Current: true})
	if err != nil || len(ps) == 0 {
		return Proposal{}, false, err
	}
	return ps[0], true, nil
}

// ProposedElsewhere says, for each person, which other agencies than
// agency propose the same person (PersonProposal.DupKey) in their current
// proposals of the store's season; nil entries for none. The pipeline
// composes the receipt with it and passes it to SaveResult in
// AlsoProposedBy.
func (s *Store) ProposedElsewhere(ctx context.Context, agency string, persons []PersonProposal) ([][]string, error) {
	out, err := proposedElsewhere(ctx, s.r, s.season, agency, persons)
	if err != nil {
		return nil, fmt.Errorf("proposed elsewhere: %w", err)
	}
	return out, nil
}

// qCurrentProposals picks each agency's current proposal of a season by
// the rule of Proposal.Current.
const qCurrentProposals = `SELECT id, agency FROM (SELECT id, agency, ROW_NUMBER() OVER (PARTITION BY agency
		ORDER BY on_time DESC, received_at DESC, version DESC) AS rn FROM proposals WHERE season = ? AND agency != '')
	WHERE rn = 1`

func currentProposals(ctx context.Context, q querier, season int) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, qCurrentProposals, season)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var agency string
		if err := rows.Scan(&id, &agency); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// currentKeys maps each person key of the season's current proposals to
// the agencies proposing it, sorted.
func currentKeys(ctx context.Context, q querier, season int) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT pp.dup_key, c.agency FROM proposal_persons pp
		JOIN (`+qCurrentProposals+`) c ON c.id = pp.proposal WHERE pp.dup_key != '' ORDER BY c.agency`, season)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var key, agency string
		if err := rows.Scan(&key, &agency); err != nil {
			return nil, err
		}
		out[key] = append(out[key], agency)
	}
	return out, rows.Err()
}

func proposedElsewhere(ctx context.Context, q querier, season int, agency string, persons []PersonProposal) ([][]string, error) {
	keys, err := currentKeys(ctx, q, season)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(persons))
	for i, p := range persons {
		out[i] = others(keys[p.DupKey()], agency)
	}
	return out, nil
}

// others is agencies without agency; nil when none is left.
func others(agencies []string, agency string) []string {
	var out []string
	for _, a := range agencies {
		if a != agency {
			out = append(out, a)
		}
	}
	return out
}

const qProposals = `SELECT p.id, p.season, p.agency, p.version, p.message, m.hash, p.attachment, a.idx, a.filename, m.sender,
		p.received_at, p.on_time, p.unit, p.unit_proposed, p.unit_deeds,
		p.publicity_start, p.publicity_end, p.publicity_scope, p.publicity_result
		FROM proposals p JOIN messages m ON m.id = p.message JOIN attachments a ON a.id = p.attachment `

func (s *Store) queryProposals(ctx context.Context, tail string, args ...any) ([]Proposal, error) {
	rows, err := s.r.QueryContext(ctx, qProposals+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		var p Proposal
		var received int64
		var onTime, proposed int
		if err := rows.Scan(&p.ID, &p.Season, &p.Agency, &p.Version, &p.MessageID, &p.MessageHash, &p.AttachmentID,
			&p.AttachmentIndex, &p.Filename, &p.Sender, &received, &onTime, &p.Unit.Name, &proposed, &p.Unit.Deeds,
			&p.Publicity.Start, &p.Publicity.End, &p.Publicity.Scope, &p.Publicity.Result); err != nil {
			return nil, err
		}
		p.ReceivedAt, p.OnTime, p.Unit.Proposed = fromMS(received), onTime != 0, proposed != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// fillProposalDetails reads the persons and findings of ps.
func (s *Store) fillProposalDetails(ctx context.Context, ps []Proposal) error {
	if len(ps) == 0 {
		return nil
	}
	keys, err := currentKeys(ctx, s.r, s.season)
	if err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		if p.Persons, err = s.proposalPersons(ctx, p.ID); err != nil {
			return err
		}
		for j := range p.Persons {
			if p.Agency != "" {
				p.Persons[j].AlsoProposedBy = others(keys[p.Persons[j].DupKey()], p.Agency)
			}
		}
		if p.Findings, err = s.proposalFindings(ctx, p.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) proposalPersons(ctx context.Context, id int64) ([]PersonProposal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, idx, cell, name, sex, birth, post, years, deeds
		FROM proposal_persons WHERE proposal = ? ORDER BY idx`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonProposal
	for rows.Next() {
		var pp PersonProposal
		var years sql.NullFloat64
		if err := rows.Scan(&pp.ID, &pp.Index, &pp.Cell, &pp.Name, &pp.Sex, &pp.Birth, &pp.Post, &years, &pp.Deeds); err != nil {
			return nil, err
		}
		if years.Valid {
			pp.Years = &years.Float64
		}
		out = append(out, pp)
	}
	return out, rows.Err()
}

func (s *Store) proposalFindings(ctx context.Context, id int64) ([]ProposalFinding, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT code, severity, sheet, cell, field, person, message
		FROM proposal_findings WHERE proposal = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProposalFinding
	for rows.Next() {
		var f ProposalFinding
		var code, severity string
		if err := rows.Scan(&code, &severity, &f.Sheet, &f.Cell, &f.Field, &f.Person, &f.Message); err != nil {
			return nil, err
		}
		f.Code, f.Severity = validate.Code(code), validate.Severity(severity)
		out = append(out, f)
	}
	return out, rows.Err()
}

// saveProposal stores p, the 推荐表 of the attachment row attID, in the
// transaction of SaveResult, under agency ("" for one held as 名册外来件).
// For a filed proposal it first checks that its persons' AlsoProposedBy
// still holds: ErrProposalsChanged when not.
func saveProposal(ctx context.Context, tx *sql.Tx, season int, msgID, attID int64, agency string, received, now int64, p *Proposal) error {
	if agency != "" {
		found, err := proposedElsewhere(ctx, tx, season, agency, p.Persons)
		if err != nil {
			return fmt.Errorf("proposed elsewhere: %w", err)
		}
		for i, pp := range p.Persons {
			if !slices.Equal(sorted(pp.AlsoProposedBy), found[i]) {
				return ErrProposalsChanged
			}
		}
	}
	var version int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM proposals WHERE season = ? AND agency = ?",
		season, agency).Scan(&version); err != nil {
		return fmt.Errorf("next proposal version: %w", err)
	}
	var errs, warns int
	for _, f := range p.Findings {
		switch f.Severity {
		case validate.SeverityError:
			errs++
		case validate.SeverityWarning:
			warns++
		}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO proposals (season, message, attachment, agency, version, unit, unit_proposed, unit_deeds,
		publicity_start, publicity_end, publicity_scope, publicity_result, errors, warnings, on_time, received_at, created_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		season, msgID, attID, agency, version, p.Unit.Name, boolInt(p.Unit.Proposed), p.Unit.Deeds,
		p.Publicity.Start, p.Publicity.End, p.Publicity.Scope, p.Publicity.Result, errs, warns, boolInt(p.OnTime),
		received, now).Scan(&id)
	if err != nil {
		return fmt.Errorf("insert proposal: %w", err)
	}
	for i, pp := range p.Persons {
		var years any
		if pp.Years != nil {
			years = *pp.Years
		}
		idx := i // the order of Persons is the form's
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_persons (proposal, idx, cell, name, sex, birth, post, years, deeds, dup_key)
			VALUES (?,?,?,?,?,?,?,?,?,?)`, id, idx, pp.Cell, pp.Name, pp.Sex, pp.Birth, pp.Post, years, pp.Deeds, pp.DupKey()); err != nil {
			return fmt.Errorf("insert person row %d: %w", idx, err)
		}
	}
	for _, f := range p.Findings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_findings (proposal, code, severity, sheet, cell, field, person, message)
			VALUES (?,?,?,?,?,?,?,?)`, id, string(f.Code), string(f.Severity), f.Sheet, f.Cell, f.Field, f.Person, f.Message); err != nil {
			return fmt.Errorf("insert proposal finding %s: %w", f.Code, err)
		}
	}
	return nil
}

func sorted(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
