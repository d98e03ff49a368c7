package demo

import (
	"strings"
	"testing"

	"kaohe/mailparse"
	"kaohe/templates"
)

func TestScenarioMailsParse(t *testing.T) {
	sc, err := Build(templates.MustLoad(2021), MinAgencies)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Agencies) != MinAgencies || len(sc.Missing) < 3 || len(sc.Late) != 1 {
		t.Fatalf("agencies %d missing %v late %v", len(sc.Agencies), sc.Missing, sc.Late)
	}
	var workbooks, foxmail, auto int
	for i, m := range sc.Mails {
		if i > 0 && m.At.Before(sc.Mails[i-1].At) {
			t.Errorf("mail %d out of order", i)
		}
		p, err := mailparse.Parse(m.Raw, mailparse.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", m.What, err)
		}
		for _, a := range p.Attachments {
			if a.Kind == mailparse.KindXLSX {
				workbooks++
				if !strings.HasSuffix(a.Filename, "考核表.xlsx") {
					t.Errorf("%s: attachment name %q", m.What, a.Filename)
				}
			}
		}
		if strings.Contains(m.What, "GBK") {
			foxmail++
			if !strings.Contains(p.Subject, "2021年度考核表") || p.From.Name == "" {
				t.Errorf("Foxmail mail decoded as subject %q from %q", p.Subject, p.From.Name)
			}
		}
		if !m.Answered {
			auto++
			if p.Header["Auto-Submitted"] == nil {
				t.Errorf("auto-reply lacks Auto-Submitted")
			}
		}
	}
	if foxmail != 1 || auto != 1 || workbooks < MinAgencies-5 {
		t.Errorf("foxmail %d auto %d workbooks %d", foxmail, auto, workbooks)
	}
	if !strings.HasPrefix(string(sc.RosterCSV), "\ufeff考核单位,类型,邮箱") {
		t.Errorf("roster header %q", sc.RosterCSV[:40])
	}
}
