package consolidate

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

var (
	testCutoff = time.Date(2022, 1, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	testNow    = time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC)
)

const formulaName = `=HYPERLINK("http://x","y")`

// reportFor builds a report by hand: self-score of indicator j is the
// allowed score picked by (seed+j); verified equals self except for the
// indicators listed in lower, which are verified one allowed step lower.
func reportFor(form *templates.Form, unit string, typ scoring.AgencyType, seed int, status assess.Status, lower map[string]bool, findings []validate.Finding) *assess.Report {
	rep := &assess.Report{File: unit + ".xlsx", Form: "2021", Unit: unit, AgencyType: typ, Status: status, Findings: findings}
	if status == assess.StatusUnreadable {
		return rep
	}
	for si, s := range form.Sections {
		sec := assess.SectionResult{ID: s.ID, Name: s.Name, Cap: s.Cap}
		for j, ind := range s.Indicators {
			k := (seed + si*7 + j) % len(ind.Allowed)
			// Bias towards the top scores so totals spread over the bands.
			if (seed+j)%3 != 0 {
				k = len(ind.Allowed) - 1
			}
			self := ind.Allowed[k]
			ver := self
			if lower[ind.ID] && k > 0 {
				ver = ind.Allowed[k-1]
			}
			rep.Indicators = append(rep.Indicators, assess.IndicatorResult{ID: ind.ID, Section: s.ID, Cell: fmt.Sprintf("F%d", 17+len(rep.Indicators)), Self: &self, Verified: ver, Cap: ind.Cap})
			sec.Self += self
			sec.Verified += ver
		}
		rep.Sections = append(rep.Sections, sec)
		rep.SelfTotal += sec.Self
		rep.VerifiedTotal += sec.Verified
	}
	return rep
}

func finding(code validate.Code, cell, indicator, msg string) validate.Finding {
	f := validate.NewFinding(code, msg)
	f.Sheet, f.Cell, f.Indicator = "考核表", cell, indicator
	return f
}

// fixture is a campaign of n roster agencies in every state plus unknown
// senders. Agency i's state follows i%10: 0 未提交, 1 逾期, 2 需修改,
// 3 无法读取, 4 一票否决, 5 late after an on-time one (still on time), else
// 合格待审. Agency 7 is named like a formula.
type fixture struct {
	in      Input
	names   []string
	unknown []string
}

func agencyName(i int) string {
	if i == 7 {
		return formulaName
	}
	if i%2 == 0 {
		return fmt.Sprintf("第%03d区代办处", i)
	}
	return fmt.Sprintf("第%03d局代办处", i)
}

func newFixture(n, unknown int) *fixture {
	form := templates.MustLoad(2021)
	fx := &fixture{in: Input{Form: form, Vetoes: map[string]bool{}, Cutoff: testCutoff, Now: testNow, Campaign: "2021年度代办处考核"}}
	for i := range n {
		name := agencyName(i)
		typ := scoring.Sector
		if i%2 == 0 {
			typ = scoring.District
		}
		fx.names = append(fx.names, name)
		fx.in.Roster = append(fx.in.Roster, Agency{Name: name, Type: typ, Emails: []string{fmt.Sprintf("a%03d@example.cn", i), fmt.Sprintf("b%03d@example.cn", i)}})
		first := testCutoff.Add(-time.Duration(48+i) * time.Hour)
		e := Entry{Agency: name, Known: true, Type: typ, FirstAt: first, LastAt: first.Add(time.Hour), Versions: 1 + i%3, Sender: fmt.Sprintf("a%03d@example.cn", i)}
		var findings []validate.Finding
		status, lower := assess.StatusAccepted, map[string]bool{}
		switch i % 10 {
		case 0:
			continue
		case 1:
			e.FirstAt, e.LastAt, e.Late = testCutoff.Add(time.Hour), testCutoff.Add(2*time.Hour), true
		case 2:
			status = assess.StatusNeedsFix
			lower["2.4"], lower["3.3"] = true, true
			findings = append(findings,
				finding(validate.CodeScoreNotAllowed, "F25", "2.4", "=1+1 自评分不是可得分值"),
				finding(validate.CodeScoreInconsistent, "F33", "3.3", "3.3 自评分与基本情况不符"),
				finding(validate.CodeCoverageMismatch, "D6", "", "覆盖率与参保人数不符"))
			findings[2].Field = "coverage"
		case 3:
			status = assess.StatusUnreadable
			findings = append(findings, validate.NewFinding(validate.CodeLegacyFormat, "请另存为 .xlsx 后重新发送"))
		case 4:
			fx.in.Vetoes[name] = true
		}
		e.Report = reportFor(form, name, typ, i, status, lower, findings)
		fx.in.Entries = append(fx.in.Entries, e)
	}
	for k := range unknown {
		sender := fmt.Sprintf("stranger%d@mail.example", k)
		fx.unknown = append(fx.unknown, sender)
		at := testCutoff.Add(-time.Duration(5+k) * time.Hour)
		rep := reportFor(form, "某某产业工会", scoring.Sector, 100+k, assess.StatusAccepted, nil, []validate.Finding{finding(validate.CodeUnitMismatch, "B2", "", "考核单位不在名册中")})
		fx.in.Entries = append(fx.in.Entries, Entry{Agency: sender, Sender: sender, Type: scoring.Sector, FirstAt: at, LastAt: at, Versions: 1, Report: rep})
	}
	return fx
}

func (fx *fixture) entry(name string) *Entry {
	for i := range fx.in.Entries {
		if fx.in.Entries[i].Agency == name {
			return &fx.in.Entries[i]
		}
	}
	return nil
}

// build runs Build and reopens the workbook.
func build(t testing.TB, in Input) (*excelize.File, Summary, []byte) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := Build(&buf, in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, sum, buf.Bytes()
}

// sheetRows returns a sheet's rows, failing the test when it is missing.
func sheetRows(t testing.TB, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}

// rowsByName indexes data rows (after header rows) by their first cell,
// giving the 1-based sheet row number.
func rowsByName(rows [][]string, headerRows int) map[string]int {
	out := map[string]int{}
	for i := headerRows; i < len(rows); i++ {
		if len(rows[i]) > 0 {
			out[rows[i][0]] = i + 1
		}
	}
	return out
}

func col(t testing.TB, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}
