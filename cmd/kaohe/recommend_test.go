package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/recsample"
	"kaohe/mailparse"
	"kaohe/recommend"
	"kaohe/store"
)

// recommendMail is a mail from addr with the 推荐表 of unit attached.
func recommendMail(t *testing.T, from, unit, id string, persons ...recsample.Candidate) []byte {
	t.Helper()
	data, err := recsample.Workbook(recommend.MustLoad(2021), recsample.GoodRecommendation(unit, persons...))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <%s>\r\nTo: <%s>\r\nSubject: =?UTF-8?B?5o6o6I2Q6KGo?=\r\nMessage-ID: <%s@example.org>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"+
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"tjb.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		from, demo.Office, id)
	b.WriteString(demo.Base64Lines(data))
	b.WriteString("\r\n--b--\r\n")
	return b.Bytes()
}

// parsedTo is the mail the daemon sent to addr, parsed.
func parsedTo(t *testing.T, srv *mailserver.Server, addr string) []*mailparse.Parsed {
	t.Helper()
	var out []*mailparse.Parsed
	for _, d := range srv.Deliveries() {
		if d.To[0] != addr {
			continue
		}
		p, err := mailparse.Parse(d.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// The daemon answers 推荐表 through the mail server as it answers 考核表:
// the agency's receipt, the same person proposed by a second agency told to
// that agency and to staff, a stranger's 推荐表 held and the agency told.
func TestServeAnswersRecommendations(t *testing.T) {
	srv := startMail(t)
	dataDir := t.TempDir()
	env := testEnv(t, srv, dataDir)
	env["KAOHE_RESULTS_RECOMMEND_CUTOFF"] = "2022-04-01T00:00:00+08:00"
	setEnv(t, env)
	if err := srv.AddUser("haidian@example.org", "pw"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 3, 11, 2, 0, 0, 0, time.UTC)
	for i, m := range [][]byte{
		recommendMail(t, "chaoyang@example.org", "朝阳区代办处", "r1"),
		recommendMail(t, "haidian@example.org", "海淀区代办处", "r2",
			recsample.Candidate{Name: "张伟", Sex: "男", Birth: "1980年5月", Title: "干事", Years: 6, Deeds: "热心服务职工。"}),
		recommendMail(t, "someone@elsewhere.example.com", "朝阳区代办处", "r3"),
	} {
		if err := srv.Deliver(demo.Office, m, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--once"}, io.Discard, &stderr); code != exitOK {
		t.Fatalf("serve --once: exit %d\n%s", code, stderr.String())
	}
	cy := parsedTo(t, srv, "chaoyang@example.org")
	if len(cy) != 2 {
		t.Fatalf("%d mails to the first agency, want its receipt and the notice of the stranger's form", len(cy))
	}
	var receipt, notice *mailparse.Parsed
	for _, p := range cy {
		if strings.HasPrefix(p.Subject, "推荐表 回执") {
			receipt = p
		} else {
			notice = p
		}
	}
	if receipt == nil || !strings.Contains(receipt.Text, "优秀个人名额：尚未确定") {
		t.Errorf("first agency's receipt: %+v", receipt)
	}
	if notice == nil || !strings.Contains(notice.Subject, "推荐表") {
		t.Errorf("no notice of the stranger's 推荐表: %+v", notice)
	}
	// The two agencies' mails are handled at once: whichever is saved
	// second is told the person is proposed elsewhere, never by whom.
	hd := parsedTo(t, srv, "haidian@example.org")
	if len(hd) != 1 || receipt == nil {
		t.Fatalf("%d mails to the second agency", len(hd))
	}
	told := 0
	for other, p := range map[string]*mailparse.Parsed{"海淀区代办处": receipt, "朝阳区代办处": hd[0]} {
		if strings.Contains(p.Text, "张伟（出生年月 1980年5月）也由其他代办处推荐") {
			told++
		}
		if strings.Contains(p.Text, other) {
			t.Errorf("a receipt names the other agency %s:\n%s", other, p.Text)
		}
	}
	if told != 1 {
		t.Errorf("%d receipts say the person is proposed elsewhere, want 1", told)
	}
	staffTold := false
	for _, p := range parsedTo(t, srv, demo.Staff) {
		if strings.Contains(p.Text, "重复推荐的人员") && strings.Contains(p.Text, "张伟（出生年月 1980-05") {
			staffTold = true
		}
	}
	if !staffTold {
		t.Error("staff were not told of the person proposed twice")
	}
	st, err := store.Open(dataDir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cur, err := st.CurrentProposals(context.Background())
	if err != nil || len(cur) != 2 {
		t.Fatalf("%d current proposals, %v", len(cur), err)
	}
}
