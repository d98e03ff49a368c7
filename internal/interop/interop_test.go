package interop

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/annotate"
	"kaohe/assess"
	"kaohe/config"
	"kaohe/consolidate"
	"kaohe/results"
	"kaohe/scoring"
	"kaohe/store"
	"kaohe/templates"
	"kaohe/validate"
)

var form = templates.MustLoad(2021)

// sources are the filled forms in testdata, each saved by the program it
// is named after; each has errors, so each gets an annotated copy.
var sources = []string{"excelize", "libreoffice", "openpyxl"}

// requireInterop makes a missing openpyxl or LibreOffice a failure instead
// of a skip: CI installs both.
func requireInterop() bool { return os.Getenv("KAOHE_REQUIRE_INTEROP") == "1" }

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if requireInterop() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// python finds a Python that imports openpyxl: Debian's python3-openpyxl
// is for /usr/bin/python3, which a python3 earlier on PATH may not be.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("KAOHE_PYTHON"), "/usr/bin/python3", "python3"} {
		if p == "" {
			continue
		}
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	skipOrFail(t, "no python3 with openpyxl (apt-get install python3-openpyxl)")
	return ""
}

// written is one workbook kaohe wrote, and what check.py must find in it.
type written struct {
	Path string         `json:"path"`
	Spec map[string]any `json:"-"`
	// Results are what the results workbook was written from.
	Results []store.FinalResult `json:"-"`
}

// writeAll writes into dir every kind of workbook kaohe writes: the blank
// form, the annotated copy of each source, and the staff workbook of the
// agencies whose forms they are.
func writeAll(t *testing.T, dir string) []written {
	t.Helper()
	l := templates.BlankLayout(form)
	var out []written
	put := func(name string, data []byte, spec map[string]any) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		spec["path"] = path
		out = append(out, written{Path: path, Spec: spec})
	}
	var blank bytes.Buffer
	if err := templates.WriteBlank(form, &blank); err != nil {
		t.Fatal(err)
	}
	put("blank.xlsx", blank.Bytes(), map[string]any{
		"sheets": []string{templates.SheetName}, "sheet": templates.SheetName,
		"values": map[string]string{l.TitleCell: form.Title, l.Scores["1.1"]: ""},
		"fills":  map[string]string{l.Scores["1.1"]: "FFF2CC", l.Caps["1.1"]: ""},
		// 业务财务管理 and 业务拓展 each begin a page, so that no section is split.
		"print_area": fmt.Sprintf("A1:E%d", l.LastRow),
		"row_breaks": []int{l.Rows["2.1"], l.Rows["3.1"]},
	})
	received := time.Date(2022, 1, 4, 9, 0, 0, 0, time.UTC)
	in := consolidate.Input{Form: form, Cutoff: time.Date(2022, 1, 5, 16, 0, 0, 0, time.UTC), Now: received.Add(time.Hour),
		Campaign: "2021年度代办处考核"}
	for i, src := range sources {
		data, err := os.ReadFile(filepath.Join("testdata", src+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})
		if rep.Status != assess.StatusNeedsFix || rep.Submission == nil {
			t.Fatalf("%s: status %s, findings %+v", src, rep.Status, rep.Findings)
		}
		annotated, err := annotate.Copy(rep, form)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		put("annotated-"+src+".xlsx", annotated, annotatedSpec(t, rep))
		name := fmt.Sprintf("测试%d区代办处", i+1)
		in.Roster = append(in.Roster, consolidate.Agency{Name: name, Type: scoring.District, Emails: []string{src + "@example.org"}})
		in.Entries = append(in.Entries, consolidate.Entry{Agency: name, Known: true, Type: scoring.District,
			FirstAt: received, LastAt: received, Versions: 1, Report: rep, Sender: src + "@example.org"})
	}
	var staff bytes.Buffer
	if _, err := consolidate.Build(&staff, in); err != nil {
		t.Fatal(err)
	}
	put("staff.xlsx", staff.Bytes(), map[string]any{"sheet": consolidate.SheetSummary})
	rules := config.DefaultResults()
	rules.IndividualQuota = 5
	o, err := results.Compute(in, results.Options{Rules: rules, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	var book bytes.Buffer
	if err := results.Write(&book, o, results.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	put("results.xlsx", book.Bytes(), map[string]any{
		"sheets": []string{results.SheetResults, results.SheetQuota, results.SheetRules}, "sheet": results.SheetResults,
		"values": map[string]string{"C1": results.ColAgency, "C2": o.Results[0].Agency}, "fills": map[string]string{"M2": "FFF2CC"},
		"no_formulas": true,
	})
	out[len(out)-1].Results = o.Results
	return out
}

// annotatedSpec is what the receipt promises of the annotated copy of rep:
// on the official form, each finding's cell filled red (error) or orange
// (warning) and commented with the message and the agency's own cell, the
// input cells white; the legend under the title; the 核定分 column with
// every verified score, red and bold where it differs from the self-score;
// one sheet; no formula.
func annotatedSpec(t *testing.T, rep *assess.Report) map[string]any {
	t.Helper()
	l := annotate.Layout(form)
	sub := rep.Submission
	fills := map[string]string{}
	comments := map[string][]string{}
	for _, fd := range rep.Findings {
		var cell string
		switch {
		case fd.Indicator != "" && fd.Cell == sub.Scores[fd.Indicator].Cell:
			cell = l.Scores[fd.Indicator]
		case fd.Field != "" && fd.Cell == sub.Fields[fd.Field].Cell:
			cell = l.Fields[fd.Field]
		case fd.Code == validate.CodeTotalMismatch:
			cell = l.TotalSelfCell
		default:
			continue
		}
		msg := fd.Message
		if _, rest, ok := strings.Cut(msg, "："); ok && len([]rune(msg))-len([]rune(rest)) <= 8 {
			msg = rest // the cell prefix the comment leaves out
		}
		comments[cell] = append(comments[cell], string([]rune(msg)[:min(10, len([]rune(msg)))]))
		if fd.Cell != "" {
			comments[cell] = append(comments[cell], "您发来的表中的单元格："+fd.Cell)
		}
		switch fd.Severity {
		case validate.SeverityError:
			fills[cell] = "FF7C80"
		case validate.SeverityWarning:
			if fills[cell] == "" {
				fills[cell] = "FFC000"
			}
		}
	}
	if _, marked := fills[l.Scores["1.1"]]; !marked {
		fills[l.Scores["1.1"]] = ""
	}
	if len(fills) == 0 {
		t.Fatalf("no finding of %s is marked: %+v", rep.File, rep.Findings)
	}
	v := l.VerifiedCol
	values := map[string]string{v + strconv.Itoa(l.HeaderRow): "核定分",
		l.LegendCells[0]: "错误", l.LegendCells[1]: "提醒", l.LegendCells[2]: "核定分"}
	fills[l.LegendCells[0]], fills[l.LegendCells[1]] = "FF7C80", "FFC000"
	fonts := map[string]string{}
	for _, ir := range rep.Indicators {
		cell := v + strconv.Itoa(l.Rows[ir.ID])
		values[cell] = strconv.FormatFloat(ir.Verified, 'f', -1, 64)
		if ir.Self == nil || *ir.Self != ir.Verified {
			fonts[cell] = "C00000"
		}
		fills[cell] = "E2EFDA"
	}
	values[v+strconv.Itoa(l.TotalRow)] = strconv.FormatFloat(rep.VerifiedTotal, 'f', -1, 64)
	return map[string]any{
		"sheets": []string{templates.SheetName}, "sheet": templates.SheetName, "no_formulas": true,
		"values": values, "fills": fills, "font_colors": fonts, "comments": comments, "comment_author": "考核系统",
	}
}

// Every workbook kaohe writes opens in openpyxl, and shows the fills,
// comments and 核定分 the receipt promises.
func TestOpenpyxlOpensWhatKaoheWrites(t *testing.T) {
	t.Parallel()
	py := python(t)
	dir := t.TempDir()
	books := writeAll(t, dir)
	var specs []map[string]any
	for _, b := range books {
		specs = append(specs, b.Spec)
	}
	js, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specPath, js, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "check.py", specPath).CombinedOutput()
	if err != nil {
		t.Fatalf("check.py: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

// soffice finds LibreOffice.
func soffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(t, "no soffice (apt-get install libreoffice-calc-nogui)")
	return ""
}

// convert runs LibreOffice headless on the files with its own profile (so
// that it neither needs nor disturbs a user's, nor another instance) and
// returns the folder it wrote to.
func convert(t *testing.T, to string, files ...string) string {
	t.Helper()
	exe := soffice(t)
	dir := t.TempDir()
	outDir := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	args := append([]string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--convert-to", to, "--outdir", outDir}, files...)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	return outDir
}

// Every workbook kaohe writes opens in LibreOffice and prints to PDF.
func TestLibreOfficePrintsWhatKaoheWrites(t *testing.T) {
	t.Parallel()
	soffice(t)
	dir := t.TempDir()
	books := writeAll(t, dir)
	var paths []string
	for _, b := range books {
		paths = append(paths, b.Path)
	}
	outDir := convert(t, "pdf", paths...)
	for _, p := range paths {
		pdf := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(p), ".xlsx")+".pdf")
		data, err := os.ReadFile(pdf)
		if err != nil {
			t.Errorf("%s: no PDF: %v", filepath.Base(p), err)
			continue
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) || len(data) < 2000 {
			t.Errorf("%s: %d bytes that are not a PDF", filepath.Base(pdf), len(data))
		}
	}
}

// Each source is what its name says: a file of another writer than ours.
func TestSourcesAreWhatTheySay(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"excelize":    "<Application>Go Excelize</Application>",
		"libreoffice": "<Application>LibreOffice",
		"openpyxl":    ">openpyxl</dc:creator>",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", src+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var props strings.Builder
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "docProps/") {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				props.Write(b)
			}
		}
		if !strings.Contains(props.String(), want) {
			t.Errorf("%s.xlsx: document properties lack %q", src, want)
		}
	}
}

// The checker itself fails on what issue 12 found: a colour of ten hex
// digits, as excelize's NewStyle writes for an ARGB colour that does not
// start with FF, makes openpyxl refuse the workbook.
func TestCheckerCatchesMalformedColours(t *testing.T) {
	t.Parallel()
	py := python(t)
	dir := t.TempDir()
	x := excelize.NewFile()
	defer x.Close()
	id, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "00000000"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetCellStyle("Sheet1", "A1", "A1", id); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bad.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal([]map[string]any{{"path": path}})
	specPath := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specPath, spec, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "check.py", specPath).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot open") {
		t.Errorf("check.py passed a workbook with colour FF00000000: %v\n%s", err, out)
	}
}

// The results workbook saved again by LibreOffice, as an office without
// Excel returns it, is read back as written.
func TestResultsWorkbookBackFromLibreOffice(t *testing.T) {
	t.Parallel()
	soffice(t)
	dir := t.TempDir()
	var book written
	for _, b := range writeAll(t, dir) {
		if filepath.Base(b.Path) == "results.xlsx" {
			book = b
		}
	}
	if book.Path == "" {
		t.Fatal("writeAll wrote no results workbook")
	}
	resaved, err := os.ReadFile(filepath.Join(convert(t, "xlsx:Calc MS Excel 2007 XML", book.Path), "results.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	got, refused := results.ReadApproval(bytes.NewReader(resaved), results.ApprovalOptions{Season: 2021, Computed: book.Results, Total: 5})
	if len(refused) > 0 {
		t.Fatalf("LibreOffice's copy refused: %v", refused)
	}
	computed := book.Results
	for i := range got {
		if got[i].Grade != computed[i].Grade || got[i].Quota != computed[i].Quota {
			t.Errorf("%s: %s %d after LibreOffice, %s %d before", got[i].Agency, got[i].Grade, got[i].Quota, computed[i].Grade, computed[i].Quota)
		}
	}
}
