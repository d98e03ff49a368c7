package campaign

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/xuri/excelize/v2"

	"kaohe/assess"
	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/internal/sample"
	"kaohe/internal/wbtoken"
	"kaohe/mailbox"
	"kaohe/mailparse"
	"kaohe/outbox"
	"kaohe/pipeline"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/store"
	"kaohe/templates"
)

// The staff workbook mailed back, through the real pipeline and a SQLite
// store: who may import it, and what everybody is told.

const (
	staffA    = "wangming@office.example.org"
	staffB    = "lisi@office.example.org"
	stranger  = "someone@elsewhere.example"
	authserv  = "mx.office.example.org"
	agencyCY  = "朝阳区代办处"
	agencyHD  = "海淀区代办处"
	evilTitle = "紧急：请立即处理 http://evil.example"
	evilFile  = "点我 http://evil.example.xlsx"
)

type staffEnv struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	c   *Campaign
	p   *pipeline.Pipeline
	uid uint32
	now time.Time
}

func newStaffEnv(t *testing.T) *staffEnv {
	t.Helper()
	e := &staffEnv{t: t, ctx: context.Background(), now: time.Date(2022, 1, 10, 9, 0, 0, 0, cst.Location())}
	clock := func() time.Time { return e.now }
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	r, _, err := roster.Parse("r.csv", []byte("考核单位,类型,邮箱\n朝阳区代办处,区,cy@example.org\n海淀区代办处,区,hd@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	form := templates.MustLoad(2021)
	compose := reply.ComposeOptions{From: "zzjgb@office.example.org", FromName: "办事处", Contact: "王明 010-12345678",
		MsgIDDomain: "office.example.org", Form: form}
	staff := []string{"王明 <" + strings.ToUpper(staffA[:1]) + staffA[1:] + ">", staffB}
	e.c = New(st, Config{Season: 2021, Form: form, Roster: r, Cutoff: testCutoff, Staff: staff, Compose: compose, Now: clock, Log: zerolog.Nop()})
	e.p = pipeline.New(st, pipeline.Config{Form: form, Cutoff: testCutoff, Roster: r, Reader: assess.InProcess,
		Compose: compose, Own: append([]string{compose.From}, staff...), ReplyUnknownSenders: true, RepliesPerSenderPerHour: 20,
		AuthServID: authserv, Staff: staff, StaffWorkbooks: []pipeline.StaffWorkbook{e.c.ReviewWorkbook()},
		Now: clock, Log: zerolog.Nop()})
	good, err := sample.Workbook(form, sample.Good(agencyCY, true))
	if err != nil {
		t.Fatal(err)
	}
	if m := e.handle(mailOf("cy@example.org", "考核表", "", "考核表.xlsx", good)); m.Outcome != store.OutcomeProcessed {
		t.Fatalf("agency form: %s", m.Outcome)
	}
	e.drain()
	return e
}

// mailOf is a mail with one attachment; headers go on top.
func mailOf(from, subject, headers, filename string, data []byte) []byte {
	var b strings.Builder
	b.WriteString(headers)
	fmt.Fprintf(&b, "From: %s\r\nTo: <zzjgb@office.example.org>\r\nSubject: %s\r\nMessage-ID: <%d.%s>\r\nMIME-Version: 1.0\r\n",
		from, mimeWord(subject), len(data), strings.ReplaceAll(from, "@", "."))
	b.WriteString("Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n审核表已填好\r\n")
	fmt.Fprintf(&b, "--zz\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", mimeWord(filename))
	b.WriteString(base64.StdEncoding.EncodeToString(data))
	b.WriteString("\r\n--zz--\r\n")
	return []byte(b.String())
}

func mimeWord(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

func (e *staffEnv) handle(raw []byte) store.Message {
	e.t.Helper()
	e.uid++
	if err := e.p.Handle(e.ctx, mailbox.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: e.uid, InternalDate: e.now, Size: int64(len(raw)), Raw: raw}); err != nil {
		e.t.Fatalf("handle: %v", err)
	}
	msgs, err := e.st.Messages(e.ctx, store.MessageFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return msgs[len(msgs)-1]
}

// sent is a mail of the outbox, read back.
type sent struct {
	to, kind, subject, text string
}

// drain returns the pending mail and marks it sent, so that the next call
// sees only what came after.
func (e *staffEnv) drain() []sent {
	e.t.Helper()
	items, err := e.st.OutboxByState(e.ctx, store.StatePending, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []sent
	for _, it := range items {
		out = append(out, readSent(e.t, it))
		if err := e.st.MarkSent(e.ctx, it.ID, e.now); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

func readSent(t *testing.T, it outbox.Item) sent {
	p, err := mailparse.Parse(it.Raw, mailparse.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return sent{to: it.To, kind: it.Kind, subject: p.Subject, text: p.Text}
}

// workbook is the staff workbook as kaohe mails it, filled in by edit.
func (e *staffEnv) workbook(edit func(f *excelize.File)) []byte {
	e.t.Helper()
	data, _, err := e.c.BuildStamped(e.ctx, "summary-test")
	if err != nil {
		e.t.Fatal(err)
	}
	return rewrite(e.t, data, edit)
}

func rewrite(t *testing.T, data []byte, edit func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if edit != nil {
		edit(f)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// review fills in, on the first department sheet, 审核分 (the verified
// score, or score when given) and 审核意见 of the first row of 朝阳区, and
// vetoes 海淀区 on 汇总.
func review(t *testing.T, score string) func(*excelize.File) {
	return func(f *excelize.File) {
		dept := consolidate.Departments(templates.MustLoad(2021))[0]
		rows, err := f.GetRows(dept)
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i + 1
		}
		for i, r := range rows {
			if len(r) > 0 && r[0] == agencyCY {
				v := score
				if v == "" {
					v = r[col["核定分"]-1]
				}
				cell, _ := excelize.CoordinatesToCellName(col["审核分"], i+1)
				f.SetCellValue(dept, cell, v)
				cell, _ = excelize.CoordinatesToCellName(col["审核意见"], i+1)
				f.SetCellValue(dept, cell, "经核实，材料齐全")
				break
			}
		}
		rows, _ = f.GetRows(consolidate.SheetSummary)
		for i, r := range rows {
			if len(r) > 0 && r[0] == agencyHD {
				for j, h := range rows[0] {
					if h == "一票否决" {
						cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
						f.SetCellValue(consolidate.SheetSummary, cell, "是")
					}
				}
			}
		}
	}
}

func (e *staffEnv) imported() (reviews int, vetoes int) {
	e.t.Helper()
	rs, err := e.st.Reviews(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	vs, err := e.st.Vetoes(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(rs), len(vs)
}

func TestStaffWorkbookImportedByMail(t *testing.T) {
	e := newStaffEnv(t)
	raw := mailOf("王明 <"+staffA+">", "审核意见", "Authentication-Results: "+authserv+"; dkim=pass header.d=office.example.org; spf=pass smtp.mailfrom=office.example.org\r\n",
		"随便起的名字.xlsx", e.workbook(review(t, "")))
	m := e.handle(raw)
	if m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffImported)
	}
	if r, v := e.imported(); r != 1 || v != 1 {
		t.Fatalf("stored %d reviews and %d vetoes, want 1 and 1", r, v)
	}
	mails := e.drain()
	if len(mails) != 1 || mails[0].to != staffA || !strings.Contains(mails[0].subject, "导入") {
		t.Fatalf("mail after the import: %+v", mails)
	}
	for _, want := range []string{"已导入", "审核意见 1 条，其中新增或改动 1 条", "一票否决 1 个，其中新设或撤销 1 个"} {
		if !strings.Contains(mails[0].text, want) {
			t.Errorf("reply lacks %q:\n%s", want, mails[0].text)
		}
	}
	// The same mail again (another UID, a restart): nothing new.
	if m := e.handle(raw); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("again: %s", m.Outcome)
	}
	if mails := e.drain(); len(mails) != 0 {
		t.Errorf("the same mail again sent %d mails", len(mails))
	}
	// The same workbook in a new mail: imported again, nothing changed.
	raw2 := bytes.Replace(raw, []byte("Message-ID: <"), []byte("Message-ID: <again."), 1)
	if m := e.handle(raw2); m.Outcome != store.OutcomeStaffImported {
		t.Fatalf("new mail: %s", m.Outcome)
	}
	if mails := e.drain(); len(mails) != 1 || !strings.Contains(mails[0].text, "审核意见 1 条，其中新增或改动 0 条") {
		t.Errorf("second import reply: %+v", mails)
	}
	// kaohe consolidate shows the review: the staff workbook reads it back.
	in, err := e.c.Input(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Reviews) != 1 || in.Reviews[0].Agency != agencyCY || in.Reviews[0].Comment != "经核实，材料齐全" || !in.Vetoes[agencyHD] {
		t.Errorf("workbook input after import: reviews %+v, vetoes %v", in.Reviews, in.Vetoes)
	}
}

func TestStaffWorkbookRefusedCells(t *testing.T) {
	e := newStaffEnv(t)
	m := e.handle(mailOf(staffB, "审核", "", "汇总.xlsx", e.workbook(review(t, "999"))))
	if m.Outcome != store.OutcomeStaffRefused {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffRefused)
	}
	if r, v := e.imported(); r != 0 || v != 0 {
		t.Errorf("refused workbook stored %d reviews and %d vetoes", r, v)
	}
	mails := e.drain()
	if len(mails) != 1 || mails[0].to != staffB || !strings.Contains(mails[0].subject, "导入") || !strings.Contains(mails[0].subject, "1 处问题") {
		t.Fatalf("mails: %+v", mails)
	}
	dept := consolidate.Departments(templates.MustLoad(2021))[0]
	for _, want := range []string{dept + "!", "999", "全部未导入"} {
		if !strings.Contains(mails[0].text, want) {
			t.Errorf("reply lacks %q:\n%s", want, mails[0].text)
		}
	}
}

// Each row is refused: nothing imported, every staff address told in one
// notice that quotes neither subject nor attachment name; the sender gets
// a reply only when it is a staff address with a token problem.
func TestStaffWorkbookRefusedSenders(t *testing.T) {
	pass := "Authentication-Results: " + authserv + "; dkim=pass header.d=office.example.org\r\n"
	cases := []struct {
		name, from, headers string
		book                func(e *staffEnv) []byte
		reason              string // in the notice
		replyToSender       bool
	}{
		{name: "a stranger with a genuine workbook", from: stranger, headers: pass,
			book: func(e *staffEnv) []byte { return e.workbook(review(t, "")) }, reason: "不是登记的工作人员地址"},
		{name: "forged staff From, no token", from: staffA,
			book: func(e *staffEnv) []byte { return unstamped(e) }, reason: "没有系统寄出时写入的校验码", replyToSender: true},
		{name: "forged staff From, token of another season", from: staffA,
			book: func(e *staffEnv) []byte { return e.stampedAs(2020, wbtoken.KindReview, "summary-old") }, reason: "另一个考核年度", replyToSender: true},
		{name: "forged staff From, token of another kind", from: staffA,
			book: func(e *staffEnv) []byte { return e.stampedAs(2021, wbtoken.KindResults, "r1") }, reason: "另一种工作簿", replyToSender: true},
		{name: "forged staff From, tampered token", from: staffA,
			book: func(e *staffEnv) []byte { return tamper(t, e.workbook(review(t, ""))) }, reason: "校验码不对", replyToSender: true},
		{name: "forged staff From, token under another key", from: staffA,
			book: func(e *staffEnv) []byte {
				other, _ := wbtoken.NewKey(bytes.Repeat([]byte{9}, 32))
				return stampWith(t, unstamped(e), other, 2021, wbtoken.KindReview, "summary-x")
			}, reason: "校验码不对", replyToSender: true},
		{name: "DKIM fail from our server", from: staffA,
			headers: "Authentication-Results: " + authserv + "; dkim=fail header.d=office.example.org\r\n",
			book:    func(e *staffEnv) []byte { return e.workbook(review(t, "")) }, reason: "dkim=fail"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newStaffEnv(t)
			m := e.handle(mailOf(tc.from, evilTitle, tc.headers, evilFile, tc.book(e)))
			if m.Outcome != store.OutcomeStaffUntrusted {
				t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffUntrusted)
			}
			if r, v := e.imported(); r != 0 || v != 0 {
				t.Errorf("stored %d reviews and %d vetoes", r, v)
			}
			to := map[string]sent{}
			for _, s := range e.drain() {
				if _, dup := to[s.to]; dup {
					t.Errorf("two mails to %s", s.to)
				}
				to[s.to] = s
				for _, bad := range []string{"evil", "紧急", "点我"} {
					if strings.Contains(s.subject+s.text, bad) {
						t.Errorf("mail to %s quotes the forger's %q:\n%s\n%s", s.to, bad, s.subject, s.text)
					}
				}
				if !strings.Contains(s.text, tc.reason) {
					t.Errorf("mail to %s lacks the reason %q:\n%s", s.to, tc.reason, s.text)
				}
			}
			if _, ok := to[stranger]; ok {
				t.Errorf("the stranger got a mail")
			}
			if len(to) != 2 {
				t.Errorf("mails to %d addresses, want both staff: %v", len(to), to)
			}
			notice := to[staffB]
			if notice.kind != store.KindStaffWorkbookNotice || !strings.Contains(notice.text, tc.from) {
				t.Errorf("notice to the other staff: %+v", notice)
			}
			a := to[staffA]
			switch {
			case tc.replyToSender && (a.kind != store.KindReply || !strings.Contains(a.subject, "导入") || !strings.Contains(a.text, "最近寄出")):
				t.Errorf("staff sender with a token problem should be told what to do: %+v", a)
			case !tc.replyToSender && a.kind != store.KindStaffWorkbookNotice:
				t.Errorf("staff address %s should get the notice: %+v", staffA, a)
			}
		})
	}
}

// A token stripped from one place by a program that re-saved the workbook
// is still accepted when the other survives.
func TestStaffWorkbookOneStampSurvives(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, data []byte) []byte
	}{
		{"property only", func(t *testing.T, data []byte) []byte {
			return rewrite(t, data, func(f *excelize.File) { f.DeleteSheet(wbtoken.SheetName) })
		}},
		{"sheet only", func(t *testing.T, data []byte) []byte {
			return rewrite(t, data, func(f *excelize.File) {
				f.SetCustomProps(excelize.CustomProperty{Name: "kaohe-token", Value: nil})
			})
		}},
		{"re-saved by openpyxl", resaveOpenpyxl},
		{"re-saved by LibreOffice", resaveLibreOffice},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newStaffEnv(t)
			data := tc.edit(t, e.workbook(review(t, "")))
			p, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			n := len(wbtoken.Read(p))
			p.Close()
			if m := e.handle(mailOf(staffA, "审核", "", "汇总.xlsx", data)); m.Outcome != store.OutcomeStaffImported {
				t.Fatalf("outcome %s with %d stamp(s) left", m.Outcome, n)
			}
			if r, v := e.imported(); r != 1 || v != 1 {
				t.Errorf("stored %d reviews and %d vetoes", r, v)
			}
		})
	}
}

// unstamped is the staff workbook written without a token, as a forger
// rebuilding it by hand would.
func unstamped(e *staffEnv) []byte {
	in, err := e.c.Input(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := consolidate.Build(&buf, in); err != nil {
		e.t.Fatal(err)
	}
	return rewrite(e.t, buf.Bytes(), review(e.t, ""))
}

// stampedAs is the filled workbook stamped with this data folder's key for
// another season or kind.
func (e *staffEnv) stampedAs(season int, kind wbtoken.Kind, id string) []byte {
	key, err := e.c.Key()
	if err != nil {
		e.t.Fatal(err)
	}
	return stampWith(e.t, unstamped(e), key, season, kind, id)
}

func stampWith(t *testing.T, data []byte, key *wbtoken.Key, season int, kind wbtoken.Kind, id string) []byte {
	return rewrite(t, data, func(f *excelize.File) {
		if _, err := key.Stamp(f, season, kind, id); err != nil {
			t.Fatal(err)
		}
	})
}

// tamper claims another season in both stamps, keeping the MAC.
func tamper(t *testing.T, data []byte) []byte {
	return rewrite(t, data, func(f *excelize.File) {
		toks := wbtoken.Read(f)
		if len(toks) != 1 {
			t.Fatalf("%d tokens", len(toks))
		}
		forged := toks[0]
		forged.Season = 2022
		f.SetCustomProps(excelize.CustomProperty{Name: "kaohe-token", Value: forged.String()})
		f.SetCellStr(wbtoken.SheetName, "A1", forged.String())
	})
}

func resaveOpenpyxl(t *testing.T, data []byte) []byte {
	if err := exec.Command("/usr/bin/python3", "-c", "import openpyxl").Run(); err != nil {
		t.Skip("openpyxl not installed")
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	os.WriteFile(src, data, 0o600)
	script := "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb.save(sys.argv[2])\n"
	if out, err := exec.Command("/usr/bin/python3", "-c", script, src, dst).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resaveLibreOffice(t *testing.T, data []byte) []byte {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "staff.xlsx")
	os.Mkdir(filepath.Dir(src), 0o700)
	os.WriteFile(src, data, 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", filepath.Join(dir, "out"), src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "staff.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// racingBook imports like the staff workbook, then lets race change the
// store before the pipeline saves: another import assigning the same
// 名册外来件 meanwhile.
type racingBook struct {
	pipeline.StaffWorkbook
	race func()
}

func (b racingBook) Import(ctx context.Context, data []byte, in pipeline.StaffImportInput) (pipeline.StaffImport, error) {
	imp, err := b.StaffWorkbook.Import(ctx, data, in)
	b.race()
	return imp, err
}

// A workbook that no longer fits the store when it is saved (its 名册外来件
// was assigned meanwhile) is refused whole, and the staff member told.
func TestStaffWorkbookStaleAtSaving(t *testing.T) {
	e := newStaffEnv(t)
	form := templates.MustLoad(2021)
	hd, err := sample.Workbook(form, sample.Good(agencyHD, true))
	if err != nil {
		t.Fatal(err)
	}
	if m := e.handle(mailOf("xiaowang@home.example", "考核表", "", "考核表.xlsx", hd)); m.Outcome != store.OutcomeForeign {
		t.Fatalf("form from an unregistered address: %s", m.Outcome)
	}
	e.drain()
	subs, err := e.st.Submissions(e.ctx, store.SubmissionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var held []store.Submission
	for _, s := range subs {
		if s.Agency == "" {
			held = append(held, s)
		}
	}
	if len(held) != 1 {
		t.Fatalf("held submissions: %+v", held)
	}
	data := e.workbook(func(f *excelize.File) {
		review(t, "")(f)
		rows, _ := f.GetRows(consolidate.SheetOutside)
		for j, h := range rows[0] {
			if h == "归属单位" {
				cell, _ := excelize.CoordinatesToCellName(j+1, 2)
				f.SetCellValue(consolidate.SheetOutside, cell, agencyHD)
			}
		}
	})
	e.p = pipeline.New(e.st, pipeline.Config{Form: form, Cutoff: testCutoff, Reader: assess.InProcess,
		Compose: reply.ComposeOptions{From: "zzjgb@office.example.org", FromName: "办事处", MsgIDDomain: "office.example.org", Form: form},
		Staff:   []string{staffA}, Now: func() time.Time { return e.now }, Log: zerolog.Nop(),
		StaffWorkbooks: []pipeline.StaffWorkbook{racingBook{e.c.ReviewWorkbook(), func() {
			if err := e.st.AssignSubmissions(e.ctx, []store.Assignment{{Submission: held[0].ID, Agency: agencyHD, Assigner: "cli"}}); err != nil {
				t.Fatal(err)
			}
		}}}})
	m := e.handle(mailOf(staffA, "审核", "", "汇总.xlsx", data))
	if m.Outcome != store.OutcomeStaffRefused {
		t.Fatalf("outcome %s, want %s", m.Outcome, store.OutcomeStaffRefused)
	}
	if r, v := e.imported(); r != 0 || v != 0 {
		t.Errorf("a stale workbook stored %d reviews and %d vetoes", r, v)
	}
	mails := e.drain()
	if len(mails) != 1 || !strings.Contains(mails[0].subject, "导入") || !strings.Contains(mails[0].text, "已在别处认定了归属") {
		t.Fatalf("mails: %+v", mails)
	}
}
