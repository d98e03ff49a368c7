package consolidate

import (
	"encoding/xml"
	"strings"
	"testing"

	"kaohe/scoring"
)

// TestTextCellsRoundTrip writes awkward names through the row writer and
// reads them back: text stays text, markup is escaped, characters XML
// cannot hold become U+FFFD.
func TestTextCellsRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"formula", formulaName, formulaName},
		{"at-formula", "@SUM(1)", "@SUM(1)"},
		{"markup", `a<b>&"c"'d`, `a<b>&"c"'d`},
		{"spaces kept", "  前后空格 ", "  前后空格 "},
		{"ooxml escape literal", "x_x000D_y", "x_x000D_y"},
		{"tab and newline", "甲\t乙\n丙", "甲\t乙\n丙"},
		{"control character", "ctl\x01x", "ctl\uFFFDx"},
		{"invalid utf-8", "bad\xffbyte", "bad\uFFFDbyte"},
	}
	in := Input{Form: newFixture(1, 0).in.Form, Now: testNow, Cutoff: testCutoff}
	for _, tt := range tests {
		in.Roster = append(in.Roster, Agency{Name: tt.in, Type: scoring.Sector})
	}
	f, _, _ := build(t, in)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cell := "A" + string(rune('2'+i))
			got, err := f.GetCellValue(SheetSummary, cell)
			if err != nil || got != tt.want {
				t.Errorf("%s = %q (%v), want %q", cell, got, err, tt.want)
			}
			if fm, _ := f.GetCellFormula(SheetSummary, cell); fm != "" {
				t.Errorf("%s holds formula %q", cell, fm)
			}
		})
	}
}

// FuzzAppendEscaped checks that any text escapes to XML that decodes back
// to the text, with the characters XML cannot hold replaced by U+FFFD.
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{formulaName, "a<b>&c", "x_x000D_y", "\r\n\t", "\x00\x1f", "\xff\xfe", "前后 ", "_x12", "&#xA;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := "<t>" + string(appendEscaped(nil, s)) + "</t>"
		var got string
		if err := xml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("escaped %q does not parse: %v", s, err)
		}
		var want strings.Builder
		for _, r := range s {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
			case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
				r = '\uFFFD'
			}
			want.WriteRune(r)
		}
		// Undo the OOXML escape of literal _xHHHH_ that Excel would apply.
		if g := strings.ReplaceAll(got, "_x005F_", "_"); g != want.String() {
			t.Errorf("round trip of %q = %q, want %q", s, g, want.String())
		}
	})
}
