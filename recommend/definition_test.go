package recommend

import (
	"strings"
	"testing"
)

func TestEmbeddedDefinitions(t *testing.T) {
	t.Parallel()
	if len(Years()) == 0 || Years()[0] != 2021 {
		t.Fatalf("embedded years %v, want 2021 first", Years())
	}
	for _, y := range Years() {
		d, err := Load(y)
		if err != nil {
			t.Fatalf("%d: %v", y, err)
		}
		if d.Year != y || !strings.HasPrefix(d.ID, "recommend-") {
			t.Errorf("%d: year %d id %q", y, d.Year, d.ID)
		}
	}
	if _, err := Load(1999); err == nil {
		t.Error("a year without a 推荐表 loaded")
	}
}

// The form asks for what the issue lists, with the limits it sets, and
// nothing personal beyond it.
func TestDefinition2021Fields(t *testing.T) {
	t.Parallel()
	d := MustLoad(2021)
	want := map[string]string{
		FieldAgency: "推荐单位", FieldProposeUnit: "是否推荐本单位为优秀单位", FieldUnitDeeds: "单位主要事迹",
		ColName: "姓名", ColSex: "性别", ColBirth: "出生年月", ColTitle: "职务", ColYears: "从事互助保障工作年限",
		ColDeeds: "主要事迹", FieldPublicityStart: "公示开始日期", FieldPublicityEnd: "公示结束日期",
		FieldPublicityScope: "公示范围", FieldPublicityResult: "公示结果", FieldLeaderSign: "单位负责人签字",
		FieldSeal: "单位盖章", FieldFiller: "填报人", FieldPhone: "联系电话", FieldDate: "填报日期",
	}
	for id, label := range want {
		fd, ok := d.Field(id)
		if !ok || fd.Label != label {
			t.Errorf("%s: %+v, want label %s", id, fd, label)
		}
	}
	if fd, _ := d.Field(FieldUnitDeeds); fd.MaxRunes != 500 {
		t.Errorf("单位主要事迹 limit %d, want 500", fd.MaxRunes)
	}
	if fd, _ := d.Field(ColDeeds); fd.MaxRunes != 300 {
		t.Errorf("主要事迹 limit %d, want 300", fd.MaxRunes)
	}
	if fd, _ := d.Field(ColSex); strings.Join(fd.Choices, ",") != "男,女" {
		t.Errorf("性别 choices %v", fd.Choices)
	}
	if fd, _ := d.Field(FieldPublicityResult); len(fd.Choices) == 0 || fd.Choices[0] != "无异议" {
		t.Errorf("公示结果 choices %v, want 无异议 first", fd.Choices)
	}
	for _, word := range []string{"身份证", "住址", "手机", "个人电话"} {
		for _, s := range d.Sections {
			for _, fd := range append(s.Fields, s.Columns...) {
				if strings.Contains(fd.Label, word) {
					t.Errorf("field %s asks for %s", fd.ID, word)
				}
			}
		}
	}
	if !strings.Contains(d.NoteText(7), "不少于7个工作日") || !strings.Contains(d.NoteText(0), "不少于5个工作日") {
		t.Errorf("note does not say the publicity days: %q", d.NoteText(7))
	}
}

func TestParseRejectsIncoherentDefinitions(t *testing.T) {
	t.Parallel()
	good, _ := Source(2021)
	cases := []struct {
		name, from, to, want string
	}{
		{"title without 推荐表", "title: 2021年度职工互助保障工作优秀单位、优秀个人推荐表", "title: 2021年度表", "推荐表"},
		{"a field the checks need is gone", "      - {id: phone,", "      - {id: telephone,", "field phone: missing"},
		{"duplicate id", "{id: filler,", "{id: seal,", "duplicate id"},
		{"unknown kind", "kind: phone", "kind: mobile", `unknown kind "mobile"`},
		{"widths do not fit the table", "widths: [6, 10, 6, 11, 12, 11, 44]", "widths: [6, 10, 6, 11, 12, 11]", "widths"},
		{"required_when on a text", "required_when: {field: propose_unit, is: 是}", "required_when: {field: agency, is: 是}", "not a choice field"},
		{"year", "year: 2021", "year: 21", "year"},
		{"rows", "rows: 5", "rows: 0", "rows must be"},
	}
	for _, c := range cases {
		src := strings.Replace(string(good), c.from, c.to, 1)
		if src == string(good) {
			t.Fatalf("%s: %q not in the definition", c.name, c.from)
		}
		_, err := Parse([]byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.want)
		}
	}
	if _, err := Parse([]byte("year: [")); err == nil {
		t.Error("broken YAML parsed")
	}
}
