package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/annotate"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/recommend"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/validate"
)

// RecommendConfig is the intake of the 推荐表, the form on which an agency
// proposes 优秀单位 and 优秀个人 once the results are out. The zero value
// recognises and checks 推荐表 with the built-in definition, no deadline
// and the default 公示 length.
type RecommendConfig struct {
	// Definition is the 推荐表 agencies return; nil: the built-in one of
	// Season, else the newest built in.
	Definition *recommend.Definition
	// Season is the campaign year ages and years of service are reckoned
	// at; 0: the definition's year.
	Season int
	// Cutoff is results.recommend_cutoff: a 推荐表 received at or after it
	// is late. Zero: none.
	Cutoff        time.Time
	PublicityDays int                // results.publicity_days; 0: recommend.DefaultPublicityDays
	Calendar      recommend.Calendar // the working days (results.holidays)
	// Read reads a workbook as a 推荐表; nil: recommend.Read in this
	// process. It is tried only on a workbook the 考核表 reader (Config.Reader,
	// the sandbox in the daemon) opened and found no 考核表 in.
	Read RecommendReader
	// Annotate writes the annotated copy of a checked 推荐表; nil:
	// annotate.Recommendation in this process.
	Annotate RecommendAnnotator
}

// RecommendReader reads a returned 推荐表. A nil form with nil error means
// the workbook holds none. An error means the reader could not run.
type RecommendReader func(ctx context.Context, data []byte, opts recommend.ReadOptions) (*recommend.Filled, []validate.Finding, error)

// RecommendAnnotator writes the agency's 推荐表 with the findings marked.
type RecommendAnnotator func(f *recommend.Filled, findings []validate.Finding, def *recommend.Definition) ([]byte, error)

// inProcessRecommend is the RecommendReader of this process.
func inProcessRecommend(_ context.Context, data []byte, opts recommend.ReadOptions) (*recommend.Filled, []validate.Finding, error) {
	f, fs := recommend.Read(data, opts)
	return f, fs, nil
}

// withDefaults fills in the definition and the reader.
func (c RecommendConfig) withDefaults() RecommendConfig {
	if c.Definition == nil {
		years := recommend.Years()
		year := years[len(years)-1]
		if slices.Contains(years, c.Season) {
			year = c.Season
		}
		c.Definition = recommend.MustLoad(year)
	}
	if c.Read == nil {
		c.Read = inProcessRecommend
	}
	if c.Annotate == nil {
		c.Annotate = annotate.Recommendation
	}
	return c
}

// onTime says whether a 推荐表 received at t is on time.
func (c RecommendConfig) onTime(t time.Time) bool { return c.Cutoff.IsZero() || t.Before(c.Cutoff) }

// maybeRecommend reports whether a workbook the 考核表 reader opened but
// found no 考核表 in may be a 推荐表.
func maybeRecommend(ar store.AttachmentResult) bool {
	rep := ar.Report
	return rep != nil && rep.Submission == nil && (hasCode(rep, validate.CodeFormNotFound) || hasCode(rep, validate.CodeWrongYear))
}

// recommendation is one 推荐表 read and checked, for the store and the
// receipt.
type recommendation struct {
	proposal *store.Proposal
	receipt  *reply.Recommendation
	agency   string         // the roster agency it counts for; "" for none
	named    *roster.Agency // the roster agency it names when it does not count for it (名册外来件)
}

// checkRecommend reads the attachment as a 推荐表; nil when it holds none.
// The form counts for an agency only when it comes from an address the
// roster registered for it, as a 考核表 does.
func (p *Pipeline) checkRecommend(ctx context.Context, a mailparse.Attachment, sender string, m mailbox.Fetched) (*recommendation, error) {
	rc := p.rec
	filled, _, err := rc.Read(ctx, a.Data, recommend.ReadOptions{Definition: rc.Definition,
		MaxFileSize: p.cfg.MaxFileSize, MaxUnzipSize: p.cfg.MaxUnzipSize})
	if err != nil {
		return nil, err
	}
	if filled == nil {
		return nil, nil
	}
	r := &recommendation{}
	unit := filled.Agency()
	ag, known, mismatch := p.cfg.Roster.Resolve(sender, unit)
	if known {
		r.agency = ag.Name
	} else if n, ok := p.cfg.Roster.ByUnit(unit); ok {
		r.named = &n
	}
	cc := recommend.Context{Season: rc.Season, Cutoff: rc.Cutoff, Received: m.InternalDate,
		PublicityDays: rc.PublicityDays, Calendar: rc.Calendar}
	if known {
		if err := p.standing(ctx, ag.Name, &cc); err != nil {
			return nil, err
		}
	}
	findings := recommend.Check(filled, rc.Definition, cc)
	if mismatch {
		findings = append(findings, unitMismatch(filled, unit, ag.Name))
	}
	for _, d := range recommend.Duplicates([]recommend.Submitted{{Agency: ag.Name, Form: filled}}) {
		if f, ok := d.FindingFor(ag.Name); ok {
			findings = append(findings, f)
		}
	}
	r.proposal = proposalOf(filled, rc.onTime(m.InternalDate))
	if known {
		elsewhere, err := p.store.ProposedElsewhere(ctx, ag.Name, r.proposal.Persons)
		if err != nil {
			return nil, &storeFault{err}
		}
		for i, others := range elsewhere {
			r.proposal.Persons[i].AlsoProposedBy = others
			if len(others) > 0 {
				findings = append(findings, proposedElsewhere(filled, filled.Persons[i]))
			}
		}
	}
	// Kept in the sheet's order, as Check gives them: the copy's notes
	// follow it; the receipt puts errors first itself.
	r.proposal.Findings = proposalFindings(filled, findings)
	r.receipt = p.recommendReceipt(filled, findings, cc, rc.onTime(m.InternalDate))
	return r, nil
}

// standing puts the agency's grade and quota into cc: the approved results
// when there are any, else the computed ones; before either, the quota is
// unknown and eligibility is not checked.
func (p *Pipeline) standing(ctx context.Context, agency string, cc *recommend.Context) error {
	rs, err := p.store.FinalResults(ctx)
	if err != nil {
		return &storeFault{err}
	}
	for _, r := range rs {
		if r.Agency == agency {
			cc.Grade, cc.Quota, cc.QuotaKnown = string(r.Grade), r.Quota, true
			return nil
		}
	}
	return nil
}

// unitMismatch is the warning on a 推荐表 naming another unit than the
// sender's registered one: it is filed under the sender's agency.
func unitMismatch(f *recommend.Filled, unit, agency string) validate.Finding {
	v := f.Field(recommend.FieldAgency)
	fd := validate.NewFinding(validate.CodeUnitMismatch, fmt.Sprintf(
		"表中推荐单位写的是“%s”，但发件邮箱登记的是“%s”。本表已按“%s”登记；如填错了单位名称，请改正后重新发送，如确为代其他单位报送，请告知办事处。",
		unit, agency, agency))
	fd.Sheet, fd.Cell, fd.Field = f.Sheet, v.Cell, recommend.FieldAgency
	return fd
}

// proposedElsewhere is the duplicate_person finding of the agency's own
// receipt. It repeats only what the agency wrote itself: the other
// agencies and what they wrote are for staff.
func proposedElsewhere(f *recommend.Filled, p recommend.Person) validate.Finding {
	birth := ""
	if b, ok := p.Birth(); ok {
		birth = fmt.Sprintf("%d年%d月", b.Year(), b.Month())
	}
	v := p.Value(recommend.ColName)
	fd := validate.NewFinding(validate.CodeDuplicatePerson, fmt.Sprintf(
		"%s（出生年月 %s）也由其他代办处推荐。办事处将核实并与相关单位联系，您无需处理；如有疑问请与工作人员联系。", p.Name(), birth))
	fd.Sheet, fd.Cell, fd.Field = f.Sheet, v.Cell, recommend.ColName
	return fd
}

// proposalOf is the form as stored.
func proposalOf(f *recommend.Filled, onTime bool) *store.Proposal {
	pr := &store.Proposal{OnTime: onTime,
		Unit: store.UnitProposal{Name: f.Agency(), Proposed: f.ProposesUnit(), Deeds: f.Field(recommend.FieldUnitDeeds).Text},
		Publicity: store.Publicity{
			Start:  day(f.Field(recommend.FieldPublicityStart).Date),
			End:    day(f.Field(recommend.FieldPublicityEnd).Date),
			Scope:  f.Field(recommend.FieldPublicityScope).Text,
			Result: f.Field(recommend.FieldPublicityResult).Text,
		},
	}
	if obj := f.Field(recommend.FieldObjection).Text; obj != "" {
		pr.Publicity.Result = strings.TrimSpace(pr.Publicity.Result + "：" + obj)
	}
	for i, p := range f.Persons {
		pp := store.PersonProposal{Index: i, Cell: p.Value(recommend.ColName).Cell, Name: p.Name(),
			Sex: p.Value(recommend.ColSex).Text, Post: p.Value(recommend.ColTitle).Text, Deeds: p.Value(recommend.ColDeeds).Text}
		if b, ok := p.Birth(); ok {
			pp.Birth = b.Format("2006-01")
		}
		if y := p.Value(recommend.ColYears); y.IsNumber {
			pp.Years = &y.Number
		}
		pr.Persons = append(pr.Persons, pp)
	}
	return pr
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// personOf is the index of the person row a finding's cell is on; -1 when
// it is on none.
func personOf(f *recommend.Filled, fd validate.Finding) int {
	if fd.Cell == "" {
		return -1
	}
	_, row, err := excelize.CellNameToCoordinates(fd.Cell)
	if err != nil {
		return -1
	}
	return slices.IndexFunc(f.Persons, func(p recommend.Person) bool { return p.Row == row })
}

func proposalFindings(f *recommend.Filled, fs []validate.Finding) []store.ProposalFinding {
	out := make([]store.ProposalFinding, len(fs))
	for i, fd := range fs {
		out[i] = store.ProposalFinding{Finding: fd, Person: personOf(f, fd)}
	}
	return out
}

// recommendReceipt is what the receipt says of the form. Lateness is said
// by the receipt's status, as for the 考核表, not as a row.
func (p *Pipeline) recommendReceipt(f *recommend.Filled, fs []validate.Finding, cc recommend.Context, onTime bool) *reply.Recommendation {
	rc := p.rec
	r := &reply.Recommendation{Unit: f.Agency(), ProposesUnit: f.ProposesUnit(), Quota: cc.Quota, QuotaKnown: cc.QuotaKnown,
		OnTime: onTime, Cutoff: rc.Cutoff}
	for _, pp := range f.Persons {
		r.Persons = append(r.Persons, pp.Name())
	}
	marked := 0
	for _, fd := range fs {
		if fd.Code == validate.CodeLate {
			continue
		}
		if fd.Severity != validate.SeverityInfo {
			marked++
		}
		r.Findings = append(r.Findings, reply.RecommendFinding{Finding: fd, Item: recommendItem(rc.Definition, f, fd)})
	}
	if marked > 0 {
		out, err := rc.Annotate(f, fs, rc.Definition)
		if err != nil {
			// The receipt lists every finding by cell: it goes without the copy.
			p.cfg.Log.Warn().Err(err).Msg("annotated 推荐表 could not be written; the receipt goes without it")
		} else {
			r.Annotated = out
		}
	}
	return r
}

// recommendItem names what a finding is about in the form's words:
// 第2名推荐人员 出生年月, 公示结束日期, 推荐优秀个人.
func recommendItem(def *recommend.Definition, f *recommend.Filled, fd validate.Finding) string {
	label := ""
	if d, ok := def.Field(fd.Field); ok {
		label = d.Label
	} else if fd.Field == recommend.SectionPersons {
		label = "推荐优秀个人"
	}
	if i := personOf(f, fd); i >= 0 && fd.Field != recommend.SectionPersons {
		return fmt.Sprintf("第%d名推荐人员 %s", i+1, label)
	}
	return label
}
