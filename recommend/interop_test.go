package recommend

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/validate"
)

// requireInterop makes a missing LibreOffice or openpyxl a failure instead
// of a skip, as in internal/interop: CI installs both.
func requireInterop() bool { return os.Getenv("KAOHE_REQUIRE_INTEROP") == "1" }

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if requireInterop() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func soffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(t, "no soffice: the LibreOffice round trip is not tested (apt-get install libreoffice-calc-nogui)")
	return ""
}

// resave opens each file in LibreOffice and saves it as .xlsx, as a clerk
// with LibreOffice does, with a profile of its own.
func resave(t *testing.T, files ...string) string {
	t.Helper()
	exe := soffice(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	args := append([]string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out}, files...)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	return out
}

// interopFilling is a form with one of several problems and the ways of
// writing dates a clerk uses.
func interopFilling() filling {
	fl := goodFilling()
	fl.fields[FieldPhone] = "12"
	fl.fields[FieldPublicityEnd] = "2022年3月3日"
	fl.persons = append(fl.persons,
		personRow{"赵强", "男", "1940.03", "干事", "10年", "长期坚持。"},
		personRow{"孙梅", "女", 1995.02, "干事", 4, "做了很多工作。"})
	return fl
}

// interopWant is what Check finds in interopFilling under goodContext.
var interopWant = []string{
	"over_quota@B10", "invalid_field@D10", "publicity_too_short@G13", "invalid_field@G18",
}

func codesAt(fs []validate.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Code)+"@"+f.Cell)
	}
	return out
}

// summary is what a form holds, to compare across writers: each field's
// and person's text or date.
func summary(f *Filled) []string {
	var out []string
	put := func(id string, v Value) {
		s := id + "=" + v.Text
		if !v.Date.IsZero() {
			s = id + "=" + v.Date.Format("2006-01-02")
		}
		if v.IsNumber {
			s = id + "=#" + fmtNumber(v.Number)
		}
		out = append(out, s)
	}
	for _, fd := range def2021.Fields() {
		put(fd.ID, f.Fields[fd.ID])
	}
	for _, p := range f.Persons {
		for _, c := range def2021.Persons().Columns {
			put(c.ID, p.Values[c.ID])
		}
	}
	return out
}

// TestLibreOfficeRoundTrip fills the form with excelize and with openpyxl,
// saves both through LibreOffice and reads them back: the same values,
// the same findings at the same cells, and an annotated copy.
func TestLibreOfficeRoundTrip(t *testing.T) {
	t.Parallel()
	soffice(t)
	dir := t.TempDir()
	orig := buildFilled(t, interopFilling(), nil)
	must(t, os.WriteFile(filepath.Join(dir, "excelize.xlsx"), orig, 0o600))
	files := []string{filepath.Join(dir, "excelize.xlsx")}
	switch py := pythonIfAny(); {
	case py != "":
		files = append(files, fillWithOpenpyxl(t, py, dir))
	case requireInterop():
		t.Fatal("no python3 with openpyxl (apt-get install python3-openpyxl)")
	default:
		t.Log("no python3 with openpyxl: only the excelize-filled form goes through LibreOffice")
	}
	out := resave(t, files...)
	want := summary(readGood(t, orig))
	for _, src := range files {
		name := filepath.Base(src)
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("%s: LibreOffice wrote nothing: %v", name, err)
		}
		if !strings.Contains(string(appProps(t, data)), "LibreOffice") {
			t.Errorf("%s: not saved by LibreOffice", name)
		}
		if !Recognise(data) {
			t.Errorf("%s saved by LibreOffice: not recognised", name)
			continue
		}
		f := readGood(t, data)
		if got := summary(f); !slices.Equal(got, want) {
			t.Errorf("%s saved by LibreOffice reads\n%v\nwant\n%v", name, got, want)
		}
		fs := Check(f, def2021, goodContext())
		if got := codesAt(fs); !slices.Equal(got, interopWant) {
			t.Errorf("%s saved by LibreOffice: findings %v, want %v", name, got, interopWant)
		}
	}
}

func pythonIfAny() string {
	for _, p := range []string{os.Getenv("KAOHE_PYTHON"), "/usr/bin/python3", "python3"} {
		if p != "" && exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	return ""
}

// fillWithOpenpyxl fills the blank as interopFilling says, with openpyxl
// (dates as the clerk types them: date cells, text, numbers).
func fillWithOpenpyxl(t *testing.T, py, dir string) string {
	t.Helper()
	opts := BlankOptions{Persons: 4}
	blank := filepath.Join(dir, "blank.xlsx")
	f, err := os.Create(blank)
	must(t, err)
	must(t, WriteBlank(f, def2021, opts))
	must(t, f.Close())
	l := BlankLayout(def2021, opts)
	fl := interopFilling()
	var script strings.Builder
	script.WriteString("import datetime, sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb[" + pyStr(SheetName) + "]\n")
	set := func(cell string, v any) {
		script.WriteString("ws[" + pyStr(cell) + "] = " + pyValue(v) + "\n")
	}
	for _, fd := range def2021.Fields() {
		if v, ok := fl.fields[fd.ID]; ok {
			set(l.Fields[fd.ID], v)
		}
	}
	for i, p := range fl.persons {
		for col, v := range map[string]any{ColName: p.name, ColSex: p.sex, ColBirth: p.birth, ColTitle: p.title, ColYears: p.years, ColDeeds: p.deeds} {
			set(l.PersonCell(i, col), v)
		}
	}
	script.WriteString("wb.save(sys.argv[2])\n")
	out := filepath.Join(dir, "openpyxl.xlsx")
	cmd := exec.Command(py, "-c", script.String(), blank, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, b)
	}
	return out
}

func pyStr(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func pyValue(v any) string {
	switch v := v.(type) {
	case string:
		return pyStr(v)
	case time.Time:
		return v.Format("datetime.datetime(2006, 1, 2)")
	case int:
		return fmtNumber(float64(v))
	case float64:
		return strings.TrimRight(strings.TrimRight(strconvF(v), "0"), ".")
	}
	return "None"
}

// The form saved by LibreOffice in testdata (how it was made:
// testdata/README) reads as its excelize original, without LibreOffice
// at hand.
func TestLibreOfficeSavedForm(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "libreoffice.xlsx"))
	must(t, err)
	if !strings.Contains(string(appProps(t, data)), "LibreOffice") {
		t.Fatal("testdata/libreoffice.xlsx was not saved by LibreOffice")
	}
	f := readGood(t, data)
	if got, want := summary(f), summary(readGood(t, buildFilled(t, interopFilling(), nil))); !slices.Equal(got, want) {
		t.Errorf("reads\n%v\nwant\n%v", got, want)
	}
	if got := codesAt(Check(f, def2021, goodContext())); !slices.Equal(got, interopWant) {
		t.Errorf("findings %v, want %v", got, interopWant)
	}
}

// The blank itself survives LibreOffice: recognised, read, its drop-downs
// kept.
func TestBlankThroughLibreOffice(t *testing.T) {
	t.Parallel()
	soffice(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "blank.xlsx")
	f, err := os.Create(path)
	must(t, err)
	must(t, WriteBlank(f, def2021, BlankOptions{Agency: "丰台区代办处", Persons: 3, Quota: true}))
	must(t, f.Close())
	data, err := os.ReadFile(filepath.Join(resave(t, path), "blank.xlsx"))
	must(t, err)
	form := readGood(t, data)
	if form.Agency() != "丰台区代办处" || !form.TableFound || len(form.Persons) != 0 {
		t.Errorf("blank through LibreOffice: agency %q table %v persons %d", form.Agency(), form.TableFound, len(form.Persons))
	}
	x, err := excelize.OpenReader(strings.NewReader(string(data)))
	must(t, err)
	defer x.Close()
	dvs, err := x.GetDataValidations(SheetName)
	must(t, err)
	lists := 0
	for _, dv := range dvs {
		if dv.Type == "list" {
			lists++
		}
	}
	if lists < 3 {
		t.Errorf("%d drop-downs after LibreOffice, want 性别, 是否推荐 and 公示结果", lists)
	}
}
