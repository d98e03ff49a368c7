package mailparse

import "testing"

// TestParseAddressesLoose: From fields that net/mail refuses but that name
// one address plainly still give it; those that do not, give none.
func TestParseAddressesLoose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, addr, display string
	}{
		{"name without angle brackets", "=?utf-8?B?5byg5LiJ?= dbc001@example.org", "dbc001@example.org", "张三"},
		{"8-bit name without angle brackets", "张三 dbc001@example.org", "dbc001@example.org", "张三"},
		{"double angle brackets", "<<dbc001@example.org>>", "dbc001@example.org", "*"},
		{"two addresses in one word list", "a@example.org b@example.org", "", ""},
		{"unclosed angle bracket", "dbc001@example.org <", "", ""},
		{"no address", "undisclosed-recipients", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseAddresses(tc.in)
			if tc.addr == "" {
				for _, a := range got {
					if !containsSpace(a.Addr) && a.Addr != "" {
						t.Errorf("%q gave %+v, want no usable address", tc.in, got)
					}
				}
				return
			}
			if len(got) != 1 || got[0].Addr != tc.addr || (tc.display != "*" && got[0].Name != tc.display) {
				t.Errorf("%q gave %+v, want %s <%s>", tc.in, got, tc.display, tc.addr)
			}
		})
	}
}

func containsSpace(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\t' {
			return true
		}
	}
	return false
}
