package reply_test

import (
	"fmt"

	"kaohe/reply"
)

func ExampleMayAutoReply() {
	own := []string{"zzjgb@bjszghzbz.org.cn"}
	h := reply.Header{"Auto-Submitted": {"auto-replied"}, "Subject": {"自动回复：考核表"}}
	ok, reason := reply.MayAutoReply(h, "clerk@agency.example.cn", "<clerk@agency.example.cn>", own, "bjszghzbz.org.cn")
	fmt.Println(ok, reason)
	ok, reason = reply.MayAutoReply(reply.Header{"Subject": {"考核表"}}, "clerk@agency.example.cn", "<clerk@agency.example.cn>", own, "bjszghzbz.org.cn")
	fmt.Println(ok, reason)
	// Output:
	// false auto_submitted
	// true ok
}

func ExampleMessageID() {
	fmt.Println(reply.MessageID(reply.KindReceipt, "<20220104.abc@agency.example.cn>", "bjszghzbz.org.cn"))
	// Output: <kaohe-reply-4bd30c01745da12af663419c@bjszghzbz.org.cn>
}
