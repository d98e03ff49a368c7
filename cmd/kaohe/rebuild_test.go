package main

import (
	"bytes"
	"context"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/sample"
	"kaohe/mailparse"
	"kaohe/store"
	"kaohe/templates"
)

// agencyReplies counts the mail sent to the agencies (not to staff).
func agencyReplies(srv *mailserver.Server) int {
	n := 0
	for _, d := range srv.Deliveries() {
		if d.To[0] != demo.Staff {
			n++
		}
	}
	return n
}

// After an older backup is restored, `kaohe rebuild` re-creates the
// records of the mail processed since from the archive: the staff workbook
// holds every submission again, on time as it was, and nothing is sent
// again. Archived mail still waiting in the mailbox is left to the daemon,
// which answers it.
func TestRebuildAfterRestoringAnOlderBackup(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	at := time.Date(2021, 12, 20, 10, 0, 0, 0, time.UTC)
	haidian := func() []byte {
		b := testMail(t, "chaoyang@example.org", "朝阳区代办处", 4)
		data, err := sample.Workbook(templates.MustLoad(2021), sample.Good("海淀区代办处", true))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte("chaoyang@example.org"), []byte("haidian@example.org"), 1)
		i := bytes.Index(b, []byte("base64\r\n\r\n")) + len("base64\r\n\r\n")
		return append(append(b[:i:i], demo.Base64Lines(data)...), "\r\n--b--\r\n"...)
	}()
	mails := [][]byte{
		testMail(t, "chaoyang@example.org", "朝阳区代办处", 1),
		testMail(t, "chaoyang@example.org", "朝阳区代办处", 2),
		testMail(t, "chaoyang@example.org", "朝阳区代办处", 3),
		haidian,
		testMail(t, "chaoyang@example.org", "朝阳区代办处", 5),
		testMail(t, "chaoyang@example.org", "朝阳区代办处", 6), // late
	}
	serveOnce := func(what string) {
		t.Helper()
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
			t.Fatalf("%s: exit %d\n%s", what, code, stderr.String())
		}
	}
	for i, m := range mails[:2] {
		srv.Deliver(demo.Office, m, at.Add(time.Duration(i)*time.Hour))
	}
	serveOnce("first batch")
	dbPath := filepath.Join(dataDir, store.DBFile)
	backup, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range mails[2:5] {
		srv.Deliver(demo.Office, m, at.Add(time.Duration(i+2)*time.Hour))
	}
	srv.Deliver(demo.Office, mails[5], time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC))
	serveOnce("second batch")
	sent := agencyReplies(srv)
	if sent != 6 {
		t.Fatalf("%d replies before the restore, want 6", sent)
	}
	if n := staffMentions(t, srv, "form 6"); n != 1 {
		t.Fatalf("%d staff notices of the late form, want 1", n)
	}

	// The restore, as README says: the daemon is stopped, the old file is
	// put back. Mail 5 is found back in INBOX (archived, never answered).
	os.Remove(dbPath + "-wal")
	os.Remove(dbPath + "-shm")
	if err := os.WriteFile(dbPath, backup, 0o640); err != nil {
		t.Fatal(err)
	}
	srv.Deliver(demo.Office, mails[4], at.Add(4*time.Hour))

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"rebuild"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("rebuild: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	t.Logf("rebuild said:\n%s", stdout.String())
	for _, want := range []string{"已从存档补回 3 封邮件的记录；2 封原已在数据库中；1 封仍在收件箱等待", "0 封失败", "3 封取自收信记录",
		"3 封回执和通知记为已发送", "不再重复通知"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("rebuild output lacks %q", want)
		}
	}
	if n := agencyReplies(srv); n != sent {
		t.Errorf("rebuild sent %d mails", n-sent)
	}

	// Every submission is back, on time, in the staff workbook.
	out := filepath.Join(t.TempDir(), "汇总.xlsx")
	stdout.Reset()
	if code := run(context.Background(), []string{"consolidate", "-o", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("consolidate: exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{"已提交 2 家", "逾期 0 家"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("consolidate summary lacks %q:\n%s", want, stdout.String())
		}
	}
	if !workbookHas(t, out, "海淀区代办处") {
		t.Error("the staff workbook lacks 海淀区代办处, whose form was processed after the backup")
	}
	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.Submissions(context.Background(), store.SubmissionFilter{})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 5 {
		t.Errorf("%d submissions after the rebuild, want 5 (mail 5 waits for the daemon)", len(subs))
	}
	late := 0
	for _, s := range subs {
		if !s.OnTime {
			late++
		}
	}
	if late != 1 {
		t.Errorf("%d late submissions after the rebuild, want 1 (form 6)", late)
	}
	// The receipts recorded as sent are the very ones that went out: same
	// Message-ID, derived from the incoming mail.
	delivered := map[string]bool{}
	for _, d := range srv.Deliveries() {
		if m, err := mail.ReadMessage(bytes.NewReader(d.Raw)); err == nil {
			delivered[m.Header.Get("Message-ID")] = true
		}
	}
	st, err = store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := st.OutboxByState(context.Background(), store.StateSent, 0)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, o := range rebuilt {
		if strings.HasPrefix(o.LastError, "rebuilt") {
			marked++
			if !delivered[o.MessageID] {
				t.Errorf("rebuilt receipt %s was never delivered: its Message-ID is not the one sent", o.MessageID)
			}
		}
	}
	if marked != 3 {
		t.Errorf("%d receipts recorded as sent by the rebuild, want 3", marked)
	}

	// A second rebuild finds nothing to do; the daemon answers mail 5 and
	// nothing else.
	stdout.Reset()
	if code := run(context.Background(), []string{"rebuild"}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "已从存档补回 0 封") {
		t.Errorf("second rebuild: exit %d\n%s", code, stdout.String())
	}
	serveOnce("after the rebuild")
	if n := agencyReplies(srv); n != sent+1 {
		t.Errorf("%d mails sent after the rebuild, want 1 (the receipt of mail 5)", n-sent)
	}
	if n := staffMentions(t, srv, "form 6"); n != 1 {
		t.Errorf("%d staff notices of the late form after the rebuild, want still 1", n)
	}
}

// staffMentions counts the mail to staff whose text mentions s.
func staffMentions(t *testing.T, srv *mailserver.Server, s string) int {
	t.Helper()
	n := 0
	for _, d := range srv.Deliveries() {
		if d.To[0] != demo.Staff {
			continue
		}
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.Text, s) {
			n++
		}
	}
	return n
}

// rebuild refuses to run beside the daemon.
func TestRebuildRefusesWhileTheDaemonRuns(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	setEnv(t, testEnv(t, srv, dataDir))
	st, err := store.Open(dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"rebuild"}, io.Discard, &stderr); code != exitBad || !strings.Contains(stderr.String(), "请先停止守护进程") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func workbookHas(t *testing.T, path, text string) bool {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range r {
				if strings.Contains(c, text) {
					return true
				}
			}
		}
	}
	return false
}
