package display

import (
	"strings"
	"testing"

	"kaohe/templates"
	"kaohe/validate"
)

func TestDefangAnyCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"见 Http://x.example": "见 hxxp://x.example", "HTTPS://x": "hxxps://x", "hTtP://x": "hxxp://x",
		"WWW.x.cn": "www[.]x.cn", "http://a https://b www.c": "hxxp://a hxxps://b www[.]c",
	} {
		if got := Defang(in); got != want {
			t.Errorf("Defang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"line breaks and runs of space", "a\r\n\tb   c", 0, "a b c"},
		{"bidi and zero width", "考\u202e核\u200b表\ufeff", 0, "考核表"},
		{"controls", "a\x00b\x07", 0, "ab"},
		{"cut with an ellipsis", "一二三四五", 3, "一二三…"},
		{"invalid UTF-8", "a\xffb", 0, "a\uFFFDb"},
		{"NFC", "e\u0301", 0, "\u00e9"},
	} {
		if got := Clean(tc.in, tc.max); got != tc.want {
			t.Errorf("%s: Clean(%q, %d) = %q, want %q", tc.name, tc.in, tc.max, got, tc.want)
		}
	}
	if got := Untrusted("见 http://x.example\u202e", MaxTextRunes); got != "见 hxxp://x.example" {
		t.Errorf("Untrusted = %q", got)
	}
}

func TestItemLabel(t *testing.T) {
	t.Parallel()
	form := templates.MustLoad(2021)
	for _, tc := range []struct {
		name string
		f    validate.Finding
		want string
	}{
		{"indicator with its criteria", validate.Finding{Indicator: "1.4"}, "指标 1.4（"},
		{"field label", validate.Finding{Field: "filler_sign"}, "填报人"},
		{"unknown field cleaned", validate.Finding{Field: "x\u202ey"}, "xy"},
		{"file level", validate.Finding{Code: validate.CodeEncryptedFile}, "整个文件"},
		{"sheet", validate.Finding{Code: validate.CodeMissingScore}, "整张表"},
	} {
		if got := ItemLabel(tc.f, form); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: ItemLabel = %q, want prefix %q", tc.name, got, tc.want)
		}
	}
	if got := ItemLabel(validate.Finding{Indicator: "1.4"}, nil); got != "指标 1.4" {
		t.Errorf("no form: %q", got)
	}
}

func TestStripCellPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ msg, cell, want string }{
		{"E18：自评分为空", "E18", "自评分为空"},
		{" E18: 自评分为空", "E18", "自评分为空"},
		{"E19：自评分为空", "E18", "E19：自评分为空"},
		{"自评分为空", "", "自评分为空"},
	} {
		if got := StripCellPrefix(tc.msg, tc.cell); got != tc.want {
			t.Errorf("StripCellPrefix(%q, %q) = %q, want %q", tc.msg, tc.cell, got, tc.want)
		}
	}
}
