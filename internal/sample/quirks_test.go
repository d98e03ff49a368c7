package sample

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

func TestQuirksChangeHowTheTargetIsWritten(t *testing.T) {
	f := templates.MustLoad(2021)
	l := templates.BlankLayout(f)
	good := Good("大兴区代办处", true)
	gx := open(t, mustWorkbook(t, f, good))
	// observe is everything a reader could see of a target: its value
	// cell's text and type, its label cell's text and pictures on it.
	observe := func(x *excelize.File, target string) string {
		cell, label := l.Scores[target], ""
		if cell == "" {
			cell, label = l.Fields[target], l.FieldLabels[target]
		}
		typ, _ := x.GetCellType(templates.SheetName, cell)
		pics, _ := x.GetPictures(templates.SheetName, cell)
		lt := ""
		if label != "" {
			lt = cellText(t, x, label)
		}
		return fmt.Sprintf("%q|%v|%q|%d", cellText(t, x, cell), typ, lt, len(pics))
	}
	qs := Quirks(f)
	if len(qs) < 8 {
		t.Fatalf("%d quirks, want at least 8", len(qs))
	}
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			bad := good.Spoil(q)
			if reflect.DeepEqual(bad, good) {
				t.Fatalf("quirk changes nothing")
			}
			bx := open(t, mustWorkbook(t, f, bad))
			g, b := observe(gx, q.Target), observe(bx, q.Target)
			if g == b {
				t.Errorf("target %s looks the same: %s", q.Target, g)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {73999, "73,999"}, {1234567, "1,234,567"}}
	for _, tc := range tests {
		if got := thousands(tc.n); got != tc.want {
			t.Errorf("thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
