package recommend

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	_ "image/png" // excelize decodes a picture to size it
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
	"kaohe/validate"
)

// The ways clerks write a 出生年月, a date and a number of years.
func TestReadWrittenDates(t *testing.T) {
	t.Parallel()
	births := []struct {
		v    any
		want string
	}{
		{date(1980, 5, 17), "1980-05"},
		{"1985年3月", "1985-03"},
		{"1985.03", "1985-03"},
		{1985.03, "1985-03"}, // a number, shown through the column's date format as a day of 1905
		{1985.11, "1985-11"},
		{"1985-03", "1985-03"},
		{"1985/3", "1985-03"},
		{198503, "1985-03"},
		{"1985年3月5日", "1985-03"},
		{"１９８５年３月", "1985-03"},
		{" 1985 年 3 月 ", "1985-03"},
		{"1985.13", ""},
		{"85年3月", ""},
	}
	fl := goodFilling()
	fl.persons = nil
	for _, b := range births {
		fl.persons = append(fl.persons, personRow{"某人", "男", b.v, "干事", "12年", "事迹"})
	}
	days := []struct {
		id   string
		v    any
		want string
	}{
		{FieldPublicityStart, "2022年3月1日", "2022-03-01"},
		{FieldPublicityEnd, "2022.3.7", "2022-03-07"},
		{FieldDate, 20220310, "2022-03-10"},
	}
	for _, d := range days {
		fl.fields[d.id] = d.v
	}
	f := readGood(t, buildFilled(t, fl, nil))
	if len(f.Persons) != len(births) {
		t.Fatalf("%d persons read, want %d", len(f.Persons), len(births))
	}
	for i, b := range births {
		got := ""
		if d, ok := f.Persons[i].Birth(); ok {
			got = d.Format("2006-01")
		}
		if got != b.want {
			t.Errorf("出生年月 %v read as %q, want %q", b.v, got, b.want)
		}
		if v := f.Persons[i].Value(ColYears); !v.IsNumber || v.Number != 12 {
			t.Errorf("年限 12年 read as %+v", v)
		}
	}
	for _, d := range days {
		if got := f.Field(d.id).Date.Format("2006-01-02"); got != d.want {
			t.Errorf("%s %v read as %s, want %s", d.id, d.v, got, d.want)
		}
	}
}

// A clerk's own layout: the value after a colon in the label's cell,
// rows inserted above, labels with remarks, a second sheet first.
func TestReadMovedLayout(t *testing.T) {
	t.Parallel()
	data := buildFilled(t, goodFilling(), func(x *excelize.File, l Layout) {
		must(t, x.UnprotectSheet(l.Sheet))
		must(t, x.SetCellValue(l.Sheet, l.Labels[FieldAgency], "推荐单位：朝阳区代办处"))
		must(t, x.SetCellValue(l.Sheet, l.Fields[FieldAgency], ""))
		must(t, x.SetCellValue(l.Sheet, l.Labels[FieldPhone], "联系电话（座机）"))
		must(t, x.InsertRows(l.Sheet, 2, 3))
		_, err := x.NewSheet("说明")
		must(t, err)
		must(t, x.MoveSheet("说明", l.Sheet))
	})
	f := readGood(t, data)
	if f.Agency() != "朝阳区代办处" || f.Sheet != SheetName {
		t.Errorf("agency %q sheet %q", f.Agency(), f.Sheet)
	}
	if v := f.Field(FieldPhone); v.Text != "010-63801234" || v.Cell != "G19" {
		t.Errorf("phone %+v, want 010-63801234 at G19 (three rows down)", v)
	}
	if len(f.Persons) != 2 || f.Persons[0].Row != 11 || f.Persons[1].Name() != "刘丽" {
		t.Errorf("persons %+v", f.Persons)
	}
	if fs := Check(f, def2021, goodContext()); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

func TestReadPictureSeal(t *testing.T) {
	t.Parallel()
	png, err := os.ReadFile(filepath.Join("testdata", "seal.png"))
	must(t, err)
	fl := goodFilling()
	delete(fl.fields, FieldSeal)
	data := buildFilled(t, fl, func(x *excelize.File, l Layout) {
		must(t, x.AddPictureFromBytes(l.Sheet, l.Fields[FieldSeal], &excelize.Picture{Extension: ".png", File: png}))
	})
	f := readGood(t, data)
	if v := f.Field(FieldSeal); !v.Picture || v.Empty() {
		t.Errorf("seal %+v, want a picture", v)
	}
	if fs := Check(f, def2021, goodContext()); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

func TestRecognise(t *testing.T) {
	t.Parallel()
	good := buildFilled(t, goodFilling(), nil)
	var blank, assess bytes.Buffer
	must(t, WriteBlank(&blank, def2021, BlankOptions{Agency: "丰台区代办处", Persons: 2, Quota: true}))
	must(t, templates.WriteBlank(templates.MustLoad(2021), &assess))
	books := map[string]struct {
		data []byte
		want bool
	}{
		"filled":        {good, true},
		"blank":         {blank.Bytes(), true},
		"the 考核表":       {assess.Bytes(), false},
		"not a zip":     {[]byte("推荐表 姓名 出生年月"), false},
		"empty":         {nil, false},
		"other sheet":   {otherWorkbook(t, "2021年度推荐表", "备注"), false},
		"title renamed": {retitled(t, good), false},
	}
	// Filled 考核表 saved by excelize, LibreOffice and openpyxl.
	for _, src := range []string{"excelize", "libreoffice", "openpyxl"} {
		data, err := os.ReadFile(filepath.Join("..", "internal", "interop", "testdata", src+".xlsx"))
		must(t, err)
		books["考核表 by "+src] = struct {
			data []byte
			want bool
		}{data, false}
	}
	for name, c := range books {
		if got := Recognise(c.data); got != c.want {
			t.Errorf("%s: Recognise = %v, want %v", name, got, c.want)
		}
	}
}

// The 考核表's reader does not take a 推荐表 for a 考核表 either.
func TestAssessReaderRefusesRecommendation(t *testing.T) {
	t.Parallel()
	_, fs := validate.Read(buildFilled(t, goodFilling(), nil), validate.Options{Form: templates.MustLoad(2021)})
	if len(fs) != 1 || fs[0].Code != validate.CodeFormNotFound {
		t.Errorf("考核表 reader on a 推荐表: %+v", fs)
	}
}

func TestReadRefuses(t *testing.T) {
	t.Parallel()
	var assess bytes.Buffer
	must(t, templates.WriteBlank(templates.MustLoad(2021), &assess))
	cases := map[string]struct {
		data []byte
		want validate.Code
	}{
		"empty":       {nil, validate.CodeUnreadableFile},
		"text":        {[]byte("hello"), validate.CodeUnreadableFile},
		"the 考核表":     {assess.Bytes(), validate.CodeFormNotFound},
		"legacy xls":  {append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), validate.CodeUnreadableFile},
		"bomb":        {zipBomb(t), validate.CodeUnreadableFile},
		"truncated":   {buildFilled(t, goodFilling(), nil)[:3000], validate.CodeUnreadableFile},
		"ods":         {odsLike(t), validate.CodeLegacyFormat},
		"too large":   {append(zipMagicCopy(), make([]byte, DefaultMaxFileSize)...), validate.CodeUnreadableFile},
		"other sheet": {otherWorkbook(t, "工作总结", "内容"), validate.CodeFormNotFound},
	}
	for name, c := range cases {
		f, fs := Read(c.data, ReadOptions{})
		if f != nil || len(fs) != 1 || fs[0].Code != c.want || !strings.Contains(fs[0].Message, "请") {
			t.Errorf("%s: form %v findings %+v, want one %s saying what to do", name, f != nil, fs, c.want)
		}
	}
}

func zipMagicCopy() []byte { return append([]byte(nil), zipMagic...) }

// zipBomb is a workbook whose sheet inflates to far more than the part
// limit: refused from the directory, before anything is inflated.
func zipBomb(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/workbook.xml")
	must(t, err)
	_, _ = w.Write([]byte("<workbook/>"))
	w, err = zw.Create("xl/worksheets/sheet1.xml")
	must(t, err)
	chunk := bytes.Repeat([]byte("<c/>"), 1<<16)
	for n := 0; n < maxPartSize+len(chunk); n += len(chunk) {
		_, _ = w.Write(chunk)
	}
	must(t, zw.Close())
	if buf.Len() > 1<<20 {
		t.Fatalf("bomb of %d bytes is no bomb", buf.Len())
	}
	return buf.Bytes()
}

func odsLike(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("mimetype")
	must(t, err)
	_, _ = w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	must(t, zw.Close())
	return buf.Bytes()
}

func otherWorkbook(t *testing.T, title, label string) []byte {
	x := excelize.NewFile()
	defer x.Close()
	must(t, x.SetCellValue("Sheet1", "A1", title))
	must(t, x.SetCellValue("Sheet1", "A2", label))
	var buf bytes.Buffer
	must(t, x.Write(&buf))
	return buf.Bytes()
}

func retitled(t *testing.T, data []byte) []byte {
	x, err := excelize.OpenReader(bytes.NewReader(data))
	must(t, err)
	defer x.Close()
	must(t, x.SetCellValue(SheetName, "A1", "2021年度优秀个人名单"))
	var buf bytes.Buffer
	must(t, x.Write(&buf))
	return buf.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A form survives JSON (a worker process's answer, a stored proposal):
// the same checks find the same things.
func TestFilledJSONRoundTrip(t *testing.T) {
	t.Parallel()
	f := readGood(t, buildFilled(t, interopFilling(), nil))
	b, err := json.Marshal(f)
	must(t, err)
	var back Filled
	must(t, json.Unmarshal(b, &back))
	want, got := codesAt(Check(f, def2021, goodContext())), codesAt(Check(&back, def2021, goodContext()))
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("after JSON %v, before %v", got, want)
	}
	if !slices.Equal(summary(&back), summary(f)) {
		t.Errorf("values changed through JSON")
	}
}

// A 公示 period written whole in the start cell, the end cell left empty.
func TestReadPeriodInOneCell(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"2022年3月1日至3月7日":         "2022-03-01 2022-03-07",
		"2022.3.1-2022.3.7":      "2022-03-01 2022-03-07",
		"2022年3月1日~7日":           "2022-03-01 2022-03-07",
		"2022年2月28日 至 3月4日":      "2022-02-28 2022-03-04",
		"2022-03-01——2022-03-07": "2022-03-01 2022-03-07",
		"2022年3月1日起":             "",
	}
	for text, want := range cases {
		fl := goodFilling()
		fl.fields[FieldPublicityStart] = text
		delete(fl.fields, FieldPublicityEnd)
		f := readGood(t, buildFilled(t, fl, nil))
		s, e := f.Field(FieldPublicityStart), f.Field(FieldPublicityEnd)
		got := ""
		if !s.Date.IsZero() && !e.Date.IsZero() {
			got = s.Date.Format("2006-01-02") + " " + e.Date.Format("2006-01-02")
		}
		if got != want {
			t.Errorf("%q read as %q, want %q", text, got, want)
		}
		if want != "" && e.Cell != s.Cell {
			t.Errorf("%q: the end's cell %q, want the start's %q", text, e.Cell, s.Cell)
		}
		fs := Check(f, def2021, goodContext())
		if want != "" && len(fs) != 0 {
			t.Errorf("%q: findings %+v", text, fs)
		}
		if want == "" && len(fs) == 0 {
			t.Errorf("%q: no finding", text)
		}
	}
}
