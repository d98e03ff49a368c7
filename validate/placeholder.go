package validate

import "strings"

// placeholderWords are what a blank form, or a clerk who has not signed
// yet, leaves in a seal or signature cell, once brackets, colons, lines
// and spaces are taken away.
var placeholderWords = map[string]bool{
	"签字": true, "签名": true, "盖章": true, "签章": true, "签": true, "章": true, "公章": true,
	"签字处": true, "签名处": true, "盖章处": true, "签章处": true,
	"请签字": true, "请签名": true, "请盖章": true, "请签章": true,
	"此处签字": true, "此处签名": true, "此处盖章": true,
	"签字盖章": true, "盖章签字": true, "签字(盖章)": true, "单位盖章": true, "单位公章": true,
	"本人签字": true, "手写签名": true, "手签": true, "待签": true, "待签字": true, "待盖章": true,
	"未签": true, "未签字": true, "未盖章": true, "无章": true,
	"无": true, "略": true, "暂无": true, "空": true, "空白": true, "没有": true, "待定": true,
	"na": true, "n/a": true, "none": true, "null": true,
}

// placeholderMarks are the characters a placeholder is drawn with: lines
// to sign on, brackets around 签字, colons, slashes and dashes for "none".
const placeholderMarks = "()[]<>{}《》_-—/\\|.·…:;,~*×xX?？=＿　"

// isPlaceholder reports whether a seal or signature cell's text is only a
// placeholder: 「（签字）」, 「签字：」, 「________」, 「/」, 「无」, 「—」, or
// the field's own label typed again.
func isPlaceholder(raw, label string) bool {
	n := normText(raw)
	if n == "" {
		return false // blank: reported as not filled in
	}
	rest := strings.Map(func(r rune) rune {
		if strings.ContainsRune(placeholderMarks, r) {
			return -1
		}
		return r
	}, n)
	rest = strings.ToLower(rest)
	if rest == "" || placeholderWords[rest] {
		return true
	}
	l := normText(label)
	// A label such as 代办处主任签字 copied into its value cell, or its
	// last words (主任签字, 填报人签字).
	return rest == l || (len(rest) >= len("签字")*2 && strings.HasSuffix(l, rest))
}
