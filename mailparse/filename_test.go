package mailparse

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

const formName = "朝阳区考核表.xlsx"

func gbk(t testing.TB, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func b64word(cs, raw string) string {
	return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString([]byte(raw)) + "?="
}

func TestParseContentDispositionEncodings(t *testing.T) {
	g := gbk(t, formName)
	gStem, gExt := g[:len(g)-5], g[len(g)-5:]
	half := len(gbk(t, "朝阳区")) // split on a character boundary
	qword := "=?gbk?Q?"
	for i := 0; i < len(g); i++ {
		qword += fmt.Sprintf("=%02X", g[i])
	}
	qword += "?="
	rare := "𠀀表.xlsx" // a GB18030 four-byte character
	tests := []struct {
		name    string
		raw     string
		want    string
		wantLow bool
	}{
		{"rfc2231 GBK", "attachment; filename*=GBK''" + pct(g), formName, false},
		{"rfc2231 gb2312 lower with lang", "attachment; filename*=gb2312'zh-cn'" + pct(g), formName, false},
		{"rfc2231 continuation gb2312", "attachment;\r\n filename*0*=gb2312''" + pct(g[:half]) + ";\r\n filename*1*=" + pct(g[half:]), formName, false},
		{"rfc2231 continuation out of order", "attachment; filename*1*=" + pct(g[half:]) + "; filename*0*=gb2312''" + pct(g[:half]), formName, false},
		{"rfc2231 utf-8", "attachment; filename*=UTF-8''" + pct(formName), formName, false},
		{"rfc2231 utf-8 continuation", "attachment; filename*0*=utf-8''" + pct(formName[:9]) + "; filename*1*=" + pct(formName[9:]), formName, false},
		{"foxmail gb18030 b in quotes", `attachment; filename="` + b64word("gb18030", g) + `"`, formName, false},
		{"outlook GB2312 b in quotes", `attachment; filename="` + b64word("GB2312", g) + `"`, formName, false},
		{"two encoded words folded", "attachment; filename=\"" + b64word("gb2312", g[:half]) + "\r\n " + b64word("gb2312", g[half:]) + "\"", formName, false},
		{"q encoded gbk", `attachment; filename="` + qword + `"`, formName, false},
		{"utf-8 b word", `attachment; filename="` + b64word("utf-8", formName) + `"`, formName, false},
		{"encoded word split over plain continuations", `attachment; filename*0="=?gb2312?B?` + base64.StdEncoding.EncodeToString([]byte(g))[:8] + `"; filename*1="` + base64.StdEncoding.EncodeToString([]byte(g))[8:] + `?="`, formName, false},
		{"raw utf-8 quoted", `attachment; filename="` + formName + `"`, formName, false},
		{"raw utf-8 unquoted", `attachment; filename=` + formName, formName, false},
		{"raw gbk quoted", `attachment; filename="` + g + `"`, formName, true},
		{"raw gbk unquoted", `attachment; filename=` + g, formName, true},
		{"raw gbk stem with ascii ext", `attachment; filename="` + gStem + gExt + `"; size=1234`, formName, true},
		{"duplicate filename params", `attachment; filename="` + formName + `"; filename="` + formName + `"`, formName, false},
		{"extended beats plain", `attachment; filename="fallback.xlsx"; filename*=GBK''` + pct(g), formName, false},
		{"gb2312 label with gb18030 char", "attachment; filename*=gb2312''" + pct(gbk(t, rare)), rare, false},
		{"euc-cn label", `attachment; filename="` + b64word("euc-cn", g) + `"`, formName, false},
		{"unknown charset utf-8 bytes", "attachment; filename*=x-unknown''" + pct(formName), formName, true},
		{"unknown charset gbk bytes", "attachment; filename*=x-unknown''" + pct(g), formName, true},
		{"unknown charset word with good fallback", `attachment; filename*=x-unknown''` + pct(g) + `; filename="` + b64word("gbk", g) + `"`, formName, false},
		{"inline disposition", `inline; filename="` + formName + `"`, formName, false},
		{"no filename", "attachment", "", false},
		{"garbage", `;;; = ; filename`, "", false},
		{"unterminated quote", `attachment; filename="` + formName, formName, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, low := ParseContentDisposition(tc.raw)
			if got != tc.want || low != tc.wantLow {
				t.Errorf("ParseContentDisposition(%q) = %q, low=%v; want %q, low=%v", tc.raw, got, low, tc.want, tc.wantLow)
			}
		})
	}
}

func TestParseContentDispositionType(t *testing.T) {
	for raw, want := range map[string]string{
		"attachment; filename=a.xlsx": "attachment",
		"INLINE":                      "inline",
		"  Attachment ;":              "attachment",
		"":                            "",
	} {
		if got, _, _ := ParseContentDisposition(raw); got != want {
			t.Errorf("disposition of %q = %q, want %q", raw, got, want)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("考", 100) + ".xlsx" // 305 bytes
	tests := []struct {
		name, in, want string
	}{
		{"plain", formName, formName},
		{"dot dot path", "../../x.xlsx", "x.xlsx"},
		{"absolute unix", "/etc/passwd", "passwd"},
		{"windows path", `C:\a\b.xlsx`, "b.xlsx"},
		{"drive relative", `C:b.xlsx`, "b.xlsx"},
		{"unc", `\\srv\share\a.xlsx`, "a.xlsx"},
		{"nul", "a\x00b.xlsx", "ab.xlsx"},
		{"crlf", "a\r\nBcc: x.xlsx", "aBcc_ x.xlsx"},
		{"device name", "CON.xlsx", "_CON.xlsx"},
		{"device name lower", "com1.xlsx", "_com1.xlsx"},
		{"not a device name", "CONTENT.xlsx", "CONTENT.xlsx"},
		{"trailing dots and spaces", "表.xlsx. . ", "表.xlsx"},
		{"leading spaces", "   表.xlsx", "表.xlsx"},
		{"bidi override", "报表\u202Exslx.exe", "报表xslx.exe"},
		{"isolates and marks", "\u2066a\u2069\u200e\u200f.xlsx", "a.xlsx"},
		{"zero width", "a\u200b\ufeffb.xlsx", "ab.xlsx"},
		{"only extension", ".xlsx", ""},
		{"hidden with ext", ".hidden.xlsx", "hidden.xlsx"},
		{"empty", "", ""},
		{"dot", ".", ""},
		{"dotdot", "..", ""},
		{"trailing slash", "dir/", ""},
		{"reserved chars", `a<b>c:d"e|f?g*.xlsx`, "a_b_c_d_e_f_g_.xlsx"},
		{"nfd to nfc", "e\u0301.xlsx", "\u00e9.xlsx"},
		{"invalid utf-8 dropped", "a\xffb.xlsx", "ab.xlsx"},
		{"long keeps extension", long, strings.Repeat("考", 65) + ".xlsx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SanitizeFilename(tc.in)
			if got != tc.want {
				t.Errorf("SanitizeFilename(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(got) > maxFilenameBytes || !utf8.ValidString(got) {
				t.Errorf("result %q: %d bytes, valid=%v", got, len(got), utf8.ValidString(got))
			}
		})
	}
}

func TestSanitizeFilenameLongASCII(t *testing.T) {
	got := SanitizeFilename(strings.Repeat("a", 300) + ".xlsx")
	if len(got) != maxFilenameBytes || !strings.HasSuffix(got, ".xlsx") {
		t.Errorf("got %d bytes %q", len(got), got)
	}
}

func TestParseHeaderParams(t *testing.T) {
	v, ps := parseHeaderParams(`Application/Octet-Stream; charset="gb18030"; NAME="a\"b.xlsx"; junk; x = y ;path="C:\a\b"`)
	if v != "application/octet-stream" {
		t.Errorf("value %q", v)
	}
	want := []mimeParam{{"charset", "gb18030"}, {"name", `a"b.xlsx`}, {"x", "y"}, {"path", `C:\a\b`}}
	if fmt.Sprint(ps) != fmt.Sprint(want) {
		t.Errorf("params %q, want %q", ps, want)
	}
}
