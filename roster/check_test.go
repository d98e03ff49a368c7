package roster

import (
	"strings"
	"testing"
)

func TestAddressProblems(t *testing.T) {
	t.Parallel()
	csv := "考核单位,类型,邮箱\n" +
		"朝阳区代办处,区,chaoyang@example.org\n" +
		"海淀区代办处,区,张三 <haidian@example.org>\n" +
		"东城区代办处,区,mailto:dongcheng@example.org\n" +
		"西城区代办处,区,ｘｉｃｈｅｎｇ＠example.org\n"
	r, _, err := Parse("roster.csv", []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	ps := r.AddressProblems()
	if len(ps) != 1 {
		t.Fatalf("got %d problems, want 1 (the mailto: address): %v", len(ps), ps)
	}
	if ps[0].Row != 4 || !strings.Contains(ps[0].String(), "mailto:dongcheng@example.org") || !strings.Contains(ps[0].String(), "东城区代办处") {
		t.Errorf("problem = %q, want row 4 naming the agency and the address", ps[0].String())
	}
	// The loose reading still recognises the sender.
	if ag, ok := r.BySender("dongcheng@example.org"); !ok || ag.Name != "东城区代办处" {
		t.Errorf("BySender = %v %v", ag, ok)
	}
}
