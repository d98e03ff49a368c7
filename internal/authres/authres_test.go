package authres

import (
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name, field string
		wantID      string
		want        []string // method=value prop=… in order, props sorted as listed
		props       map[int]map[string]string
		wantErr     bool
	}{
		{name: "postfix with opendkim and spf", field: "mx.office.example.org; dkim=pass (2048-bit key; secure) header.d=example.com header.i=@example.com header.b=AbC+dEf=; spf=pass (mx.office.example.org: domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com",
			wantID: "mx.office.example.org", want: []string{"dkim=pass", "spf=pass"},
			props: map[int]map[string]string{0: {"header.d": "example.com", "header.i": "@example.com", "header.b": "AbC+dEf="}, 1: {"smtp.mailfrom": "a@example.com"}}},
		{name: "exchange online, no authserv-id", field: "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass (signature was verified) header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;compauth=pass reason=100",
			wantID: "", want: []string{"spf=pass", "dkim=pass", "dmarc=pass", "compauth=pass"},
			props: map[int]map[string]string{0: {"smtp.mailfrom": "contoso.com"}, 2: {"header.from": "contoso.com"}, 3: {"reason": "100"}}},
		{name: "version and spaces around =", field: " example.net 1 ; SPF = Pass smtp.mailfrom = example.org", wantID: "example.net", want: []string{"spf=pass"},
			props: map[int]map[string]string{0: {"smtp.mailfrom": "example.org"}}},
		{name: "method version", field: "example.net; dkim/1=pass header.d=example.org", wantID: "example.net", want: []string{"dkim=pass"}},
		{name: "none", field: "example.net; none", wantID: "example.net"},
		{name: "quoted authserv-id and reason", field: `"mx.example.net"; spf=fail reason="it said; no" smtp.mailfrom=x@evil.example`, wantID: "mx.example.net", want: []string{"spf=fail"},
			props: map[int]map[string]string{0: {"reason": "it said; no", "smtp.mailfrom": "x@evil.example"}}},
		{name: "quoted local part with a semicolon", field: `mx.example.net; spf=pass smtp.mailfrom="a;dkim=pass header.d=victim.example"@evil.example`, wantID: "mx.example.net", want: []string{"spf=pass"},
			props: map[int]map[string]string{0: {"smtp.mailfrom": `"a;dkim=pass header.d=victim.example"@evil.example`}}},
		{name: "nested comment", field: "mx.example.net (a (b; c) d); dkim=pass header.d=example.org", wantID: "mx.example.net", want: []string{"dkim=pass"}},
		{name: "comment holding a pass", field: "mx.example.net; dkim=fail (dkim=pass header.d=victim.example) header.d=evil.example", wantID: "mx.example.net", want: []string{"dkim=fail"},
			props: map[int]map[string]string{0: {"header.d": "evil.example"}}},
		{name: "first of a repeated property", field: "mx.example.net; dkim=pass header.d=evil.example header.d=victim.example", wantID: "mx.example.net", want: []string{"dkim=pass"},
			props: map[int]map[string]string{0: {"header.d": "evil.example"}}},
		{name: "unsupported version", field: "mx.example.net 2; spf=pass smtp.mailfrom=example.org", wantErr: true},
		{name: "junk after the id", field: "mx.example.net junk; spf=pass", wantErr: true},
		{name: "unterminated comment", field: "mx.example.net; spf=pass (oops smtp.mailfrom=example.org", wantErr: true},
		{name: "unterminated quote", field: `mx.example.net; spf=pass smtp.mailfrom="example.org`, wantErr: true},
		{name: "empty", field: "  ", wantErr: true},
		{name: "garbage results are skipped", field: "mx.example.net; ; = ; pass; spf=pass smtp.mailfrom=example.org", wantID: "mx.example.net", want: []string{"spf=pass"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			f, err := Parse(row.field)
			if row.wantErr {
				if err == nil {
					t.Fatalf("no error; got %+v", f)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.AuthServID != row.wantID {
				t.Errorf("authserv-id %q, want %q", f.AuthServID, row.wantID)
			}
			var got []string
			for _, r := range f.Results {
				got = append(got, r.Method+"="+r.Value)
			}
			if len(got) != len(row.want) {
				t.Fatalf("results %v, want %v", got, row.want)
			}
			for i := range got {
				if got[i] != row.want[i] {
					t.Errorf("result %d = %s, want %s", i, got[i], row.want[i])
				}
			}
			for i, props := range row.props {
				for k, v := range props {
					if f.Results[i].Props[k] != v {
						t.Errorf("result %d %s = %q, want %q", i, k, f.Results[i].Props[k], v)
					}
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	const ours = "mx.office.example.org"
	rows := []struct {
		name       string
		fields     []string // topmost first
		from       string
		authservID string
		pass       bool
		method     string
		reason     string
	}{
		{name: "no field", from: "a.example", reason: ReasonNoField},
		{name: "spf pass, same domain", fields: []string{ours + "; spf=pass smtp.mailfrom=clerk@a.example"}, from: "a.example", pass: true, method: "spf"},
		{name: "spf pass, bounce subdomain", fields: []string{ours + "; spf=pass smtp.mailfrom=bounce@mail.a.example"}, from: "a.example", pass: true, method: "spf"},
		{name: "spf pass, From in a subdomain", fields: []string{ours + "; spf=pass smtp.mailfrom=a.example"}, from: "dept.a.example", pass: true, method: "spf"},
		{name: "spf pass, other domain", fields: []string{ours + "; spf=pass smtp.mailfrom=x@evil.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "spf softfail", fields: []string{ours + "; spf=softfail smtp.mailfrom=x@third.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "spf pass on helo only", fields: []string{ours + "; spf=pass smtp.helo=third.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "dkim pass, d aligned", fields: []string{ours + "; dkim=pass header.d=third.example; spf=fail smtp.mailfrom=third.example"}, from: "third.example", pass: true, method: "dkim"},
		{name: "dkim pass, i aligned", fields: []string{ours + "; dkim=pass header.i=@news.third.example"}, from: "third.example", pass: true, method: "dkim"},
		{name: "dkim pass, unaligned", fields: []string{ours + "; dkim=pass header.d=other.example; spf=none"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "dkim fail, aligned", fields: []string{ours + "; dkim=fail header.d=third.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "dmarc pass alone does not count", fields: []string{ours + "; dmarc=pass header.from=third.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "public suffix: com.cn is no organisation", fields: []string{ours + "; spf=pass smtp.mailfrom=evil.com.cn"}, from: "victim.com.cn", reason: ReasonNoAlignedPass},
		{name: "public suffix: same organisation under com.cn", fields: []string{ours + "; spf=pass smtp.mailfrom=mail.victim.com.cn"}, from: "victim.com.cn", pass: true, method: "spf"},
		{name: "look-alike domain", fields: []string{ours + "; spf=pass smtp.mailfrom=x@ｔhird.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "case of the domain", fields: []string{ours + "; DKIM=PASS header.d=Third.Example"}, from: "THIRD.example", pass: true, method: "dkim"},
		{name: "forged pass below ours", fields: []string{ours + "; spf=fail smtp.mailfrom=third.example", ours + "-not; spf=pass smtp.mailfrom=third.example"}, from: "third.example", reason: ReasonNoAlignedPass},
		{name: "forged pass below ours, same id", fields: []string{ours + "; spf=fail smtp.mailfrom=third.example", "relay.example; x=y", ours + "; spf=pass smtp.mailfrom=third.example"}, from: "third.example", authservID: ours, reason: ReasonNoAlignedPass},
		{name: "two fields of ours on top", fields: []string{ours + "; spf=fail smtp.mailfrom=third.example", ours + "; dkim=pass header.d=third.example", "evil.example; spf=pass smtp.mailfrom=third.example"}, from: "third.example", pass: true, method: "dkim"},
		{name: "configured id, taken below another hop's", fields: []string{"internal.office.example.org; none", ours + "; spf=pass smtp.mailfrom=third.example"}, from: "third.example", authservID: ours, pass: true, method: "spf"},
		{name: "configured id absent", fields: []string{"mx.elsewhere.example; spf=pass smtp.mailfrom=third.example"}, from: "third.example", authservID: ours, reason: ReasonNotOurs},
		{name: "configured id, case", fields: []string{"MX.Office.Example.Org; spf=pass smtp.mailfrom=third.example"}, from: "third.example", authservID: ours, pass: true, method: "spf"},
		{name: "exchange without id", fields: []string{"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=third.example; dkim=none (message not signed) header.d=none;dmarc=pass action=none header.from=third.example;compauth=pass reason=100"}, from: "third.example", pass: true, method: "spf"},
		{name: "topmost unreadable", fields: []string{ours + "; spf=pass (oops", "evil.example; spf=pass smtp.mailfrom=third.example"}, from: "third.example", reason: ReasonNotOurs},
		{name: "no From domain", fields: []string{ours + "; spf=pass smtp.mailfrom=third.example"}, from: "", reason: ReasonNoFromDomain},
		{name: "quoted local part cannot smuggle a pass", fields: []string{ours + `; spf=pass smtp.mailfrom="a;dkim=pass header.d=third.example"@evil.example`}, from: "third.example", reason: ReasonNoAlignedPass},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			v := Check(row.fields, row.from, row.authservID)
			if v.Pass != row.pass || v.Method != row.method || v.Reason != row.reason {
				t.Errorf("Check = %+v; want pass=%v method=%q reason=%q", v, row.pass, row.method, row.reason)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"mx.example.net; dkim=pass (2048-bit key; secure) header.d=example.com; spf=pass smtp.mailfrom=a@example.com",
		`"x"; spf=pass reason="a\"b" smtp.mailfrom=x@y`,
		"spf=pass smtp.mailfrom=contoso.com;dmarc=pass action=none header.from=contoso.com",
		"a ((b) c; d); e=f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fld, err := Parse(s)
		if err != nil {
			return
		}
		for _, r := range fld.Results {
			if r.Method == "" || r.Value == "" {
				t.Fatalf("empty method or value in %+v", r)
			}
		}
		Check([]string{s}, "example.com", "")
	})
}

func TestFailed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
		id     string
		want   string
	}{
		{"none", nil, "mx.office.example", ""},
		{"dkim fail", []string{"mx.office.example; dkim=fail header.d=office.example"}, "mx.office.example", "dkim=fail"},
		{"spf fail", []string{"mx.office.example; spf=fail smtp.mailfrom=x@office.example"}, "mx.office.example", "spf=fail"},
		{"dmarc fail beside a pass", []string{"mx.office.example; dkim=pass header.d=office.example; dmarc=fail"}, "mx.office.example", "dmarc=fail"},
		{"failing list signature, aligned pass", []string{"mx.office.example; dkim=fail header.d=list.example; dkim=pass header.d=office.example"}, "mx.office.example", ""},
		{"softfail is no fail", []string{"mx.office.example; spf=softfail smtp.mailfrom=x@office.example"}, "mx.office.example", ""},
		{"fail from another server is not ours", []string{"mx.evil.example; dkim=fail header.d=office.example"}, "mx.office.example", ""},
		{"a sender's pass below ours", []string{"mx.office.example; dkim=fail header.d=office.example", "mx.evil.example; dkim=pass header.d=office.example"}, "mx.office.example", "dkim=fail"},
		{"no authserv-id set: the topmost", []string{"mx.office.example; dkim=fail header.d=office.example"}, "", "dkim=fail"},
	} {
		failed, what := Failed(tc.fields, "office.example", tc.id)
		if failed != (tc.want != "") || what != tc.want {
			t.Errorf("%s: Failed = %v %q, want %q", tc.name, failed, what, tc.want)
		}
	}
}
