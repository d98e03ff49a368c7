package campaign

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/internal/atomicfile"
	"kaohe/internal/cst"
	"kaohe/internal/wbtoken"
	"kaohe/reply"
	"kaohe/results"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
)

// Config is the campaign's settings.
type Config struct {
	// Season is the campaign year the store was opened for
	// (store.Options.Season); the workbook and staff mail name it. Zero
	// means the form's year.
	Season          int
	Form            *templates.Form
	Roster          *roster.Roster
	Cutoff          time.Time
	RecommendCutoff time.Time // results.recommend_cutoff: the 推荐表's deadline; zero when not set
	// Results are the [results] rules the staff workbook's 等级 and 类内排名
	// are computed by until the results are approved. Zero:
	// config.DefaultResults.
	Results          config.Results
	ReminderDays     []int         // e.g. 7, 3, 1 days before the cut-off
	ReminderTime     cst.TimeOfDay // reminders go out from this time of the day
	DailySummaryTime cst.TimeOfDay
	Staff            []string
	Compose          reply.ComposeOptions
	// NoticeEvery is the least time between two staff notices; events
	// wait and are batched. Zero: one hour.
	NoticeEvery time.Duration
	// Key stamps the staff workbook with the token that lets staff mail it
	// back (wbtoken). Nil: the key of the store's data folder, created on
	// first use.
	Key *wbtoken.Key
	Now func() time.Time
	Log zerolog.Logger
}

// Campaign runs the campaign jobs against the store.
type Campaign struct {
	cfg   Config
	store *store.Store

	mu       sync.Mutex
	staffErr error // of the last staff mail composed; nil when it composed
	key      *wbtoken.Key
}

// New returns the campaign jobs for st.
func New(st *store.Store, cfg Config) *Campaign {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NoticeEvery == 0 {
		cfg.NoticeEvery = time.Hour
	}
	if cfg.Roster == nil {
		cfg.Roster = &roster.Roster{}
	}
	if cfg.Results.District == (config.GradeRule{}) && cfg.Results.Sector == (config.GradeRule{}) {
		cfg.Results = config.DefaultResults()
	}
	if cfg.Season == 0 && cfg.Form != nil {
		cfg.Season = cfg.Form.Year
	}
	cfg.Compose.Season = cfg.Season
	return &Campaign{cfg: cfg, store: st, key: cfg.Key}
}

// Key is the workbook key: Config.Key, else the data folder's, loaded
// (or created) once.
func (c *Campaign) Key() (*wbtoken.Key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	k, err := wbtoken.LoadKey(c.store.Dir())
	if err != nil {
		return nil, err
	}
	c.key = k
	return k, nil
}

// WorkbookName is the consolidated workbook's file name in the data folder.
const WorkbookName = "汇总.xlsx"

// Input gathers what the staff workbook shows from the store.
func (c *Campaign) Input(ctx context.Context) (consolidate.Input, error) {
	in := consolidate.Input{Form: c.cfg.Form, Cutoff: c.cfg.Cutoff, Now: c.cfg.Now(),
		Campaign: fmt.Sprintf("%d年度代办处考核", c.cfg.Season)}
	for _, a := range c.cfg.Roster.Agencies {
		in.Roster = append(in.Roster, consolidate.Agency{Name: a.Name, Type: a.Type, Emails: a.Emails})
	}
	subs, err := c.store.Submissions(ctx, store.SubmissionFilter{})
	if err != nil {
		return in, err
	}
	assigned, err := c.store.Assignments(ctx)
	if err != nil {
		return in, err
	}
	in.Assigned = make(map[int64]string, len(assigned))
	for _, a := range assigned {
		in.Assigned[a.Submission] = a.Agency
	}
	onRoster := make(map[string]bool, len(in.Roster))
	for _, a := range in.Roster {
		onRoster[a.Name] = true
	}
	entries := map[string]*consolidate.Entry{}
	var order []string
	subjects := map[int64]string{}
	for _, s := range subs {
		if !onRoster[s.Agency] {
			// Held under no agency, or under one no longer on the roster:
			// a 名册外来件, for staff to assign.
			o, err := c.outside(ctx, s, subjects)
			if err != nil {
				return in, err
			}
			in.Outside = append(in.Outside, o)
			continue
		}
		key := s.Agency
		e := entries[key]
		if e == nil {
			e = &consolidate.Entry{Agency: key, Known: true, Type: s.AgencyType, Late: true, Sender: s.Sender, FirstAt: s.ReceivedAt}
			entries[key] = e
			order = append(order, key)
		}
		e.Versions++
		if in.Assigned[s.ID] != "" {
			e.Assigned++
		}
		if s.ReceivedAt.Before(e.FirstAt) {
			e.FirstAt = s.ReceivedAt
		}
		if s.OnTime {
			e.Late = false
		}
		if s.Current {
			e.Report, e.LastAt = s.Report, s.ReceivedAt
			if s.AgencyType != "" {
				e.Type = s.AgencyType
			}
		}
	}
	for _, k := range order {
		in.Entries = append(in.Entries, *entries[k])
	}
	if err := c.heldProposals(ctx, &in, subjects); err != nil {
		return in, err
	}
	revs, err := c.store.Reviews(ctx)
	if err != nil {
		return in, err
	}
	for _, r := range revs {
		in.Reviews = append(in.Reviews, consolidate.Review{Agency: r.Agency, Indicator: r.Indicator, Score: r.Score,
			Comment: r.Comment, Source: r.Source, At: r.At})
	}
	if in.Vetoes, err = c.store.Vetoes(ctx); err != nil {
		return in, err
	}
	paper, err := c.store.PaperForms(ctx)
	if err != nil {
		return in, err
	}
	for _, p := range paper {
		in.Paper = append(in.Paper, consolidate.PaperForm{Agency: p.Agency, Day: p.Day, Source: p.Source})
	}
	return in, nil
}

// Grades are the grades and ranks the staff workbook shows: the approved
// (审定) results once the 主任办公会 approved them, else the results
// computed from in under the configured rules, so that the staff
// workbook, the results workbook and the notices never disagree.
func (c *Campaign) Grades(ctx context.Context, in consolidate.Input) (consolidate.Grades, error) {
	run, approved, err := c.store.ResultsApproval(ctx)
	if err != nil {
		return consolidate.Grades{}, err
	}
	var rs []store.FinalResult
	if approved {
		if rs, err = c.store.FinalResults(ctx); err != nil {
			return consolidate.Grades{}, err
		}
	} else {
		o, err := results.Compute(in, results.Options{Rules: c.cfg.Results, Season: c.cfg.Season})
		if err != nil {
			return consolidate.Grades{}, err
		}
		rs = o.Results
	}
	g := consolidate.Grades{ByAgency: make(map[string]consolidate.Verdict, len(rs)), Approved: approved}
	if approved {
		g.ApprovedAt = run.At
	}
	for _, r := range rs {
		g.ByAgency[r.Agency] = consolidate.Verdict{Grade: string(r.Grade), Rank: r.Rank}
	}
	return g, nil
}

// outside describes a submission held outside the roster; subjects caches
// the subjects of the messages looked up.
func (c *Campaign) outside(ctx context.Context, s store.Submission, subjects map[int64]string) (consolidate.Outside, error) {
	o := consolidate.Outside{Submission: s.ID, Sender: s.Sender, File: s.Filename, ReceivedAt: s.ReceivedAt,
		OnTime: s.OnTime, Agency: s.Agency, Report: s.Report}
	if a, ok := c.cfg.Roster.ByUnit(s.Unit); ok {
		o.Named = a.Name
	}
	subject, ok := subjects[s.MessageID]
	if !ok {
		m, err := c.store.Message(ctx, s.MessageID)
		if err != nil {
			return o, fmt.Errorf("message of submission %d: %w", s.ID, err)
		}
		subject = m.Subject
		subjects[s.MessageID] = subject
	}
	o.Subject = subject
	return o, nil
}

// Build returns the staff workbook, stamped with the id of the Beijing
// day ("workbook-2022-01-03").
func (c *Campaign) Build(ctx context.Context) ([]byte, consolidate.Summary, error) {
	return c.BuildStamped(ctx, "workbook-"+beijingDay(c.cfg.Now()))
}

// BuildStamped returns the staff workbook stamped with a token for the
// season, kind review and id, so that staff can fill it in and mail it
// back (see pipeline.StaffWorkbook).
func (c *Campaign) BuildStamped(ctx context.Context, id string) ([]byte, consolidate.Summary, error) {
	in, err := c.Input(ctx)
	if err != nil {
		return nil, consolidate.Summary{}, fmt.Errorf("gather: %w", err)
	}
	if in.Grades, err = c.Grades(ctx, in); err != nil {
		return nil, consolidate.Summary{}, fmt.Errorf("grades: %w", err)
	}
	key, err := c.Key()
	if err != nil {
		return nil, consolidate.Summary{}, err
	}
	addRecommend, err := c.recommendSheets(ctx)
	if err != nil {
		return nil, consolidate.Summary{}, fmt.Errorf("gather: %w", err)
	}
	in.Stamp = func(f *excelize.File) error {
		if addRecommend != nil {
			if err := addRecommend(f); err != nil {
				return err
			}
		}
		_, err := key.Stamp(f, c.cfg.Season, wbtoken.KindReview, id)
		return err
	}
	var buf bytes.Buffer
	sum, err := consolidate.Build(&buf, in)
	if err != nil {
		return nil, sum, fmt.Errorf("build workbook: %w", err)
	}
	return buf.Bytes(), sum, nil
}

// Regenerate writes the staff workbook into the data folder, atomically,
// with one dated copy per Beijing day (汇总-2022-01-03.xlsx) kept beside it.
func (c *Campaign) Regenerate(ctx context.Context) (consolidate.Summary, error) {
	data, sum, err := c.Build(ctx)
	if err != nil {
		return sum, err
	}
	dir := filepath.Join(c.store.Dir(), "workbooks")
	if err := os.MkdirAll(dir, store.DirMode); err != nil {
		return sum, err
	}
	day := c.cfg.Now().In(cst.Location()).Format("2006-01-02")
	for _, name := range []string{WorkbookName, "汇总-" + day + ".xlsx"} {
		if err := atomicfile.WriteBytes(filepath.Join(dir, name), data, store.FileMode); err != nil {
			return sum, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return sum, nil
}

// WorkbookPath is where Regenerate writes the current staff workbook.
func WorkbookPath(dataDir string) string { return filepath.Join(dataDir, "workbooks", WorkbookName) }

func beijingDay(t time.Time) string { return t.In(cst.Location()).Format("2006-01-02") }
