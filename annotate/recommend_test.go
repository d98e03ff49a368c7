package annotate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/recommend"
	"kaohe/validate"
)

var recDef = recommend.MustLoad(2021)

// recForm fills a blank 推荐表 of three person rows, moved three rows down
// as a clerk might, and reads it back with the findings of its checks.
func recForm(t *testing.T, edit func(x *excelize.File, l recommend.Layout)) (*recommend.Filled, []validate.Finding) {
	t.Helper()
	opts := recommend.BlankOptions{Persons: 3}
	x, err := recommend.BuildBlank(recDef, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	l := recommend.BlankLayout(recDef, opts)
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }
	set := func(cell string, v any) {
		if err := x.SetCellValue(l.Sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for id, v := range map[string]any{
		recommend.FieldAgency: "丰台区代办处", recommend.FieldProposeUnit: "是", recommend.FieldUnitDeeds: "服务会员。",
		recommend.FieldPublicityStart: d(2022, 3, 1), recommend.FieldPublicityEnd: d(2022, 3, 3),
		recommend.FieldPublicityScope: "全体职工", recommend.FieldPublicityResult: "无异议", recommend.FieldLeaderSign: "李明",
		recommend.FieldSeal: "丰台区代办处", recommend.FieldFiller: "王芳", recommend.FieldPhone: "12", recommend.FieldDate: d(2022, 3, 10),
	} {
		set(l.Fields[id], v)
	}
	persons := [][]any{
		{"张伟", "男", d(1980, 5, 1), "主任", 12, "组织开展会员服务。"},
		{"=HYPERLINK(\"http://evil.example\",\"刘丽\")", "女", "1988年11月", "专管员", 8, "见 www.example.com"},
		{"赵强", "男", "1940.03", "干事", 10, "长期坚持。"},
	}
	for i, p := range persons {
		for j, col := range []string{recommend.ColName, recommend.ColSex, recommend.ColBirth, recommend.ColTitle, recommend.ColYears, recommend.ColDeeds} {
			set(l.PersonCell(i, col), p[j])
		}
	}
	if err := x.UnprotectSheet(l.Sheet); err != nil {
		t.Fatal(err)
	}
	if err := x.InsertRows(l.Sheet, 2, 3); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(x, l)
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, fs := recommend.Read(buf.Bytes(), recommend.ReadOptions{Definition: recDef})
	if f == nil {
		t.Fatalf("not read: %+v", fs)
	}
	ctx := recommend.Context{Quota: 2, QuotaKnown: true, Grade: "合格",
		Cutoff: time.Date(2022, 3, 9, 0, 0, 0, 0, time.UTC), Received: time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC)}
	return f, recommend.Check(f, recDef, ctx)
}

func openRecCopy(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func TestRecommendationCopy(t *testing.T) {
	t.Parallel()
	f, fs := recForm(t, nil)
	out, err := Recommendation(f, fs, recDef)
	if err != nil {
		t.Fatal(err)
	}
	x := openRecCopy(t, out)
	l := RecommendLayout(recDef, len(f.Persons))
	if sheets := x.GetSheetList(); len(sheets) != 1 || sheets[0] != recommend.SheetName {
		t.Fatalf("sheets %v", sheets)
	}
	get := func(cell string) string {
		v, err := x.GetCellValue(l.Sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	fill := func(cell string) string {
		id, _ := x.GetCellStyle(l.Sheet, cell)
		st, err := x.GetStyle(id)
		if err != nil || len(st.Fill.Color) == 0 {
			return ""
		}
		return st.Fill.Color[0]
	}
	// Values went to the official cells, whatever rows the clerk added.
	if get(l.Fields[recommend.FieldAgency]) != "丰台区代办处" || get(l.PersonCell(0, recommend.ColName)) != "张伟" ||
		get(l.PersonCell(0, recommend.ColBirth)) != "1980年5月" || get(l.Fields[recommend.FieldPublicityStart]) != "2022-03-01" {
		t.Errorf("values: %q %q %q %q", get(l.Fields[recommend.FieldAgency]), get(l.PersonCell(0, recommend.ColName)),
			get(l.PersonCell(0, recommend.ColBirth)), get(l.Fields[recommend.FieldPublicityStart]))
	}
	// Marked: over quota on the third person, 出生年月 of 赵强, the 公示, the phone.
	for _, c := range []string{l.PersonCell(2, recommend.ColName), l.PersonCell(2, recommend.ColBirth),
		l.Fields[recommend.FieldPublicityEnd], l.Fields[recommend.FieldPhone]} {
		if got := fill(c); got != fillError {
			t.Errorf("%s fill %q, want red", c, got)
		}
	}
	if got := fill(l.PersonCell(0, recommend.ColName)); got != "" {
		t.Errorf("an unmarked cell has fill %q", got)
	}
	comments, err := x.GetComments(l.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	var phone string
	for _, c := range comments {
		if c.Cell == l.Fields[recommend.FieldPhone] {
			phone = commentText(c)
		}
	}
	// The agency's phone was three rows further down in its own file.
	if !strings.Contains(phone, "不像电话号码") || !strings.Contains(phone, "您发来的表中的单元格：G20") {
		t.Errorf("phone comment %q", phone)
	}
	// The legend, and the notes block listing the late mail first.
	if get(l.LegendCells[0]) != "错误" || fill(l.LegendCells[0]) != fillError {
		t.Errorf("legend %q", get(l.LegendCells[0]))
	}
	rows, _ := x.GetRows(l.Sheet)
	var notes []string
	for _, r := range rows[l.FormLastRow:] {
		notes = append(notes, strings.Join(r, "|"))
	}
	text := strings.Join(notes, "\n")
	if !strings.Contains(text, notesTitle) || !strings.Contains(text, "逾期") || strings.Count(text, "错误|") < 4 {
		t.Errorf("notes block:\n%s", text)
	}
	// The name that was a formula is text, its link defanged.
	name := l.PersonCell(1, recommend.ColName)
	if fo, _ := x.GetCellFormula(l.Sheet, name); fo != "" {
		t.Errorf("%s carries a formula %q", name, fo)
	}
	if d := get(l.PersonCell(1, recommend.ColDeeds)); strings.Contains(d, "www.example") {
		t.Errorf("link not defanged: %q", d)
	}
	again, err := Recommendation(f, fs, recDef)
	if err != nil || !bytes.Equal(out, again) {
		t.Errorf("two copies of one check differ (err %v)", err)
	}
}

func TestRecommendationCopyBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Recommendation(nil, nil, recDef); err == nil {
		t.Error("no form, no error")
	}
	f, _ := recForm(t, nil)
	f.Year = 1999
	if _, err := Recommendation(f, nil, nil); err == nil {
		t.Error("a year without a 推荐表, no error")
	}
	// No findings: a copy without marks or notes.
	f.Year = 2021
	out, err := Recommendation(f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := openRecCopy(t, out)
	if cs, _ := x.GetComments(recommend.SheetName); len(cs) != 0 {
		t.Errorf("%d comments without findings", len(cs))
	}
}

// TestWriteRecommendationSample writes an annotated 推荐表 into the folder
// KAOHE_RENDER_DIR names, for contrib/render/render-workbooks.sh to print.
func TestWriteRecommendationSample(t *testing.T) {
	dir := os.Getenv("KAOHE_RENDER_DIR")
	if dir == "" {
		t.Skip("set KAOHE_RENDER_DIR=dir to write the sample")
	}
	f, fs := recForm(t, nil)
	out, err := Recommendation(f, fs, recDef)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "annotated-recommend.xlsx"), out, 0o600); err != nil {
		t.Fatal(err)
	}
}
