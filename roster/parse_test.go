package roster

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"kaohe/scoring"
)

// want is the content of testdata/utf8.csv and its re-encodings.
var want = []Agency{
	{Name: "朝阳区代办处", Type: scoring.District, Emails: []string{"chaoyang@example.org"}, Contact: "张丽", Phone: "010-65001234", Row: 2},
	{Name: "海淀区代办处", Type: scoring.District, Emails: []string{"haidian@example.org", "hd2@example.org"}, Contact: "李强", Phone: "010-82001234", Row: 3},
	{Name: "经济技术开发区代办处", Type: scoring.District, Emails: []string{"kfq@example.org", "kfq.office@example.org"}, Contact: "王芳", Row: 4},
	{Name: "市建工集团代办处", Type: scoring.Sector, Emails: []string{"jiangong@example.org"}, Row: 5},
	{Name: "市教育工会代办处", Type: scoring.Sector, Emails: []string{"jiaoyu@example.org", "jy@example.org"}, Contact: "赵敏", Phone: "13800000000", Row: 6},
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// xlsxOf writes rows into a workbook; cover, when set, becomes a first
// sheet without a header.
func xlsxOf(t *testing.T, rows [][]any, cover bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if cover {
		if err := f.SetCellValue("Sheet1", "A1", "说明：本名单供考核使用"); err != nil {
			t.Fatal(err)
		}
		sheet = "名单"
		if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		cellRef, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cellRef, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseFormats(t *testing.T) {
	t.Parallel()
	utf8 := readTestdata(t, "utf8.csv")
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf8)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gbk, utf8) {
		t.Fatal("GBK encoding changed nothing")
	}
	rows := [][]any{
		{"考核单位", "类型", "邮箱", "联系人", "电话"},
		{"朝阳区代办处", "区", "chaoyang@example.org", "张丽", "010-65001234"},
		{"海淀区代办处", "district", "haidian@example.org; hd2@example.org", "李强", "010-82001234"},
		{"经济技术开发区代办处", "开发区", "kfq@example.org、kfq.office@example.org", "王芳"},
		{"市建工集团代办处", "总公司", "jiangong@example.org"},
		{"市教育工会代办处", "sector", "jiaoyu@example.org，jy@example.org", "赵敏", 13800000000},
	}
	cases := []struct {
		name, file string
		data       []byte
	}{
		{"utf8", "roster.csv", utf8},
		{"utf8 with BOM and CRLF", "roster.csv", readTestdata(t, "utf8-bom.csv")},
		{"GBK saved by Excel", "roster.csv", readTestdata(t, "gbk.csv")},
		{"GBK encoded here", "名单.csv", gbk},
		{"tab separated", "roster.txt", readTestdata(t, "tabs.tsv")},
		{"xlsx", "roster.xlsx", xlsxOf(t, rows, false)},
		{"xlsx, header on second sheet", "名单.xlsx", xlsxOf(t, rows, true)},
		{"xlsx without extension", "roster", xlsxOf(t, rows, false)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, problems, err := Parse(c.file, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 0 {
				t.Errorf("problems: %v", problems)
			}
			if !reflect.DeepEqual(r.Agencies, want) {
				t.Errorf("got  %+v\nwant %+v", r.Agencies, want)
			}
			if a, ok := r.BySender("JY@Example.ORG"); !ok || a.Name != "市教育工会代办处" {
				t.Errorf("BySender second address: %+v %v", a, ok)
			}
		})
	}
}

func TestEmailSeparators(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name, cell string
		want       []string
		bad        []string
	}{
		{"semicolon", "a@x.cn;b@x.cn", []string{"a@x.cn", "b@x.cn"}, nil},
		{"comma", "a@x.cn, b@x.cn", []string{"a@x.cn", "b@x.cn"}, nil},
		{"ideographic comma", "a@x.cn、b@x.cn", []string{"a@x.cn", "b@x.cn"}, nil},
		{"full-width semicolon", "a@x.cn；b@x.cn", []string{"a@x.cn", "b@x.cn"}, nil},
		{"full-width comma", "a@x.cn，b@x.cn", []string{"a@x.cn", "b@x.cn"}, nil},
		{"spaces and newline", "a@x.cn  b@x.cn\nc@x.cn", []string{"a@x.cn", "b@x.cn", "c@x.cn"}, nil},
		{"full-width at sign", "ａ＠ｘ.cn", []string{"a@x.cn"}, nil},
		{"display name", "张三 <a@x.cn>; 李四<b@x.cn>", []string{"a@x.cn", "b@x.cn"}, nil},
		{"mixed with a bad one", "a@x.cn；无", []string{"a@x.cn"}, []string{"无"}},
		{"double at", "a@@x.cn", nil, []string{"a@@x.cn"}},
		{"empty", " ", nil, nil},
	}
	for _, r := range rows {
		got, bad := splitEmails(r.cell)
		if !reflect.DeepEqual(got, r.want) || !reflect.DeepEqual(bad, r.bad) {
			t.Errorf("%s: splitEmails(%q) = %q, bad %q; want %q, bad %q", r.name, r.cell, got, bad, r.want, r.bad)
		}
	}
}

func TestProblemsReportedRestLoads(t *testing.T) {
	t.Parallel()
	r, problems, err := Parse("problems.csv", readTestdata(t, "problems.csv"))
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []struct {
		row  int
		text string
	}{
		{4, "考核单位为空"},
		{5, "类型“街道”无法识别"},
		{6, "tongzhou@@example.org"},
		{7, "chaoyang@example.org 同时登记在“朝阳区代办处”（第 3 行）和“顺义区代办处”"},
		{8, "与第 3 行重复"},
	}
	if len(problems) != len(wantProblems) {
		t.Fatalf("got %d problems, want %d: %v", len(problems), len(wantProblems), problems)
	}
	for i, w := range wantProblems {
		if problems[i].Row != w.row || !strings.Contains(problems[i].Message, w.text) {
			t.Errorf("problem %d = %v, want row %d with %q", i, problems[i], w.row, w.text)
		}
	}
	names := []string{}
	for _, a := range r.Agencies {
		names = append(names, a.Name)
	}
	if got := strings.Join(names, ","); got != "朝阳区代办处,房山区代办处,通州区代办处,顺义区代办处" {
		t.Errorf("agencies = %s", got)
	}
	fs, _ := r.ByUnit("房山区")
	if fs.Type != scoring.District || !fs.TypeInferred {
		t.Errorf("房山区: type %s inferred=%v, want district inferred", fs.Type, fs.TypeInferred)
	}
	tz, _ := r.ByUnit("通州区代办处")
	if !reflect.DeepEqual(tz.Emails, []string{"tz@example.org"}) {
		t.Errorf("通州区 emails %q, want the good one kept", tz.Emails)
	}
	cy, _ := r.ByUnit("朝阳区")
	if !reflect.DeepEqual(cy.Emails, []string{"chaoyang@example.org", "cy2@example.org"}) {
		t.Errorf("朝阳区 emails %q, want the duplicate row merged", cy.Emails)
	}
	if a, ok := r.BySender("chaoyang@example.org"); ok {
		t.Errorf("shared address identifies %s", a.Name)
	}
	if a, ok := r.BySender("cy2@example.org"); !ok || a.Name != "朝阳区代办处" {
		t.Errorf("merged address: %v %v", a.Name, ok)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"no header", "r.csv", []byte("朝阳区,区,a@x.cn\n"), "找不到表头"},
		{"empty", "r.csv", nil, "找不到表头"},
		{"legacy xls", "r.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "另存为"},
		{"broken zip", "r.xlsx", []byte("PK\x03\x04garbage"), "xlsx"},
		{"binary", "r.csv", []byte("考核单位,类型\x00,邮箱\n"), "不是文本"},
		{"header only name", "r.csv", []byte("考核单位\n朝阳区\n"), "找不到表头"},
	}
	for _, r := range rows {
		_, _, err := Parse(r.file, r.data)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: err = %v, want %q", r.name, err, r.want)
		}
	}
}

func TestHeaderVariants(t *testing.T) {
	t.Parallel()
	csv := "序号,单位名称,单位类型,电子邮箱（多个用；分隔）,联系电话\n1,朝阳区,区,a@x.cn；b@x.cn,6500\n"
	r, problems, err := Parse("r.csv", []byte(csv))
	if err != nil || len(problems) != 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	a := r.Agencies[0]
	if a.Name != "朝阳区" || len(a.Emails) != 2 || a.Phone != "6500" || a.Type != scoring.District {
		t.Errorf("got %+v", a)
	}
	// Without a 类型 column the type is inferred, and that is said once.
	r, problems, err = Parse("r.csv", []byte("考核单位,邮箱\n朝阳区,a@x.cn\n市总工会,b@x.cn\n"))
	if err != nil || len(problems) != 1 || problems[0].Row != 1 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	if r.Agencies[0].Type != scoring.District || r.Agencies[1].Type != scoring.Sector || !r.Agencies[1].TypeInferred {
		t.Errorf("inferred types wrong: %+v", r.Agencies)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	r, _, err := Load(filepath.Join("testdata", "gbk.csv"))
	if err != nil || len(r.Agencies) != len(want) {
		t.Fatalf("Load: %v, %v", r, err)
	}
	if _, _, err := Load(filepath.Join("testdata", "missing.csv")); err == nil {
		t.Error("missing file: no error")
	}
}
