package templates

import (
	"strings"
	"testing"
)

func TestForm2021Rubric(t *testing.T) {
	f, err := Load(2021)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"1": 15, "2": 45, "3": 40, "4": 25}
	var total float64
	for _, s := range f.Sections {
		var sum float64
		for _, ind := range s.Indicators {
			sum += ind.Cap
			for _, a := range ind.Allowed {
				if a < 0 || a > ind.Cap {
					t.Errorf("%s: allowed %g outside 0..%g", ind.ID, a, ind.Cap)
				}
			}
			if !ind.Allows(ind.Cap) {
				t.Errorf("%s: allowed %v lacks the cap %g", ind.ID, ind.Allowed, ind.Cap)
			}
			if !ind.Allows(0) {
				t.Errorf("%s: allowed %v lacks 0", ind.ID, ind.Allowed)
			}
		}
		if sum != want[s.ID] {
			t.Errorf("section %s: caps sum to %g, want %g", s.ID, sum, want[s.ID])
		}
		total += sum
	}
	if total != 125 || f.TotalCap != 125 {
		t.Errorf("total %g / %g, want 125", total, f.TotalCap)
	}
	if n := len(f.Indicators()); n != 30 {
		t.Errorf("%d indicators, want 30", n)
	}
	ids := map[string]bool{}
	for _, ind := range f.Indicators() {
		if ids[ind.ID] {
			t.Errorf("duplicate id %s", ind.ID)
		}
		ids[ind.ID] = true
		if !strings.HasPrefix(ind.ID, ind.Section+".") {
			t.Errorf("%s: section %s", ind.ID, ind.Section)
		}
	}
	if len(f.Fields) != 18 {
		t.Errorf("%d fields, want 18", len(f.Fields))
	}
}

func TestParseRejectsIncoherentForm(t *testing.T) {
	bad := `year: 2099
total_cap: 10
sections:
  - id: "1"
    cap: 10
    indicators:
      - {id: "1.1", criteria: x, departments: [d], cap: 4, allowed: [0, 2]}
      - {id: "1.1", criteria: x, departments: [d], cap: 4, allowed: [0, 4]}
`
	_, err := Parse([]byte(bad))
	if err == nil {
		t.Fatal("incoherent form accepted")
	}
	for _, want := range []string{"duplicate id", "must end at the cap", "sum to 8"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestFloorAndAllows(t *testing.T) {
	ind, _ := MustLoad(2021).Indicator("2.2")
	cases := []struct {
		in, floor float64
		allowed   bool
	}{{2.5, 2, false}, {4, 4, true}, {1, 0, false}, {0, 0, true}, {3.99, 2, false}}
	for _, c := range cases {
		if got := ind.Floor(c.in); got != c.floor {
			t.Errorf("Floor(%g) = %g, want %g", c.in, got, c.floor)
		}
		if got := ind.Allows(c.in); got != c.allowed {
			t.Errorf("Allows(%g) = %v", c.in, got)
		}
	}
	if y := Years(); len(y) == 0 || y[0] != 2021 {
		t.Errorf("Years() = %v", y)
	}
}
