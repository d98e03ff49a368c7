package results

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/scoring"
)

// demoSeason is a small season of both types with a late, a missing and a
// vetoed agency, a quota of 10 and a floor of 2.
func demoSeason(t testing.TB) *Outcome {
	t.Helper()
	r := rules()
	r.IndividualQuota, r.MinPerExcellent = 10, 2
	r.Weights = config.Weights{Final: 0.5, Scale: 0.3, Sections: []config.SectionWeight{{Section: "业务拓展", Weight: 0.2}}}
	in := season([]ag{
		{name: "东城区代办处", typ: scoring.District, final: 112, ext: 38, insured: 52000, coverage: 80},
		{name: "西城区代办处", typ: scoring.District, final: 96, ext: 30, insured: 31000, coverage: 70},
		{name: "朝阳区代办处", typ: scoring.District, final: 72, ext: 25, insured: 90000, coverage: 60},
		{name: "海淀区代办处", typ: scoring.District, fate: late, final: 120},
		{name: "市建工集团代办处", typ: scoring.Sector, final: 104, ext: 33, insured: 12000, coverage: 90},
		{name: "市教育工会代办处", typ: scoring.Sector, final: 88, ext: 29, insured: 20000, coverage: 55},
		{name: "市商业工会代办处", typ: scoring.Sector, fate: missing},
		{name: "市卫生工会代办处", typ: scoring.Sector, fate: vetoed, final: 110},
	})
	nine := 9.0
	in.Reviews = append(in.Reviews, consolidateReview("西城区代办处", "3.1", &nine, "续转任务完成不足"),
		consolidateReview("西城区代办处", "", nil, "纸质版已收到"))
	o, err := Compute(in, Options{Rules: r, Season: 2021, Placeholders: []string{"results.weight_coverage"}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func writeBook(t testing.TB, o *Outcome, opts WriteOptions) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, o, opts); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return buf.Bytes(), f
}

func TestWorkbookShowsResults(t *testing.T) {
	t.Parallel()
	o := demoSeason(t)
	stamped := false
	_, f := writeBook(t, o, WriteOptions{Stamp: func(f *excelize.File) error {
		stamped = true
		return f.SetCustomProps(excelize.CustomProperty{Name: "token", Value: "abc"})
	}})
	if !stamped {
		t.Error("the stamp hook was not called")
	}
	if got := f.GetSheetList(); strings.Join(got, ",") != "考核结果,名额分配,说明" {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows(SheetResults)
	if err != nil {
		t.Fatal(err)
	}
	h := rows[0]
	at := func(name string) int {
		for i, c := range h {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, h)
		return 0
	}
	agency, rank, grade, quota, notes, final := at(ColAgency), at(ColRank), at(ColGrade), at(ColQuota), at(ColNotes), at("最终得分")
	ext := at("业务拓展")
	if len(rows) != 1+8+1 {
		t.Fatalf("%d rows, want header, 8 agencies and totals", len(rows))
	}
	sum := 0
	for i, r := range o.Results {
		row := rows[1+i]
		if row[agency] != r.Agency || row[grade] != string(r.Grade) || row[quota] != strconv.Itoa(r.Quota) {
			t.Errorf("row %d: %v; want %s %s %d", i+2, row, r.Agency, r.Grade, r.Quota)
		}
		sum += r.Quota
	}
	west := rows[2]
	if west[agency] != "西城区代办处" || west[rank] != "2" || west[final] != "75" || west[ext] != "9" ||
		west[notes] != "3.1：续转任务完成不足\n备注：纸质版已收到" {
		t.Errorf("西城: %q", west)
	}
	if late := rows[4]; late[agency] != "海淀区代办处" || late[rank] != "" || late[grade] != "不合格" || late[quota] != "0" {
		t.Errorf("海淀 (late): %q", late)
	}
	if tot := rows[9]; tot[agency] != "合计" || tot[quota] != "10" || sum != 10 {
		t.Errorf("totals %q, sum %d", tot, sum)
	}
	// Sector agencies (from row 6) print from a new page: a break after row 5.
	if brks := pageBreaks(t, f, SheetResults); brks != "5" {
		t.Errorf("page breaks after rows %q, want 5", brks)
	}
	// Landscape A4 with the header repeated.
	lay, err := f.GetPageLayout(SheetResults)
	if err != nil || lay.Size == nil || *lay.Size != 9 || lay.Orientation == nil || *lay.Orientation != "landscape" {
		t.Errorf("page layout %+v %v", lay, err)
	}

	q, err := f.GetRows(SheetQuota)
	if err != nil {
		t.Fatal(err)
	}
	// The weights stand above the columns of their factors.
	if !strings.Contains(q[0][0], "优秀个人名额总数 10") || q[1][2] != "业务目标" || q[2][2] != "0.5" || q[3][2] != "50.00%" ||
		q[4][2] != "最终得分" || q[4][4] != "参保人数" || q[1][8] != "业务拓展" || q[3][8] != "20.00%" {
		t.Errorf("factor rows: %q", q[:5])
	}
	var totals []string
	for _, r := range q {
		if len(r) > 0 && r[0] == "合计" {
			totals = r
		}
	}
	if totals == nil || totals[len(totals)-1] != "10" {
		t.Errorf("quota totals row: %q", totals)
	}
	rules, _ := f.GetRows(SheetRules)
	text := ""
	for _, r := range rules {
		text += strings.Join(r, "") + "\n"
	}
	for _, want := range []string{"2021 年度", "未在规定时间内提交", "业务拓展小计（高者在前）", "最大余数法", "results.weight_coverage", "kaohe results import"} {
		if !strings.Contains(text, want) {
			t.Errorf("说明 lacks %q", want)
		}
	}
}

func pageBreaks(t testing.TB, f *excelize.File, sheet string) string {
	t.Helper()
	// excelize has no reader for breaks: look at the sheet's XML.
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	g, _ := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	defer g.Close()
	raw, ok := g.Pkg.Load("xl/worksheets/sheet1.xml")
	if !ok {
		t.Fatal("no sheet1.xml")
	}
	s := string(raw.([]byte))
	var ids []string
	for _, part := range strings.Split(s, `<brk id="`)[1:] {
		ids = append(ids, part[:strings.IndexByte(part, '"')])
	}
	return strings.Join(ids, ",")
}
