package recommend

import (
	"strings"
	"testing"

	"kaohe/validate"
)

func TestDuplicates(t *testing.T) {
	t.Parallel()
	a := goodFilling() // 张伟 1980-05, 刘丽 1988-11
	b := goodFilling()
	b.fields[FieldAgency] = "朝阳区代办处"
	b.persons = []personRow{
		{"张 伟", "男", "1980年5月", "主任", 12, "事迹"}, // 张伟 again, written otherwise
		{"刘丽", "女", "1988年10月", "专管员", 8, "事迹"}, // another 刘丽: another month
		{"王磊", "男", "1979-01", "干事", 10, "事迹"},
		{"王磊", "男", "1979.01", "干事", 10, "事迹"}, // twice on one form
	}
	c := goodFilling()
	c.persons = []personRow{{"张伟", "男", date(1980, 5, 20), "副主任", 3, "事迹"}}
	forms := []Submitted{
		{Agency: "丰台区代办处", Form: readGood(t, buildFilled(t, a, nil))},
		{Agency: "朝阳区代办处", Form: readGood(t, buildFilled(t, b, nil))},
		{Agency: "海淀区代办处", Form: readGood(t, buildFilled(t, c, nil))},
		{Agency: "未交", Form: nil},
	}
	dups := Duplicates(forms)
	if len(dups) != 2 {
		t.Fatalf("%d duplicates, want 张伟 and 王磊: %+v", len(dups), dups)
	}
	zw := dups[0]
	if zw.Name != "张伟" || zw.Birth != "1980-05" || len(zw.Entries) != 3 ||
		zw.Entries[0].Agency != "丰台区代办处" || zw.Entries[1].Agency != "朝阳区代办处" || zw.Entries[2].Agency != "海淀区代办处" {
		t.Errorf("张伟: %+v", zw)
	}
	if zw.Entries[1].Cell != "B8" || zw.Entries[1].Sheet != SheetName {
		t.Errorf("张伟 at 朝阳: %+v", zw.Entries[1])
	}
	staff := zw.Finding()
	if staff.Code != validate.CodeDuplicatePerson || staff.Severity != validate.SeverityWarning ||
		!strings.Contains(staff.Message, "丰台区代办处（B8）、朝阳区代办处（B8）、海淀区代办处（B8）") || !strings.Contains(staff.Message, "请") {
		t.Errorf("staff finding %+v", staff)
	}
	mine, ok := zw.FindingFor("朝阳区代办处")
	if !ok || mine.Cell != "B8" || !strings.HasPrefix(mine.Message, "B8：") || !strings.Contains(mine.Message, "也由丰台区代办处、海淀区代办处推荐") {
		t.Errorf("朝阳's finding %+v", mine)
	}
	if _, ok := zw.FindingFor("西城区代办处"); ok {
		t.Error("a finding for an agency not among the entries")
	}
	wl := dups[1]
	if wl.Name != "王磊" || len(wl.Entries) != 2 {
		t.Fatalf("王磊: %+v", wl)
	}
	if f, _ := wl.FindingFor("朝阳区代办处"); !strings.Contains(f.Message, "填了不止一次") || f.Cell != "B10" {
		t.Errorf("王磊 twice on one form: %+v", f)
	}
}
