package mailaddr

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, addr, display string
		bad                     bool
	}{
		{name: "bare", in: "wangming@example.org", addr: "wangming@example.org"},
		{name: "angle", in: "<wangming@example.org>", addr: "wangming@example.org"},
		{name: "chinese name", in: "王明 <wangming@example.org>", addr: "wangming@example.org", display: "王明"},
		{name: "quoted chinese name", in: `"组织机构部" <zzjgb@example.org>`, addr: "zzjgb@example.org", display: "组织机构部"},
		{name: "name without space", in: "王明<wangming@example.org>", addr: "wangming@example.org", display: "王明"},
		{name: "surrounding spaces", in: "  a@example.org ", addr: "a@example.org"},
		{name: "empty", in: "", bad: true},
		{name: "no domain", in: "wangming", bad: true},
		{name: "two addresses", in: "a@example.org, b@example.org", bad: true},
		{name: "two addresses with semicolon", in: "a@example.org;b@example.org", bad: true},
		{name: "mailto", in: "mailto:a@example.org", bad: true},
		{name: "space inside", in: "wang ming@example.org", bad: true},
		{name: "quoted local part", in: `"wang ming"@example.org`, bad: true},
		{name: "header injection", in: "a@example.org\r\nBcc: x@example.org", bad: true},
		{name: "unclosed angle", in: "王明 <wangming@example.org", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error", tc.in, a)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if a.Address != tc.addr || a.Name != tc.display {
				t.Errorf("Parse(%q) = %q %q, want %q %q", tc.in, a.Name, a.Address, tc.display, tc.addr)
			}
			if err := Check(a.Address); err != nil {
				t.Errorf("parsed address refused by Check: %v", err)
			}
		})
	}
}
