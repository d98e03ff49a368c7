package roster

import (
	"fmt"
	"testing"

	"kaohe/scoring"
)

func testRoster(t *testing.T) *Roster {
	t.Helper()
	csv := "考核单位,类型,邮箱\n" +
		"朝阳区代办处,区,chaoyang@example.org\n" +
		"朝阳区教育工会代办处,产业工会,cyjy@example.org\n" +
		"海淀区代办处,区,haidian@example.org\n" +
		"市建工集团代办处,总公司,jiangong@example.org\n" +
		"海淀区教育工会代办处,产业工会,shared@example.org\n" +
		"海淀区卫生工会代办处,产业工会,shared@example.org\n"
	r, problems, err := Parse("r.csv", []byte(csv))
	if err != nil || len(problems) != 1 { // the shared address
		t.Fatalf("%v %v", err, problems)
	}
	return r
}

func TestBySender(t *testing.T) {
	t.Parallel()
	r := testRoster(t)
	rows := []struct{ addr, want string }{
		{"haidian@example.org", "海淀区代办处"},
		{"  HaiDian@Example.Org ", "海淀区代办处"},
		{"海淀区 <haidian@example.org>", "海淀区代办处"},
		{`"Hai, Dian" <haidian@example.org>`, "海淀区代办处"},
		{"<haidian@example.org>", "海淀区代办处"},
		{"HAIDIAN@EXAMPLE.ORG", "海淀区代办处"},
		{"mailto:haidian@example.org", "海淀区代办处"},
		// Only ASCII letters are folded: look-alikes are other addresses.
		{"ｈａｉｄｉａｎ＠example.org", ""},
		{"ｈaidian@example.org", ""},  // full-width ｈ
		{"haidian@ｅxample.org", ""},  // full-width ｅ in the domain
		{"hаidian@example.org", ""},  // Cyrillic а
		{"haidian@example.org​", ""}, // zero-width space
		{"Kaidian@example.org", ""},  // Kelvin sign, which ToLower folds to k
		{"haidİan@example.org", ""},  // dotted capital I
		{"haidian@example.org.evil", ""},
		{"nobody@example.org", ""},
		{"", ""},
		{"not an address", ""},
	}
	for _, row := range rows {
		a, ok := r.BySender(row.addr)
		if ok != (row.want != "") || a.Name != row.want {
			t.Errorf("BySender(%q) = %q, %v; want %q", row.addr, a.Name, ok, row.want)
		}
	}
}

func TestByUnit(t *testing.T) {
	t.Parallel()
	r := testRoster(t)
	rows := []struct{ cell, want string }{
		{"朝阳区代办处", "朝阳区代办处"},
		{"朝阳区", "朝阳区代办处"},
		{" 朝 阳 区 ", "朝阳区代办处"},
		{"朝阳区（代办处）", "朝阳区代办处"},
		{"考核单位：朝阳区代办处", "朝阳区代办处"},
		{"朝阳区教育工会", "朝阳区教育工会代办处"},
		{"北京市海淀区总工会", "海淀区代办处"}, // the cell contains one roster name
		{"建工集团", "市建工集团代办处"},    // one roster name contains the cell
		{"朝阳", ""}, // contained in two names: ambiguous
		{"区", ""},  // too short to match by containment
		{"丰台区", ""},
		{"", ""},
	}
	for _, row := range rows {
		a, ok := r.ByUnit(row.cell)
		if ok != (row.want != "") || a.Name != row.want {
			t.Errorf("ByUnit(%q) = %q, %v; want %q", row.cell, a.Name, ok, row.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r := testRoster(t)
	rows := []struct {
		name, sender, unit string
		want               string
		known, mismatch    bool
		typ                scoring.AgencyType
	}{
		{"known sender, its unit", "haidian@example.org", "海淀区代办处", "海淀区代办处", true, false, scoring.District},
		{"known sender, unit written loosely", "haidian@example.org", "海淀区", "海淀区代办处", true, false, scoring.District},
		{"known sender, empty unit", "haidian@example.org", "", "海淀区代办处", true, false, scoring.District},
		{"unknown sender, known unit: not filed under it", "someone@qq.example", "市建工集团", "市建工集团", false, false, scoring.Sector},
		{"look-alike sender, its unit: not filed under it", "ｃhaoyang@example.org", "朝阳区代办处", "朝阳区代办处", false, false, scoring.District},
		{"sender and unit disagree", "haidian@example.org", "朝阳区代办处", "海淀区代办处", true, true, scoring.District},
		{"known sender, unlisted unit", "jiangong@example.org", "丰台区代办处", "市建工集团代办处", true, true, scoring.Sector},
		{"known sender, ambiguous unit of its own", "chaoyang@example.org", "朝阳", "朝阳区代办处", true, false, scoring.District},
		{"shared sender, cell names a sharer", "shared@example.org", "海淀区卫生工会", "海淀区卫生工会代办处", true, false, scoring.Sector},
		{"shared sender, cell names another agency: not filed under it", "shared@example.org", "朝阳区代办处", "朝阳区代办处", false, false, scoring.District},
		{"shared sender, cell matches one sharer loosely", "shared@example.org", "教育工会", "海淀区教育工会代办处", true, false, scoring.Sector},
		{"shared sender, cell ambiguous among sharers", "shared@example.org", "工会", "工会", false, false, scoring.Sector},
		{"shared sender, empty cell", "shared@example.org", "", "", false, false, scoring.Sector},
		{"both unknown, district name", "x@qq.example", " 丰台区代办处 ", "丰台区代办处", false, false, scoring.District},
		{"both unknown, sector name", "x@qq.example", "市电力公司", "市电力公司", false, false, scoring.Sector},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a, known, mismatch := r.Resolve(row.sender, row.unit)
			if a.Name != row.want || known != row.known || mismatch != row.mismatch || a.Type != row.typ {
				t.Errorf("Resolve(%q, %q) = %q %s known=%v mismatch=%v; want %q %s known=%v mismatch=%v",
					row.sender, row.unit, a.Name, a.Type, known, mismatch, row.want, row.typ, row.known, row.mismatch)
			}
			if !known && !a.TypeInferred {
				t.Error("unknown agency's type not marked inferred")
			}
		})
	}
}

func TestNilRoster(t *testing.T) {
	t.Parallel()
	var r *Roster
	if _, ok := r.BySender("a@x.cn"); ok {
		t.Error("nil roster knows a sender")
	}
	a, known, mismatch := r.Resolve("a@x.cn", "朝阳区代办处")
	if known || mismatch || a.Name != "朝阳区代办处" || a.Type != scoring.District {
		t.Errorf("nil roster Resolve = %+v %v %v", a, known, mismatch)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	r, problems := New([]Agency{
		{Name: "朝阳区代办处", Type: scoring.District, Emails: []string{"a@example.org"}, Row: 1},
		{Name: " 市电力公司 ", Emails: []string{"b@example.org", "bad@"}, Row: 2},
		{Name: "朝阳区（代办处）", Emails: []string{"c@example.org"}, Row: 3},
		{Name: "——", Row: 4},
	})
	if len(r.Agencies) != 2 {
		t.Fatalf("agencies %+v", r.Agencies)
	}
	if p := r.Agencies[1]; p.Name != "市电力公司" || p.Type != scoring.Sector || !p.TypeInferred {
		t.Errorf("untyped agency: %+v", p)
	}
	if a, ok := r.BySender("c@example.org"); !ok || a.Name != "朝阳区代办处" {
		t.Errorf("merged address: %q %v", a.Name, ok)
	}
	rows := []int{}
	for _, p := range problems {
		rows = append(rows, p.Row)
	}
	if fmt.Sprint(rows) != "[2 3 4]" {
		t.Errorf("problem rows %v, want [2 3 4]: %v", rows, problems)
	}
}
