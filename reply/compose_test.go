package reply

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/emersion/go-message/mail"
	"github.com/xuri/excelize/v2"

	"kaohe/annotate"
	"kaohe/templates"
)

type parsedAttachment struct {
	name string
	cd   string // raw Content-Disposition
	data []byte
}

type parsedMail struct {
	h     mail.Header
	text  string
	html  string
	atts  []parsedAttachment
	parts int
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	defer r.Close()
	pm := parsedMail{h: r.Header}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		pm.parts++
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			switch ct {
			case "text/plain":
				pm.text = string(body)
			case "text/html":
				pm.html = string(body)
			}
		case *mail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatalf("filename: %v", err)
			}
			pm.atts = append(pm.atts, parsedAttachment{name: name, cd: h.Get("Content-Disposition"), data: body})
		}
	}
	return pm
}

func TestComposeHeaders(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	h := pm.h

	subject, err := h.Subject()
	if err != nil || subject != "回执：朝阳区2021年度考核表" {
		t.Errorf("Subject = %q, %v", subject, err)
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", raw)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "chaoyang@agency.example.cn" || to[0].Name != "朝阳区代办处" {
		t.Errorf("To = %v, %v", to, err)
	}
	if len(h.Values("To")) != 1 || h.Has("Cc") || h.Has("Bcc") {
		t.Errorf("To fields %v, Cc %v, Bcc %v", h.Values("To"), h.Has("Cc"), h.Has("Bcc"))
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "zzjgb@bjszghzbz.org.cn" {
		t.Errorf("From = %v, %v", from, err)
	}
	irt, _ := h.MsgIDList("In-Reply-To")
	if len(irt) != 1 || irt[0] != "20220104153000.abc@agency.example.cn" {
		t.Errorf("In-Reply-To = %v", irt)
	}
	refs, _ := h.MsgIDList("References")
	if len(refs) != 2 || refs[0] != "root@agency.example.cn" || refs[1] != "20220104153000.abc@agency.example.cn" {
		t.Errorf("References = %v", refs)
	}
	id, _ := h.MessageID()
	if "<"+id+">" != m.MessageID || !OwnMessageID(id, "bjszghzbz.org.cn") || !strings.HasPrefix(id, "kaohe-reply-") {
		t.Errorf("Message-ID = %q (mail says %q)", id, m.MessageID)
	}
	for k, want := range map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", "Mime-Version": "1.0"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	date, err := h.Date()
	if err != nil || !date.Equal(testOptions().Now) {
		t.Errorf("Date = %v, %v", date, err)
	}
	if ct, _, _ := h.ContentType(); ct != "multipart/mixed" {
		t.Errorf("Content-Type = %q", ct)
	}

	// Recomposing gives the same bytes: the outbox may resend after a crash.
	again, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Raw, again.Raw) {
		t.Error("Compose is not deterministic")
	}
	other := in
	other.MessageID = "<other@agency.example.cn>"
	m2, err := Compose(other, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if m2.MessageID == m.MessageID {
		t.Error("different incoming mails share a Message-ID")
	}
}

func TestComposeBodiesAndAttachment(t *testing.T) {
	t.Parallel()
	m, err := Compose(testIncoming(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Fatalf("warnings: %v", m.Warnings)
	}
	pm := parseMail(t, m.Raw)
	// Errors in report order, then the warning, then the note.
	order := []string{"超过标准分 3", "自评分为空", "不是本项可得的分数", "填报人签字为空", "总分值写的是 14", "已按 4 分读取"}
	for name, body := range map[string]string{"text": pm.text, "html": pm.html} {
		last := -1
		for _, s := range order {
			i := strings.Index(body, s)
			if i < 0 {
				t.Errorf("%s body lacks %q", name, s)
				continue
			}
			if i < last {
				t.Errorf("%s body: %q out of order", name, s)
			}
			last = i
		}
		for _, s := range []string{"2022年1月4日 15:30", "按期", "需修改", "自评总分：13", "核定总分：10", "指标 1.2", "E7", "67687655", "整张考核表"} {
			if !strings.Contains(body, s) {
				t.Errorf("%s body lacks %q", name, s)
			}
		}
	}
	if !strings.Contains(pm.html, "<td>E7</td><td>5</td><td>3</td><td>3</td>") {
		t.Error("html table row of 1.2 lacks cell, self, cap, verified")
	}
	if len(pm.atts) != 1 {
		t.Fatalf("attachments = %d, want 1", len(pm.atts))
	}
	a := pm.atts[0]
	if a.name != "朝阳区考核表（核对结果）.xlsx" {
		t.Errorf("attachment name = %q", a.name)
	}
	if !strings.Contains(a.cd, `filename*=UTF-8''%E6%9C%9D`) || !strings.Contains(a.cd, `filename="=?UTF-8?B?`) {
		t.Errorf("Content-Disposition lacks the dual encoding: %s", a.cd)
	}
	checkAnnotated(t, a.data)
	if strings.Contains(pm.text, "问题说明：E7：") || !strings.Contains(pm.text, "问题说明：自评分 5 超过") {
		t.Error("the cell prefix of a message is repeated")
	}
}

func TestComposeLateLegacyNoForm(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	in.OnTime = false
	in.Attachments = []Attachment{{Filename: "考核表.xls", Kind: AttachLegacy}}
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	for _, s := range []string{"状态：逾期（表格无法读取）", "视为考核成绩不合格", "由办事处考核领导小组决定", "无法读取", `另存为`, `Excel 工作簿(*.xlsx)`, "考核表.xls："} {
		if !strings.Contains(pm.text, s) || !strings.Contains(strings.ReplaceAll(pm.html, "<b style=\"color:#c00\">", ""), strings.ReplaceAll(s, `"`, "&#34;")) {
			t.Errorf("bodies lack %q", s)
		}
	}
	// The steps to save as .xlsx are given once; no cell is listed, so no
	// cell is to be corrected.
	if n := strings.Count(pm.text, "另存为"); n != 1 {
		t.Errorf("save-as steps given %d times:\n%s", n, pm.text)
	}
	if strings.Contains(pm.text, "改正上面列出的单元格") {
		t.Errorf("an unreadable file's receipt asks to correct listed cells:\n%s", pm.text)
	}
	if len(pm.atts) != 0 {
		t.Errorf("attachments = %d, want none", len(pm.atts))
	}
}

func TestComposeAccepted(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	rep := testReport()
	rep.Status = "accepted"
	rep.Findings = nil
	in.Attachments = []Attachment{{Filename: "a.xlsx", Kind: AttachXLSX, Report: rep}}
	m, err := Compose(in, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if !strings.Contains(pm.text, "已通过自动核对") || strings.Contains(pm.text, "整张考核表") {
		t.Errorf("accepted receipt text:\n%s", pm.text)
	}
}

func TestHeaderInjection(t *testing.T) {
	t.Parallel()
	in := testIncoming(t)
	in.Subject = "考核表\r\nBcc: evil@attacker.example"
	in.ToName = "朝阳\r\nBcc: evil@attacker.example"
	in.Agency = ""
	in.MessageID = "<id@x>\r\nBcc: evil@attacker.example"
	in.RawSHA256 = "ab12"
	in.References = []string{"<r@x>\r\nBcc: evil@attacker.example"}
	in.Attachments[0].Filename = "表\r\nBcc: evil@attacker.example.xlsx"
	opts := testOptions()
	opts.FromName = "办事处\r\nBcc: evil@attacker.example"
	m, err := Compose(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if pm.h.Has("Bcc") {
		t.Error("a Bcc header was injected")
	}
	if bytes.Contains(bytes.ToLower(m.Raw), []byte("\nbcc:")) {
		t.Error("a line starting with Bcc: is in the message")
	}
	for _, a := range pm.atts {
		if strings.ContainsAny(a.name, "\r\n") {
			t.Errorf("attachment name keeps a line break: %q", a.name)
		}
	}
	// An address with a line break is refused, not rewritten.
	in.To = "a@b.cn\r\nBcc: x@y.z"
	if _, err := Compose(in, opts); err == nil {
		t.Error("Compose accepted a recipient with CRLF")
	}
}

func TestReferencesCapped(t *testing.T) {
	t.Parallel()
	var refs []string
	for i := range 30 {
		refs = append(refs, "<r"+itoa(i+1)+"@x>")
	}
	irt, out := threadIDs("<me@x>", refs, nil)
	if len(irt) != 1 || irt[0] != "<me@x>" {
		t.Errorf("In-Reply-To = %v", irt)
	}
	if len(out) != maxReferences+1 || out[0] != "<r1@x>" || out[len(out)-1] != "<me@x>" || out[1] != "<r22@x>" {
		t.Errorf("References = %v", out)
	}
	_, out = threadIDs("<me@x>", nil, []string{"<parent@x>"})
	if len(out) != 2 || out[0] != "<parent@x>" {
		t.Errorf("References from In-Reply-To = %v", out)
	}
	if irt, out := threadIDs("", refs, nil); irt != nil || out != nil {
		t.Errorf("no Message-ID: %v %v", irt, out)
	}
}

func TestTemplateOverride(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.Templates = fstest.MapFS{"receipt.txt.tmpl": {Data: []byte("自定义回执 {{.Greeting}} {{len .Forms}}")}}
	m, err := Compose(testIncoming(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	pm := parseMail(t, m.Raw)
	if strings.TrimSpace(pm.text) != "自定义回执 朝阳区代办处 1" {
		t.Errorf("text = %q", pm.text)
	}
	if !strings.Contains(pm.html, "超过标准分") {
		t.Error("html lost the built-in template")
	}
	// Templates are parsed once, yet an override edited while the daemon
	// runs takes effect with the next mail.
	opts.Templates = fstest.MapFS{"receipt.txt.tmpl": {Data: []byte("改过的回执 {{.Greeting}}")}}
	if m, err = Compose(testIncoming(t), opts); err != nil {
		t.Fatal(err)
	}
	if text := strings.TrimSpace(parseMail(t, m.Raw).text); text != "改过的回执 朝阳区代办处" {
		t.Errorf("edited override: text = %q", text)
	}
	bad := fstest.MapFS{"receipt.html.tmpl": {Data: []byte("{{.Nope")}}
	if err := CheckTemplates(bad); err == nil {
		t.Error("CheckTemplates accepted a broken override")
	}
	if err := CheckTemplates(nil); err != nil {
		t.Errorf("built-in templates: %v", err)
	}
}

// checkAnnotated checks that the attached copy is testReport's annotated
// copy: the 1.2 cell carries its comment and the 核定分 column its score.
func checkAnnotated(t *testing.T, out []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("reopen annotated copy: %v", err)
	}
	defer f.Close()
	l := annotate.Layout(templates.MustLoad(2021))
	cmts, err := f.GetComments(templates.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	var on12 string
	for _, c := range cmts {
		if c.Cell == l.Scores["1.2"] {
			on12 = c.Text
			for _, r := range c.Paragraph {
				on12 += r.Text
			}
		}
	}
	if !strings.Contains(on12, "您发来的表中的单元格：E7") {
		t.Errorf("comment on 1.2 = %q", on12)
	}
	if v, _ := f.GetCellValue(templates.SheetName, l.VerifiedCol+strconv.Itoa(l.Rows["1.2"])); v != "3" {
		t.Errorf("核定分 of 1.2 = %q", v)
	}
}
