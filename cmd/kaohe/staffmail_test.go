package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/wbtoken"
	"kaohe/mailparse"
	"kaohe/results"
	"kaohe/store"
)

// staffMail is a mail from addr with the workbook attached.
func staffMail(from, msgID string, wb []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <%s>\r\nTo: <%s>\r\nSubject: =?UTF-8?B?5a6h5qC4?=\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"+
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"review.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		from, demo.Office, msgID)
	b.WriteString(demo.Base64Lines(wb))
	b.WriteString("\r\n--b--\r\n")
	return b.Bytes()
}

// TestStaffWorkbookThroughTheDaemon: the workbook of kaohe consolidate -o,
// filled in and mailed by a staff address, is imported by kaohe serve and
// answered with a 导入 reply; the same workbook from a stranger, and one
// whose stamps were removed, import nothing and staff hear of them.
func TestStaffWorkbookThroughTheDaemon(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	wbPath := filepath.Join(t.TempDir(), "汇总.xlsx")
	if code := run(context.Background(), []string{"consolidate", "-o", wbPath}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("consolidate: %d %s", code, errOut.String())
	}
	f, err := excelize.OpenFile(wbPath)
	if err != nil {
		t.Fatal(err)
	}
	if toks := wbtoken.Read(f); len(toks) != 1 || toks[0].Kind != wbtoken.KindReview || toks[0].Season != 2021 {
		t.Fatalf("consolidate -o stamped %+v", toks)
	}
	f.SetCellValue(consolidate.SheetSummary, cellOf(t, f, consolidate.SheetSummary, "朝阳区代办处", "一票否决"), "是")
	var filled bytes.Buffer
	f.Write(&filled)
	f.DeleteSheet(wbtoken.SheetName)
	f.SetCustomProps(excelize.CustomProperty{Name: "kaohe-token", Value: nil})
	var stripped bytes.Buffer
	f.Write(&stripped)
	f.Close()

	const stranger = "someone@elsewhere.example"
	srv.Deliver(demo.Office, staffMail(stranger, "s1@elsewhere.example", filled.Bytes()), at.Add(time.Hour))
	srv.Deliver(demo.Office, staffMail(demo.Staff, "s2@kaohe-demo.example.org", stripped.Bytes()), at.Add(2*time.Hour))
	before := len(srv.Deliveries())
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	if vetoes := vetoesIn(t, dataDir); len(vetoes) != 0 {
		t.Fatalf("vetoes after a stranger's and a stripped workbook: %v", vetoes)
	}
	subjects := mailTo(t, srv.Deliveries()[before:])
	if len(subjects[stranger]) != 0 || len(subjects[demo.Staff]) != 2 {
		t.Fatalf("mails after the refusals: %q", subjects)
	}

	srv.Deliver(demo.Office, staffMail(demo.Staff, "s3@kaohe-demo.example.org", filled.Bytes()), at.Add(3*time.Hour))
	before = len(srv.Deliveries())
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	if vetoes := vetoesIn(t, dataDir); !vetoes["朝阳区代办处"] {
		t.Fatalf("vetoes after the staff's workbook: %v", vetoes)
	}
	subjects = mailTo(t, srv.Deliveries()[before:])
	if s := subjects[demo.Staff]; len(s) != 1 || !strings.Contains(s[0], "导入完成") {
		t.Errorf("mail to staff after the import: %q", s)
	}
}

func vetoesIn(t *testing.T, dataDir string) map[string]bool {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{ReadOnly: true, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.Vetoes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// mailTo is the subjects of the deliveries by recipient.
func mailTo(t *testing.T, ds []mailserver.Delivery) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, d := range ds {
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range d.To {
			out[to] = append(out[to], p.Subject)
		}
	}
	return out
}

// TestResultsWorkbookByMail: the results workbook of kaohe results -o,
// approved and mailed back by staff, is stored as 审定 like kaohe results
// import; refused cells and a stranger's copy change nothing.
func TestResultsWorkbookByMail(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	t.Setenv("KAOHE_RESULTS_INDIVIDUAL_QUOTA", "3")
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	srv.Deliver(demo.Office, testMail(t, "chaoyang@example.org", "朝阳区代办处", 1), at)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("serve --once: %d %s", code, errOut.String())
	}
	book := filepath.Join(t.TempDir(), "考核结果.xlsx")
	if code := run(context.Background(), []string{"results", "-o", book}, io.Discard, &errOut); code != exitOK {
		t.Fatalf("results: %d %s", code, errOut.String())
	}
	edit := func(quota int, grade string) []byte {
		f, err := excelize.OpenFile(book)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if toks := wbtoken.Read(f); len(toks) != 1 || toks[0].Kind != wbtoken.KindResults || toks[0].Season != 2021 {
			t.Fatalf("results -o stamped %+v", toks)
		}
		f.SetCellValue(results.SheetResults, cellAt(t, f, "朝阳区代办处", results.ColQuota), quota)
		f.SetCellValue(results.SheetResults, cellAt(t, f, "朝阳区代办处", results.ColGrade), grade)
		var b bytes.Buffer
		f.Write(&b)
		return b.Bytes()
	}
	approved := func() bool {
		st, err := store.Open(dataDir, store.Options{ReadOnly: true, Season: 2021})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, ok, err := st.ResultsApproval(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	step := func(from, id string, wb []byte) map[string][]string {
		t.Helper()
		srv.Deliver(demo.Office, staffMail(from, id, wb), at.Add(24*time.Hour))
		before := len(srv.Deliveries())
		if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &errOut); code != exitOK {
			t.Fatalf("serve --once: %d %s", code, errOut.String())
		}
		return mailTo(t, srv.Deliveries()[before:])
	}

	got := step(demo.Staff, "r1@kaohe-demo.example.org", edit(2, "良好"))
	if approved() || len(got[demo.Staff]) != 1 || !strings.Contains(got[demo.Staff][0], "导入未完成：考核结果表有 1 处问题") {
		t.Fatalf("quotas not adding up: approved %v, mail %q", approved(), got)
	}
	got = step("someone@elsewhere.example", "r2@elsewhere.example", edit(3, "良好"))
	if approved() || len(got["someone@elsewhere.example"]) != 0 || len(got[demo.Staff]) != 1 || !strings.Contains(got[demo.Staff][0], "考核结果表") {
		t.Fatalf("a stranger's copy: approved %v, mail %q", approved(), got)
	}
	got = step(demo.Staff, "r3@kaohe-demo.example.org", edit(3, "良好"))
	if !approved() || len(got[demo.Staff]) != 1 || !strings.Contains(got[demo.Staff][0], "导入完成：考核结果表已导入") {
		t.Fatalf("approved by mail: %v, mail %q", approved(), got)
	}
	// The reply says what comes next for results, not for the summary.
	last, err := mailparse.Parse(srv.Deliveries()[len(srv.Deliveries())-1].Raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(last.Text, "kaohe results publish") || strings.Contains(last.Text, "汇总表") {
		t.Errorf("the 导入 reply to an approval does not lead to publishing:\n%s", last.Text)
	}
	st, err := store.Open(dataDir, store.Options{ReadOnly: true, Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.FinalResults(context.Background())
	if err != nil || len(rs) != 2 || !rs[0].Approved || rs[0].Grade != "良好" || rs[0].Quota != 3 {
		t.Fatalf("approved: %+v %v", rs, err)
	}
}
