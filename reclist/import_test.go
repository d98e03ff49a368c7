package reclist

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/reply"
	"kaohe/scoring"
	"kaohe/store"
)

func fixture() ([]Proposal, map[string]store.FinalResult) {
	at := time.Date(2022, 4, 1, 2, 0, 0, 0, time.UTC)
	props := []Proposal{
		{Ref: "1", Agency: "朝阳区代办处", Kind: store.KindUnit, ReceivedAt: at},
		{Ref: "2", Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Gender: "男", Birth: "1980-05", Title: "主任", Years: "12", ReceivedAt: at},
		{Ref: "3", Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Gender: "女", Birth: "1985-03", Title: "干事", Years: "8", ReceivedAt: at},
		{Ref: "4", Agency: "海淀区代办处", Kind: store.KindUnit, ReceivedAt: at},
		{Ref: "5", Agency: "海淀区代办处", Kind: store.KindPerson, Name: "王五", Gender: "男", Birth: "1979-01", Title: "科长", Years: "20", ReceivedAt: at,
			Findings: []string{"公示期不足 5 个工作日"}},
		{Ref: "6", Agency: "电力行业代办处", Kind: store.KindPerson, Name: "张三", Gender: "男", Birth: "1980-05", Title: "主任", Years: "12", ReceivedAt: at},
		// The same 张三, written with a space; two persons without 出生年月,
		// who match nobody.
		{Ref: "7", Agency: "市建工集团代办处", Kind: store.KindPerson, Name: "张 三", Birth: "1980-05", ReceivedAt: at},
		{Ref: "8", Agency: "市建工集团代办处", Kind: store.KindPerson, Name: "王六", ReceivedAt: at},
		{Ref: "9", Agency: "丰台区代办处", Kind: store.KindPerson, Name: "王六", ReceivedAt: at},
	}
	agencies := map[string]store.FinalResult{
		"朝阳区代办处":   {Agency: "朝阳区代办处", Type: scoring.District, Grade: store.GradeExcellent, Quota: 1},
		"海淀区代办处":   {Agency: "海淀区代办处", Type: scoring.District, Grade: store.GradeFail, Quota: 0},
		"电力行业代办处":  {Agency: "电力行业代办处", Type: scoring.Sector, Grade: store.GradeGood, Quota: 2},
		"市建工集团代办处": {Agency: "市建工集团代办处", Type: scoring.Sector, Grade: store.GradeGood, Quota: 2},
		"丰台区代办处":   {Agency: "丰台区代办处", Type: scoring.District, Grade: store.GradePass, Quota: 1},
	}
	return props, agencies
}

// exported writes the sheets as kaohe does and reopens them, as staff
// would the file they received.
func exported(t *testing.T, props []Proposal, agencies map[string]store.FinalResult, ds []store.Decision) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	if err := AddSheets(f, Sheets{Rows: Rows(props, agencies, ds)}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	g, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// decide fills the decision and note of the row whose 编号 is id.
func decide(t *testing.T, f *excelize.File, id int, label, note string) {
	t.Helper()
	rows, err := f.GetRows(SheetList)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if i > 0 && r[0] == fmt.Sprint(id) {
			dec, _ := excelize.CoordinatesToCellName(len(listHeaders)-2, i+1)
			nt, _ := excelize.CoordinatesToCellName(len(listHeaders)-1, i+1)
			if err := f.SetCellStr(SheetList, dec, label); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStr(SheetList, nt, note); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no row %d", id)
}

func TestSheetShowsChecks(t *testing.T) {
	props, agencies := fixture()
	f := exported(t, props, agencies, nil)
	rows, _ := f.GetRows(SheetList)
	if len(rows) != 1+len(props) {
		t.Fatalf("rows = %d, want %d", len(rows), 1+len(props))
	}
	checks := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) > 13 {
			checks[r[0]] = r[13]
		}
	}
	for id, want := range map[string]string{
		"3": "超过名额：推荐 2 人，名额 1 人",
		"4": "考核不合格，不能推荐为优秀单位",
		"5": "公示期不足 5 个工作日",
		"6": "同一人也由朝阳区代办处推荐",
		"7": "同一人也由电力行业代办处推荐",
	} {
		if !strings.Contains(checks[id], want) {
			t.Errorf("row %s checks = %q, want %q in it", id, checks[id], want)
		}
	}
	for _, id := range []string{"8", "9"} {
		if strings.Contains(checks[id], "同一人") {
			t.Errorf("row %s without 出生年月 matched someone: %q", id, checks[id])
		}
	}
	dvs, err := f.GetDataValidations(SheetList)
	if err != nil || len(dvs) != 1 || !strings.Contains(dvs[0].Formula1, LabelOverride) {
		t.Errorf("drop-down = %+v, %v", dvs, err)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	props, agencies := fixture()
	cases := []struct {
		name  string
		fill  func(t *testing.T, f *excelize.File)
		cells []string // refused cells, in order
		want  int      // decisions when nothing is refused
	}{
		{"good", func(t *testing.T, f *excelize.File) {
			decide(t, f, 1, LabelConfirmed, "")
			decide(t, f, 2, LabelConfirmed, "")
			decide(t, f, 3, LabelNotConfirmed, "名额已满")
			decide(t, f, 4, LabelNotConfirmed, "")
		}, nil, 4},
		{"over quota", func(t *testing.T, f *excelize.File) {
			decide(t, f, 2, LabelConfirmed, "")
			decide(t, f, 3, LabelConfirmed, "")
			decide(t, f, 1, LabelConfirmed, "")
		}, []string{"O3", "O4"}, 0},
		{"override within reason", func(t *testing.T, f *excelize.File) {
			decide(t, f, 2, LabelConfirmed, "")
			decide(t, f, 3, LabelOverride, "主任办公会2022年5月10日特批")
			decide(t, f, 4, LabelOverride, "整改到位，特批")
		}, nil, 3},
		{"override without reason", func(t *testing.T, f *excelize.File) {
			decide(t, f, 3, LabelOverride, "")
		}, []string{"O4"}, 0},
		{"not eligible unit", func(t *testing.T, f *excelize.File) {
			decide(t, f, 4, LabelConfirmed, "")
			decide(t, f, 1, LabelConfirmed, "")
		}, []string{"O5"}, 0},
		{"same person twice", func(t *testing.T, f *excelize.File) {
			decide(t, f, 2, LabelConfirmed, "")
			decide(t, f, 6, LabelConfirmed, "")
		}, []string{"O7"}, 0},
		{"same person written apart", func(t *testing.T, f *excelize.File) {
			decide(t, f, 2, LabelConfirmed, "")
			decide(t, f, 7, LabelConfirmed, "")
		}, []string{"O8"}, 0},
		{"namesakes without birth", func(t *testing.T, f *excelize.File) {
			decide(t, f, 8, LabelConfirmed, "")
			decide(t, f, 9, LabelConfirmed, "")
		}, nil, 2},
		{"unknown label", func(t *testing.T, f *excelize.File) {
			decide(t, f, 1, "同意", "")
		}, []string{"O2"}, 0},
		{"row added by hand", func(t *testing.T, f *excelize.File) {
			decide(t, f, 1, LabelConfirmed, "")
			for col, v := range map[string]string{"A": "99", "B": "朝阳区代办处", "H": "赵六", "O": LabelConfirmed} {
				f.SetCellStr(SheetList, col+"11", v)
			}
		}, []string{"A11"}, 0},
		{"name changed", func(t *testing.T, f *excelize.File) {
			f.SetCellStr(SheetList, "H3", "张叁")
			decide(t, f, 2, LabelConfirmed, "")
		}, []string{"A3"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := exported(t, props, agencies, nil)
			c.fill(t, f)
			imp, errs := ImportSheet(f, ImportOptions{Proposals: props, Results: agencies, Source: "结果.xlsx", Now: time.Now()})
			var cells []string
			for _, e := range errs {
				cells = append(cells, e.Cell)
				if !strings.HasPrefix(e.Message, SheetList+"!"+e.Cell+"：") {
					t.Errorf("message %q does not name its cell", e.Message)
				}
			}
			if fmt.Sprint(cells) != fmt.Sprint(c.cells) {
				t.Errorf("refused %v, want %v: %v", cells, c.cells, errs)
			}
			if len(errs) > 0 && (len(imp.Decisions) > 0 || len(imp.Cleared) > 0) {
				t.Errorf("refused import still returned %d decisions", len(imp.Decisions))
			}
			if len(errs) == 0 && len(imp.Decisions) != c.want {
				t.Errorf("decisions = %d, want %d", len(imp.Decisions), c.want)
			}
		})
	}
}

func TestImportClearsOnlyWhatWasExported(t *testing.T) {
	props, agencies := fixture()
	stored := []store.Decision{{Agency: "朝阳区代办处", Kind: store.KindUnit, Verdict: store.Confirmed}}
	f := exported(t, props, agencies, stored)
	decide(t, f, 1, "", "")
	imp, errs := ImportSheet(f, ImportOptions{Proposals: props, Results: agencies})
	if len(errs) > 0 || len(imp.Cleared) != 1 || imp.Cleared[0] != (store.DecisionKey{Agency: "朝阳区代办处", Kind: store.KindUnit}) {
		t.Fatalf("cleared = %v, errs %v", imp.Cleared, errs)
	}
	// A workbook exported before the decision was made clears nothing.
	g := exported(t, props, agencies, nil)
	imp, errs = ImportSheet(g, ImportOptions{Proposals: props, Results: agencies})
	if len(errs) > 0 || len(imp.Cleared) != 0 {
		t.Fatalf("stale workbook cleared %v (errs %v)", imp.Cleared, errs)
	}
}

func TestFinalListsAndUndecided(t *testing.T) {
	props, _ := fixture()
	ds := []store.Decision{
		{Agency: "朝阳区代办处", Kind: store.KindUnit, Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "张三", Birth: "1980-05", Verdict: store.Confirmed},
		{Agency: "朝阳区代办处", Kind: store.KindPerson, Name: "李四", Birth: "1985-03", Verdict: store.NotConfirmed},
	}
	lists, undecided := Final(props, ds)
	if len(undecided) != 6 {
		t.Fatalf("undecided = %v, want the 6 proposals of the other agencies", undecided)
	}
	var l reply.FinalList
	for _, x := range lists {
		if x.Agency == "朝阳区代办处" {
			l = x
		}
	}
	if l.Agency != "朝阳区代办处" || l.Unit == nil || l.Unit.Decision != reply.DecisionConfirmed || len(l.Persons) != 2 ||
		l.Persons[0].Name != "张三" || l.Persons[0].Post != "主任" || l.Persons[0].Decision != reply.DecisionConfirmed ||
		l.Persons[1].Decision != reply.DecisionNotConfirmed {
		t.Fatalf("朝阳 list = %+v", l)
	}
}

// Both sheets print on landscape A4, fitted to the page's width; the
// visible columns of 推荐名单 add up to at most 180 characters, which
// Excel and LibreOffice fit at about 78 %: 11 pt text prints at 8.5 pt.
func TestSheetsPrintOnA4(t *testing.T) {
	props, agencies := fixture()
	f := exported(t, props, agencies, nil)
	for _, sheet := range []string{SheetList, SheetMissing} {
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
			t.Errorf("%s page layout %+v, want A4 landscape fitted to one page wide", sheet, pl)
		}
	}
	width := 0.0
	for i := range listHeaders {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if visible, _ := f.GetColVisible(SheetList, col); !visible {
			continue
		}
		w, err := f.GetColWidth(SheetList, col)
		if err != nil {
			t.Fatal(err)
		}
		width += w
	}
	if width > 180 {
		t.Errorf("推荐名单 is %.0f characters wide, more than 180", width)
	}
}

// TestLongChecksGetTallRows: LibreOffice prints a row at its stored height,
// so a row whose checks wrap must be made tall enough, and a short one left
// alone.
func TestLongChecksGetTallRows(t *testing.T) {
	props, agencies := fixture()
	props[4].Findings = []string{"G11：公示期为2022年3月3日至2022年3月7日，只有 3 个工作日，不足 5 个工作日，请延长公示后重新报送", "H12：事迹超过 300 字"}
	f := exported(t, props, agencies, nil)
	rows, _ := f.GetRows(SheetList)
	for i, r := range rows[1:] {
		h, err := f.GetRowHeight(SheetList, i+2)
		if err != nil {
			t.Fatal(err)
		}
		switch r[0] {
		case "5":
			if h < 5*consolidate.LineHeight {
				t.Errorf("row 5 with long checks is %.0f pt high, want at least five lines", h)
			}
		case "8":
			if h > 3*consolidate.LineHeight+2 {
				t.Errorf("row 8 is %.0f pt high, want at most the three lines of its 类型", h)
			}
		}
	}
}
