package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/results"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
)

// gradesEnv is a season of five agencies of both types, graded by rules
// that differ between the types and cap the sector agencies' 优秀 at one.
type gradesEnv struct {
	t     *testing.T
	st    *store.Store
	c     *Campaign
	rules config.Results
}

func newGradesEnv(t *testing.T) *gradesEnv {
	r, _, err := roster.Parse("r.csv", []byte("考核单位,类型,邮箱\n朝阳区代办处,区,cy@example.org\n海淀区代办处,区,hd@example.org\n"+
		"市建工局代办处,局,jg@example.org\n市交通局代办处,局,jt@example.org\n市水务局代办处,局,sw@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	clock := testCutoff.Add(72 * time.Hour)
	st, err := store.Open(t.TempDir(), store.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rules := config.DefaultResults()
	rules.District = config.GradeRule{Excellent: 110, Good: 90, Pass: 60}
	rules.Sector = config.GradeRule{Excellent: 100, Good: 80, Pass: 50, ExcellentCap: config.Cap{Count: 1}}
	rules.IndividualQuota = 10
	e := &gradesEnv{t: t, st: st, rules: rules}
	e.c = New(st, Config{Form: templates.MustLoad(2021), Roster: r, Cutoff: testCutoff, Results: rules,
		Now: func() time.Time { return clock }, Log: zerolog.Nop()})
	for i, a := range []struct {
		name  string
		final float64
	}{
		{"朝阳区代办处", 105},  // district: 良好 (< 110)
		{"海淀区代办处", 85},   // district: 合格 (< 90)
		{"市建工局代办处", 105}, // sector: 优秀
		{"市交通局代办处", 102}, // sector: ≥ 100 but past the cap of one 优秀: 良好
		{"市水务局代办处", 85},  // sector: 良好 (≥ 80)
	} {
		e.submit(i, a.name, a.final)
	}
	return e
}

// submit stores an on-time accepted form of agency whose verified scores
// add up to total.
func (e *gradesEnv) submit(i int, agency string, total float64) {
	ctx := context.Background()
	form := templates.MustLoad(2021)
	rep := &assess.Report{Form: "2021", Unit: agency, Status: assess.StatusAccepted}
	short := form.TotalCap - total
	for _, s := range form.Sections {
		for _, ind := range s.Indicators {
			v := ind.Cap
			cut := min(v, short)
			short -= cut
			rep.Indicators = append(rep.Indicators, assess.IndicatorResult{ID: ind.ID, Section: s.ID, Cap: ind.Cap, Self: &v, Verified: v - cut})
		}
	}
	if short > 0 {
		e.t.Fatalf("fixture: %v below zero", total)
	}
	rep.SelfTotal, rep.VerifiedTotal = form.TotalCap, total
	sum := sha256.Sum256([]byte(agency))
	m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: fmt.Sprint(i, "@x"), Hash: hex.EncodeToString(sum[:]), Sender: "a@example.org",
		ReceivedAt: testCutoff.Add(-time.Duration(48+i) * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: true,
		Attachments: []store.AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Hash: hex.EncodeToString(sum[:]), Report: rep}}}); err != nil {
		e.t.Fatal(err)
	}
}

// summary builds the staff workbook and returns 汇总 by agency, its
// header, and the 统计 sheet's rows.
func (e *gradesEnv) summary() (map[string][]string, []string, [][]string) {
	e.t.Helper()
	data, _, err := e.c.Build(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(consolidate.SheetSummary)
	by := map[string][]string{}
	for _, r := range rows[1:] {
		by[r[0]] = r
	}
	stats, _ := f.GetRows(consolidate.SheetStats)
	return by, rows[0], stats
}

// cell is one agency's value in the 汇总 column named header.
func cell(t *testing.T, by map[string][]string, h []string, agency, header string) string {
	t.Helper()
	c := slices.Index(h, header)
	if c < 0 {
		t.Fatalf("汇总 has no column %q: %v", header, h)
	}
	if r := by[agency]; c < len(r) {
		return r[c]
	}
	return ""
}

// The staff workbook's 等级 and 类内排名 are the results': per type bands,
// the 优秀 cap, and the type's ranking; 统计 counts the same grades and
// says they are not approved yet.
func TestStaffWorkbookGradesFollowResults(t *testing.T) {
	e := newGradesEnv(t)
	by, h, stats := e.summary()
	want := map[string][2]string{
		"朝阳区代办处":  {"良好", "1"},
		"海淀区代办处":  {"合格", "2"},
		"市建工局代办处": {"优秀", "1"},
		"市交通局代办处": {"良好", "2"},
		"市水务局代办处": {"良好", "3"},
	}
	for agency, w := range want {
		if g, r := cell(t, by, h, agency, "等级（未审定）"), cell(t, by, h, agency, "类内排名"); g != w[0] || r != w[1] {
			t.Errorf("%s: 等级 %q 类内排名 %q, want %q %q", agency, g, r, w[0], w[1])
		}
	}
	// The same as the results workbook would say, agency by agency.
	in, err := e.c.Input(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, err := results.Compute(in, results.Options{Rules: e.rules})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range o.Results {
		if g := cell(t, by, h, r.Agency, "等级（未审定）"); g != string(r.Grade) {
			t.Errorf("%s: staff workbook %q, results %q", r.Agency, g, r.Grade)
		}
	}
	all := fmt.Sprint(stats)
	if !strings.Contains(all, "按当前考核结果规则") || !strings.Contains(all, "尚未审定") {
		t.Errorf("统计 does not say the grades are computed, not approved: %v", stats)
	}
	for i, r := range stats {
		if len(r) > 2 && r[0] == "考核等级" {
			// 良好: one district, two sector agencies.
			if g := stats[i+2]; len(g) < 3 || g[0] != "良好" || g[1] != "1" || g[2] != "2" {
				t.Errorf("统计 良好 row %v, want 1 district, 2 sector", g)
			}
		}
	}
}

// A grade the 主任办公会 changed on approval (良好 → 优秀) is the grade the
// next staff workbook shows, marked approved.
func TestStaffWorkbookShowsApprovedGrades(t *testing.T) {
	e := newGradesEnv(t)
	ctx := context.Background()
	in, err := e.c.Input(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, err := results.Compute(in, results.Options{Rules: e.rules, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveComputedResults(ctx, o.Results, store.ResultsRun{By: "test", Source: "kaohe results"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, o, results.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("考核结果")
	edited := false
	for i, r := range rows {
		if a, g := slices.Index(r, "考核单位"), slices.Index(r, "等级"); a >= 0 && g >= 0 {
			for j := i + 1; j < len(rows); j++ {
				if len(rows[j]) > g && rows[j][a] == "朝阳区代办处" {
					if rows[j][g] != "良好" {
						t.Fatalf("fixture: 朝阳区代办处 computed %q, want 良好", rows[j][g])
					}
					c, _ := excelize.CoordinatesToCellName(g+1, j+1)
					if err := f.SetCellValue("考核结果", c, "优秀"); err != nil {
						t.Fatal(err)
					}
					edited = true
				}
			}
			break
		}
	}
	if !edited {
		t.Fatal("朝阳区代办处 not found on 考核结果")
	}
	var approved bytes.Buffer
	if err := f.Write(&approved); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep, err := results.Import(ctx, e.st, 2021, approved.Bytes(), results.ImportOptions{Source: "审定.xlsx", By: "test", Total: e.rules.IndividualQuota})
	if err != nil || len(rep.Refused) > 0 {
		t.Fatalf("import: %v %v", err, rep.Refused)
	}

	by, h, stats := e.summary()
	if g := cell(t, by, h, "朝阳区代办处", "等级（已审定）"); g != "优秀" {
		t.Errorf("朝阳区代办处 等级 %q after approval, want 优秀", g)
	}
	if g := cell(t, by, h, "海淀区代办处", "等级（已审定）"); g != "合格" {
		t.Errorf("海淀区代办处 等级 %q, want 合格 as approved", g)
	}
	if all := fmt.Sprint(stats); !strings.Contains(all, "按考核结果（已审定") {
		t.Errorf("统计 does not say the grades are approved: %v", stats)
	}
}

// Without [results] rules the campaign grades by config.DefaultResults:
// one rule for the whole system.
func TestDefaultRulesAreTheConfigs(t *testing.T) {
	c := New(nil, Config{Now: func() time.Time { return time.Date(2022, 1, 1, 0, 0, 0, 0, cst.Location()) }})
	if c.cfg.Results.District != config.DefaultResults().District || c.cfg.Results.Sector != config.DefaultResults().Sector {
		t.Errorf("rules %+v", c.cfg.Results)
	}
}
