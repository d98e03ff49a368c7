package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/assess"
	"kaohe/demo"
	"kaohe/internal/sample"
	"kaohe/store"
	"kaohe/templates"
)

// writeFormFile writes a 2022 definition made from the 2021 one, as an
// office would after a year: the year and title changed, nothing built
// into the program knows it.
func writeFormFile(t *testing.T, dir string) (string, *templates.Form) {
	t.Helper()
	src, err := templates.Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	next := strings.ReplaceAll(string(src), "2021年度", "2022年度")
	next = strings.Replace(next, "year: 2021", "year: 2022", 1)
	path := filepath.Join(dir, "form-2022.yaml")
	if err := os.WriteFile(path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	form, err := templates.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, form
}

// --form-file on template and check: the blank written from the file is
// the file's year, and a form filled on it is checked by the file's
// definition, whose id the report carries.
func TestFormFileOnTemplateAndCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, form := writeFormFile(t, dir)
	blank := filepath.Join(dir, "blank.xlsx")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"template", "--form-file", path, "-o", blank}, &out, &errOut); code != exitOK {
		t.Fatalf("template: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "2022年度") {
		t.Errorf("template printed %q, want the 2022 title", out.String())
	}
	data, err := sample.Workbook(form, sample.Good("朝阳区", true))
	if err != nil {
		t.Fatal(err)
	}
	filled := filepath.Join(dir, "朝阳区.xlsx")
	if err := os.WriteFile(filled, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "--json", "--form-file", path, filled},
		{"check", "--json", "--config", writeConfig(t, dir, "[campaign]\nform_file = \"form-2022.yaml\"\n"), filled},
	} {
		out.Reset()
		errOut.Reset()
		code := run(context.Background(), args, &out, &errOut)
		var rep assess.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		if code != exitOK || rep.Form != "2022" || rep.FormID != form.ID {
			t.Errorf("%v: exit %d, form %s id %s; want 0, 2022, %s\n%s", args, code, rep.Form, rep.FormID, form.ID, out.String())
		}
	}
	// config check names the definition in effect.
	out.Reset()
	run(context.Background(), []string{"config", "check", "--config", filepath.Join(dir, "kaohe.toml")}, &out, io.Discard)
	if want := "定义编号 " + form.ID + "，定义文件 " + path; !strings.Contains(out.String(), want) {
		t.Errorf("config check does not say %q:\n%s", want, out.String())
	}
	// The same workbook against the built-in 2021 form is another year's.
	out.Reset()
	if code := run(context.Background(), []string{"check", filled}, &out, &errOut); code == exitOK || !strings.Contains(out.String(), "2022") {
		t.Errorf("2022 form checked as 2021: exit %d\n%s", code, out.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"check", "--form-file", filepath.Join(dir, "none.yaml"), filled}, io.Discard, &errOut); code != exitBad || !strings.Contains(errOut.String(), "kaohe form check") {
		t.Errorf("missing form file: exit %d, %s", code, errOut.String())
	}
}

func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "kaohe.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A mail scored by the daemon under campaign.form_file records the
// definition that scored it: the workbook is read in a worker process,
// which is handed the file's definition, and reprocess with another
// definition records the new id.
func TestServeWithFormFileRecordsDefinition(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	env := testEnv(t, srv, dataDir)
	path, form := writeFormFile(t, t.TempDir())
	env["KAOHE_CAMPAIGN_FORM_FILE"] = path
	env["KAOHE_CUTOFF"] = "2023-01-06T00:00:00+08:00"
	setEnv(t, env)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	raw := string(testMail(t, "chaoyang@example.org", "朝阳区代办处", 1))
	raw = raw[:strings.Index(raw, "Content-Transfer-Encoding: base64\r\n\r\n")+len("Content-Transfer-Encoding: base64\r\n\r\n")] +
		demo.Base64Lines(data) + "\r\n--b--\r\n"
	if err := srv.Deliver(demo.Office, []byte(raw), time.Date(2022, 12, 20, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
	sub := onlySubmission(t, dataDir)
	if sub.Report.FormID != form.ID || sub.Status != assess.StatusAccepted {
		t.Fatalf("stored form id %q status %s, want %q accepted; findings %+v", sub.Report.FormID, sub.Status, form.ID, sub.Report.Findings)
	}

	// An edited definition of the same year (3.2 re-weighted inside its
	// cap): reprocess --form-file records the edit's id.
	src, _ := os.ReadFile(path)
	edited := filepath.Join(t.TempDir(), "form-2022b.yaml")
	os.WriteFile(edited, append(src, []byte("\n# 2022-02 修订\n")...), 0o600)
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"reprocess", "--form-file", edited}, &stdout, &stderr); code != exitOK {
		t.Fatalf("reprocess: exit %d\n%s", code, stderr.String())
	}
	ed, err := templates.LoadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	if ed.ID == form.ID {
		t.Fatalf("an edited file kept the id %s", ed.ID)
	}
	if got := onlySubmission(t, dataDir).Report.FormID; got != ed.ID {
		t.Errorf("after reprocess: form id %q, want %q", got, ed.ID)
	}
}

func onlySubmission(t *testing.T, dataDir string) store.Submission {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	subs, err := st.Submissions(context.Background(), store.SubmissionFilter{})
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %d, err %v", len(subs), err)
	}
	return subs[0]
}
