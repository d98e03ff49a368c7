package assess

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

var form = templates.MustLoad(2021)

func workbook(t *testing.T, v sample.Values) []byte {
	t.Helper()
	data, err := sample.Workbook(form, v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func codes(r *Report) map[validate.Code]int {
	out := map[validate.Code]int{}
	for _, f := range r.Findings {
		out[f.Code]++
	}
	return out
}

func TestCheckStatusesAndAgency(t *testing.T) {
	good := workbook(t, sample.Good("朝阳区代办处", true))
	sector := workbook(t, sample.Good("市建工局代办处", false))
	bad := workbook(t, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)).With(sample.SetScore("4.6", 10)))
	cases := []struct {
		name       string
		data       []byte
		opts       Options
		wantStatus Status
		wantType   scoring.AgencyType
		wantCodes  []validate.Code
		wantAgency string
	}{
		{"accepted, type inferred", good, Options{}, StatusAccepted, scoring.District, []validate.Code{validate.CodeTypeInferred}, ""},
		{"type forced", sector, Options{Type: scoring.Sector}, StatusAccepted, scoring.Sector, nil, ""},
		{"wrong type forced", good, Options{Type: scoring.Sector}, StatusNeedsFix, scoring.Sector, []validate.Code{validate.CodeScoreNotEligible}, ""},
		{"roster agency", good, Options{Resolve: func(unit string) Agency {
			return Agency{Name: "朝阳区代办处", Type: scoring.District, Known: true}
		}}, StatusAccepted, scoring.District, nil, "朝阳区代办处"},
		{"sender of another agency", good, Options{Resolve: func(unit string) Agency {
			return Agency{Name: "海淀区代办处", Type: scoring.District, Known: true, Mismatch: true}
		}}, StatusAccepted, scoring.District, []validate.Code{validate.CodeUnitMismatch}, "海淀区代办处"},
		{"errors", bad, Options{Type: scoring.Sector}, StatusNeedsFix, scoring.Sector, []validate.Code{validate.CodeScoreAboveCap, validate.CodeScoreNotEligible}, ""},
		{"not a workbook", []byte("hello"), Options{}, StatusUnreadable, "", []validate.Code{validate.CodeUnreadableFile}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Validate = validate.Options{Form: form, Filename: "x.xlsx"}
			r, err := Check(context.Background(), c.data, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != c.wantStatus || r.AgencyType != c.wantType || r.Agency != c.wantAgency {
				t.Errorf("status %s type %s agency %q; want %s %s %q", r.Status, r.AgencyType, r.Agency, c.wantStatus, c.wantType, c.wantAgency)
			}
			got := codes(r)
			for _, want := range c.wantCodes {
				if got[want] == 0 {
					t.Errorf("no %s finding: %+v", want, r.Findings)
				}
			}
			if c.wantCodes == nil {
				errs, warns := r.Counts()
				if errs+warns > 0 {
					t.Errorf("unexpected findings %+v", r.Findings)
				}
			}
			for i := 1; i < len(r.Findings); i++ {
				if r.Findings[i-1].Severity.Rank() > r.Findings[i].Severity.Rank() {
					t.Errorf("findings not sorted errors first: %+v", r.Findings)
				}
			}
			if r.Status != StatusUnreadable {
				if len(r.Indicators) != 30 || len(r.Sections) != 4 || r.Submission == nil {
					t.Fatalf("indicators %d sections %d", len(r.Indicators), len(r.Sections))
				}
				if present, _ := r.Fields["filler_sign"].(bool); !present {
					t.Errorf("filler_sign = %v", r.Fields["filler_sign"])
				}
				if _, ok := r.Fields["staff"].(float64); !ok {
					t.Errorf("staff = %#v, want a number", r.Fields["staff"])
				}
			}
		})
	}
}

func TestCheckScoresMatchTheSheet(t *testing.T) {
	v := sample.Good("市建工局代办处", false)
	r, err := Check(context.Background(), workbook(t, v), Options{Validate: validate.Options{Form: form}, Type: scoring.Sector})
	if err != nil {
		t.Fatal(err)
	}
	if r.SelfTotal != v.SelfTotal() {
		t.Errorf("self total %g, sheet sums to %g", r.SelfTotal, v.SelfTotal())
	}
	if r.VerifiedTotal != r.SelfTotal {
		t.Errorf("a correct form verified at %g, self %g", r.VerifiedTotal, r.SelfTotal)
	}
	for _, ind := range r.Indicators {
		if ind.Cell == "" || ind.Self == nil {
			t.Errorf("indicator %s: cell %q self %v", ind.ID, ind.Cell, ind.Self)
		}
	}
}

// ExampleCheck shows one workbook's whole check.
func ExampleCheck() {
	data, _ := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	r, err := Check(context.Background(), data, Options{Validate: validate.Options{Form: form}, Type: scoring.District})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status, r.Status.Label())
	for _, f := range r.Findings {
		fmt.Println(f.Code, f.Indicator)
	}
	// Output:
	// needs_fix 需修改
	// score_above_cap 1.4
}

// The type_inferred note says what to do: give --type when no roster was
// consulted (kaohe check), correct the roster when it lacks the agency.
func TestTypeInferredNoteFitsItsCause(t *testing.T) {
	data := workbook(t, sample.Good("朝阳区代办处", true))
	note := func(opts Options) string {
		opts.Validate = validate.Options{Form: form, Filename: "x.xlsx"}
		r, err := Check(context.Background(), data, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			if f.Code == validate.CodeTypeInferred {
				return f.Message
			}
		}
		t.Fatal("no type_inferred note")
		return ""
	}
	if m := note(Options{}); !strings.Contains(m, "--type") || strings.Contains(m, "名单中没有") {
		t.Errorf("without a roster: %s", m)
	}
	unknown := func(string) Agency { return Agency{} }
	if m := note(Options{Resolve: unknown}); !strings.Contains(m, "名单中没有“朝阳区代办处”") || strings.Contains(m, "--type") {
		t.Errorf("roster without the agency: %s", m)
	}
}

// A reader that cannot read says so as an error, and Check makes no report
// of a reading that did not happen.
func TestCheckPassesTheReadersError(t *testing.T) {
	down := errors.New("no worker")
	r, err := Check(context.Background(), workbook(t, sample.Good("朝阳区代办处", true)), Options{
		Validate: validate.Options{Form: form},
		Reader: func(context.Context, []byte, validate.Options) (*validate.Submission, []validate.Finding, error) {
			return nil, nil, down
		},
	})
	if !errors.Is(err, down) || r != nil {
		t.Errorf("Check = %v, %v; want no report and the reader's error", r, err)
	}
}
