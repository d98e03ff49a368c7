package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

// storedReport is a checked form as the pipeline would store it.
func storedReport(unit string, status assess.Status, verified float64) *assess.Report {
	form := templates.MustLoad(2021)
	rep := &assess.Report{Form: "2021", Unit: unit, AgencyType: "district", Status: status}
	for _, s := range form.Sections {
		rep.Sections = append(rep.Sections, assess.SectionResult{ID: s.ID, Name: s.Name, Cap: s.Cap})
		for _, ind := range s.Indicators {
			v := ind.Cap
			rep.Indicators = append(rep.Indicators, assess.IndicatorResult{ID: ind.ID, Section: s.ID, Cap: ind.Cap, Self: &v, Verified: v})
		}
	}
	rep.SelfTotal, rep.VerifiedTotal = 125, verified
	if status == assess.StatusNeedsFix {
		rep.Findings = []validate.Finding{{Code: validate.CodeScoreAboveCap, Severity: validate.SeverityError, Cell: "E21", Indicator: "1.4", Message: "E21：自评分超过标准分"}}
	}
	if status == assess.StatusUnreadable {
		rep.Indicators, rep.Sections = nil, nil
		rep.Findings = []validate.Finding{{Code: validate.CodeLegacyFormat, Severity: validate.SeverityError, Message: "旧版格式"}}
	}
	return rep
}

// TestWorkbookFromAStoreOfHundredAgencies fills a real store with 100 roster
// agencies in every state — accepted, needs fixing, unreadable, late,
// resubmitted, missing — plus an unknown sender and a formula-looking unit
// name, and reads the staff workbook back.
func TestWorkbookFromAStoreOfHundredAgencies(t *testing.T) {
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("考核单位,类型,邮箱\n")
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("第%02d区代办处", i)
		if i == 7 {
			names[i] = `=HYPERLINK("http://x","y")区`
		}
		fmt.Fprintf(&csv, "\"%s\",区,a%02d@example.org\n", strings.ReplaceAll(names[i], `"`, `""`), i)
	}
	r, problems, err := roster.Parse("r.csv", []byte(csv.String()))
	if err != nil || len(r.Agencies) != 100 {
		t.Fatalf("roster: %v %v (%d)", err, problems, len(r.Agencies))
	}
	e := &env{t: t, dir: t.TempDir(), clock: time.Date(2022, 1, 10, 9, 0, 0, 0, cst.Location()), r: r}
	e.open()
	seq := 0
	save := func(agency, sender string, at time.Time, rep *assess.Report) {
		seq++
		sum := sha256.Sum256([]byte(fmt.Sprint(seq)))
		m, _, err := e.st.RecordMessage(ctx, store.Message{MessageID: fmt.Sprint(seq, "@x"), Hash: hex.EncodeToString(sum[:]), Sender: sender, ReceivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		onTime := at.Before(testCutoff)
		if err := e.st.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: onTime,
			Attachments: []store.AttachmentResult{{Filename: "f.xlsx", Kind: "xlsx", Hash: hex.EncodeToString(sum[:]), Report: rep}}}); err != nil {
			t.Fatal(err)
		}
	}
	early := time.Date(2021, 12, 20, 10, 0, 0, 0, cst.Location())
	for i, name := range names {
		addr := fmt.Sprintf("a%02d@example.org", i)
		switch i % 6 {
		case 0: // accepted
			save(name, addr, early, storedReport(name, assess.StatusAccepted, 100+float64(i%20)))
		case 1: // needs fixing
			save(name, addr, early, storedReport(name, assess.StatusNeedsFix, 90))
		case 2: // unreadable
			save(name, addr, early, storedReport(name, assess.StatusUnreadable, 0))
		case 3: // late
			save(name, addr, testCutoff.Add(24*time.Hour), storedReport(name, assess.StatusAccepted, 110))
		case 4: // fixed on resubmission
			save(name, addr, early, storedReport(name, assess.StatusNeedsFix, 80))
			save(name, addr, early.Add(48*time.Hour), storedReport(name, assess.StatusAccepted, 120))
		case 5: // missing
		}
	}
	save("", "stranger@elsewhere.example", early, storedReport("某街道工会", assess.StatusAccepted, 99))

	data, sum, err := e.c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(consolidate.SheetSummary)
	byName := map[string][]string{}
	for _, row := range rows[1:] {
		if len(row) > 0 {
			byName[row[0]] = row
		}
	}
	if len(byName) != 100 {
		t.Errorf("汇总 has %d agencies, want the roster's 100", len(byName))
	}
	wantState := map[int]string{0: consolidate.StateAccepted, 1: consolidate.StateNeedsFix, 2: consolidate.StateUnreadable,
		3: consolidate.StateLate, 4: consolidate.StateAccepted, 5: consolidate.StateMissing}
	for _, i := range []int{0, 1, 2, 3, 4, 5, 10} {
		row := byName[names[i]]
		if len(row) < 6 || row[2] != wantState[i%6] {
			t.Errorf("%s: row %v, want state %s", names[i], row, wantState[i%6])
		}
	}
	if v := byName[names[4]]; len(v) > 5 && v[5] != "2" {
		t.Errorf("resubmitted agency shows %s versions, want 2", v[5])
	}
	if formula, _ := f.GetCellFormula(consolidate.SheetSummary, "A9"); formula != "" {
		t.Errorf("a unit name became a formula: %q", formula)
	}
	if _, ok := byName[names[7]]; !ok {
		t.Error("the formula-looking unit name is not kept as text")
	}
	missing, _ := f.GetRows(consolidate.SheetMissing)
	if got := len(missing) - 1; got != 16+17 { // 16 missing and 17 late agencies have no on-time form
		t.Errorf("未提交 lists %d agencies, want 33", got)
	}
	if sum.Missing != 16 || sum.Late != 17 || sum.NeedsFix != 17 || sum.Unreadable != 17 || sum.Accepted != 17+16 ||
		sum.Unknown != 1 || sum.Roster != 100 {
		t.Errorf("summary %+v", sum)
	}
}
