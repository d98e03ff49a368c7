package reply

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"kaohe/internal/display"
)

func TestSenderWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, want string
	}{
		{"question with greeting and thanks", "您好，请问今年的考核表在哪里下载？谢谢。", "请问今年的考核表在哪里下载？"},
		{"covering note and signature", "您好，附件是我单位2021年度考核表，请查收。\n李华", ""},
		{"foxmail covering note", "您好：\n    附件是我单位的考核表，请审核。\n李华", ""},
		{"short covering note", "附件为考核表。", ""},
		{"forward note", "转发同事的邮件，考核表在里面。", ""},
		{"note beside the form", "王老师好：\n附件是修改后的考核表，盖章页下周寄出，请查收。\n此致\n敬礼\n大兴区代办处\n电话：010-69243611\n2022年1月3日", "盖章页下周寄出"},
		{"request to re-check", "附件是修改后的考核表，第3项我们认为应得满分，请复核。", "第3项我们认为应得满分，请复核。"},
		{"short question line", "在哪下载", "在哪下载"},
		{"quoted receipt below", "收到，谢谢！\n\n在 2022年1月4日 15:32，办事处 写道：\n> 请在您的原表上改正上面列出的单元格", ""},
		{"outlook quote", "第二项的证明材料需要另外寄吗？\n________________________________\n发件人: 办事处\n主题: 回执", "第二项的证明材料需要另外寄吗？"},
		{"signature separator", "好的\n-- \n张三\n13800138000", ""},
		{"mobile footer", "表格已按要求盖章后发送\n发自我的iPhone", "表格已按要求盖章后发送"},
		{"name lines only", "朝阳区代办处\n张三\n13800138000\nzhangsan@example.cn", ""},
		{"english greeting only", "Dear all,\nThanks", ""},
		{"empty", "", ""},
		{"form in the attachment", "考核表见附件。", ""},
		{"stamped form", "考核表（已盖章）请查收。", ""},
		{"recommendation form", "您好，附件是我单位的推荐表，请查收。\n张伟", ""},
		{"please check the attachment", "请查收附件。", ""},
		{"see the attachment", "您好！详见附件，谢谢。", ""},
		{"question beside see the attachment", "详见附件。名额可以调剂吗？", "名额可以调剂吗？"},
		{"this is our form", "这是我们的考核表。", ""},
		{"corrected per receipt", "根据回执已修改", ""},
		{"apology kept short", "抱歉，晚交了两天。", "晚交了两天。"},
		{"a question naming the form is kept", "请问考核表？", "请问考核表？"},
		{"a question after a covering note", "附件是考核表，是否还要寄纸质版？", "是否还要寄纸质版？"},
		{"html converted text keeps words", "各位老师好！\n我处联系人更换为李四，电话不变。\n谢谢", "我处联系人更换为李四，电话不变。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SenderWords(tc.text, "张三", "大兴区代办处"); got != tc.want {
				t.Errorf("SenderWords(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestSenderWordsBounded(t *testing.T) {
	t.Parallel()
	long := ""
	for range 100 {
		long += "请问第三部分的材料怎么准备？"
	}
	got := SenderWords(long + "\n<script>x</script> http://evil.example")
	if n := len([]rune(got)); n > MaxWordsRunes+1 {
		t.Errorf("%d runes, want at most %d", n, MaxWordsRunes+1)
	}
	if got := SenderWords("请看 http://evil.example 的说明"); got != "请看 hxxp://evil.example 的说明" {
		t.Errorf("link not defanged: %q", got)
	}
}

// FuzzSenderWords: any body gives one bounded line without control
// characters or a live link, and never panics.
func FuzzSenderWords(f *testing.F) {
	f.Add("您好，请问今年的考核表在哪里下载？谢谢。\n张三", "张三")
	f.Add("附件是考核表，请查收。\r\n-- \r\n13800138000", "")
	f.Add("> quoted\n在 2022年1月4日 写道：\nhttp://x.example", "x")
	f.Add("\u202e？？\x00\n\n附件", "\u200b")
	f.Fuzz(func(t *testing.T, text, name string) {
		got := SenderWords(text, name)
		if n := utf8.RuneCountInString(got); n > MaxWordsRunes+1 {
			t.Fatalf("%d runes", n)
		}
		for _, r := range got {
			if r == '\n' || r == '\r' || unicode.IsControl(r) || display.IsInvisible(r) {
				t.Fatalf("kept %U in %q", r, got)
			}
		}
		if strings.Contains(strings.ToLower(got), "http://") || strings.Contains(strings.ToLower(got), "https://") {
			t.Fatalf("live link in %q", got)
		}
	})
}
