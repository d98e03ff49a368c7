package reply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// staffImportMails are the 导入 replies and the notice, as the render and
// golden tests show them.
func staffImportMails(t *testing.T) map[string]Mail {
	t.Helper()
	opts := testOptions()
	base := StaffImportReply{To: "wangming@bjszghzbz.org.cn", ToName: "王明", Title: "审核汇总表", ReceivedAt: testReceived,
		MessageID: "<abc@mail.example>"}
	out := map[string]Mail{}
	add := func(name string, m Mail, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	r := base
	r.Imported, r.Summary = true, []string{"审核意见 12 条，其中新增或改动 3 条", "一票否决 1 个，其中新设或撤销 1 个", "名册外来件 1 件已归入所选单位"}
	m, err := ComposeStaffImport(r, "import|a", opts)
	add("staff-import-done", m, err)
	r = base
	r.Refused = []string{"业务部!G12：指标 1.4 只能得 0、2、4 分，填写了“5”", "汇总!F3：一票否决栏填写了“否”，请填“是”或留空",
		"组织部!G7：考核单位“=HYPERLINK(\"http://evil.example\")”不在本年度代办处名册中"}
	m, err = ComposeStaffImport(r, "import|b", opts)
	add("staff-import-refused", m, err)
	r = base
	r.Problem, r.Others, r.OthersTold = "表中没有系统寄出时写入的校验码：它不是系统寄出的工作簿，或内容被复制到了新建的工作簿中。", 1, true
	m, err = ComposeStaffImport(r, "import|c", opts)
	add("staff-import-token", m, err)
	m, err = ComposeStaffWorkbookNotice(StaffWorkbookNotice{To: Recipient{Addr: "孙梦艺 <sunmengyi@bjszghzbz.org.cn>"}, Title: "审核汇总表",
		Sender: "someone@http.evil.example", ReceivedAt: testReceived, Reason: "寄件地址不是登记的工作人员地址。",
		Archive: "archive/ab/abcdef.eml"}, "wb|d", opts)
	add("staff-workbook-notice", m, err)
	m, err = ComposeStaffWorkbookNotice(StaffWorkbookNotice{To: Recipient{Addr: "sunmengyi@bjszghzbz.org.cn"}, Title: "审核汇总表",
		Sender: "wangming@bjszghzbz.org.cn", FromStaff: true, Replied: true, ReceivedAt: testReceived,
		Reason: "表中的校验码属于另一个考核年度，这是往年的工作簿。"}, "wb|f", opts)
	add("staff-workbook-notice-token", m, err)
	m, err = ComposeStaffWorkbookNotice(StaffWorkbookNotice{To: Recipient{Addr: "sunmengyi@bjszghzbz.org.cn"}, Title: "审核汇总表",
		Sender: "wangming@bjszghzbz.org.cn", FromStaff: true, ReceivedAt: testReceived,
		Reason: "收件服务器对寄件人的验证未通过（dkim=fail）。"}, "wb|e", opts)
	add("staff-workbook-notice-forged", m, err)
	return out
}

func TestStaffImportMails(t *testing.T) {
	t.Parallel()
	mails := staffImportMails(t)
	for name, m := range mails {
		p := parseMail(t, m.Raw)
		subj, _ := p.h.Subject()
		if strings.HasPrefix(name, "staff-import") && !strings.Contains(subj, "导入") {
			t.Errorf("%s: subject %q lacks 导入", name, subj)
		}
		if len(p.atts) != 0 {
			t.Errorf("%s: %d attachments", name, len(p.atts))
		}
		if strings.Contains(p.text, "http://") || strings.Contains(p.html, "http://") {
			t.Errorf("%s: a live link:\n%s", name, p.text)
		}
		if strings.Contains(p.text, "{{") || strings.Contains(p.text, "<no value>") {
			t.Errorf("%s: template residue:\n%s", name, p.text)
		}
		path := filepath.Join("testdata", name+".txt.golden")
		if *update {
			if err := os.WriteFile(path, []byte(p.text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestStaffImportMails -update)", err)
		}
		if p.text != string(want) {
			t.Errorf("%s differs from the rendering; rerun with -update and review the diff\n--- got ---\n%s", name, p.text)
		}
	}
	if p := parseMail(t, mails["staff-import-done"].Raw); p.h.Get("In-Reply-To") != "<abc@mail.example>" || p.h.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("the 导入 reply is not threaded as an automatic reply: %v", p.h)
	}
	if p := parseMail(t, mails["staff-import-refused"].Raw); !strings.Contains(p.text, "3 处问题") || !strings.Contains(p.text, "业务部!G12") {
		t.Errorf("refusal lacks its cells:\n%s", p.text)
	}
}

// TestStaffImportWording: a results workbook's reply leads to publishing
// and to kaohe results -o, never to the summary mail of the review.
func TestStaffImportWording(t *testing.T) {
	t.Parallel()
	base := StaffImportReply{To: "wangming@bjszghzbz.org.cn", Title: "考核结果表", ReceivedAt: testReceived,
		Next: "请运行 kaohe results publish。", Latest: "kaohe results -o 生成的文件"}
	for _, r := range []StaffImportReply{
		func() StaffImportReply { r := base; r.Imported, r.Summary = true, []string{"已审定"}; return r }(),
		func() StaffImportReply { r := base; r.Problem = "表中没有校验码。"; return r }(),
	} {
		m, err := ComposeStaffImport(r, "import|w", testOptions())
		if err != nil {
			t.Fatal(err)
		}
		text := parseMail(t, m.Raw).text
		want := r.Next
		if !r.Imported {
			want = r.Latest
		}
		if !strings.Contains(text, want) || strings.Contains(text, "汇总") {
			t.Errorf("imported %v: want %q and no 汇总 in\n%s", r.Imported, want, text)
		}
	}
}
