package recommend

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/validate"
)

// goodContext fits goodFilling: an 优秀 agency with a quota of 2, the mail
// the day after the form's 公示 (Tuesday 1 to Monday 7 March 2022: five
// working days) and before the cut-off.
func goodContext() Context {
	return Context{
		Season: 2021, Grade: "优秀", Quota: 2, QuotaKnown: true,
		Cutoff:   time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC),
		Received: time.Date(2022, 3, 10, 2, 0, 0, 0, time.UTC),
	}
}

func TestGoodFormHasNoFindings(t *testing.T) {
	t.Parallel()
	f := readGood(t, buildFilled(t, goodFilling(), nil))
	if fs := Check(f, def2021, goodContext()); len(fs) != 0 {
		t.Errorf("findings on a good form: %+v", fs)
	}
	if f.Agency() != "丰台区代办处" || !f.ProposesUnit() || f.Objected() || len(f.Persons) != 2 {
		t.Errorf("read %q proposes=%v objected=%v persons=%d", f.Agency(), f.ProposesUnit(), f.Objected(), len(f.Persons))
	}
}

// TestCheckCodes spoils the good form one way per row and expects the
// row's code on the row's cell, with a message that names the cell and
// says what to do.
func TestCheckCodes(t *testing.T) {
	t.Parallel()
	l := BlankLayout(def2021, BlankOptions{Persons: 2})
	holidays, err := ParseCalendar([]string{"2022-03-04"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name  string
		fill  func(*filling)
		ctx   func(*Context)
		want  validate.Code
		cell  string // "" for a finding without a cell
		field string
		says  string // a phrase the message must hold
	}
	field := func(id string, v any) func(*filling) { return func(fl *filling) { fl.fields[id] = v } }
	person := func(i int, set func(*personRow)) func(*filling) { return func(fl *filling) { set(&fl.persons[i]) } }
	third := func(fl *filling) {
		fl.persons = append(fl.persons, personRow{"陈静", "女", "1990-06", "干事", 5, "认真负责。"})
	}
	cases := []row{
		{name: "three persons for a quota of two", fill: third, want: validate.CodeOverQuota, cell: "B10", field: SectionPersons, says: "名额为2名"},
		{name: "any person for a quota of none", ctx: func(c *Context) { c.Quota = 0 }, want: validate.CodeOverQuota, cell: "B8", says: "没有优秀个人推荐名额"},
		{name: "agency empty", fill: field(FieldAgency, ""), want: validate.CodeMissingField, cell: l.Fields[FieldAgency], field: FieldAgency, says: "没有填写"},
		{name: "unit proposed without deeds", fill: field(FieldUnitDeeds, ""), want: validate.CodeMissingField, cell: l.Fields[FieldUnitDeeds], field: FieldUnitDeeds, says: "不超过500字"},
		{name: "seal only a placeholder", fill: field(FieldSeal, "（盖章）"), want: validate.CodeMissingField, cell: l.Fields[FieldSeal], field: FieldSeal, says: "签字或盖章"},
		{name: "publicity result missing", fill: field(FieldPublicityResult, ""), want: validate.CodeMissingField, cell: l.Fields[FieldPublicityResult], field: FieldPublicityResult, says: "无异议"},
		{name: "objection without how it was settled", fill: field(FieldPublicityResult, "有异议（已处理）"), want: validate.CodeMissingField, cell: l.Fields[FieldObjection], field: FieldObjection, says: "处理结果"},
		{name: "person without 职务", fill: person(1, func(p *personRow) { p.title = "" }), want: validate.CodeMissingField, cell: "E9", field: ColTitle, says: "第2名推荐人员（刘丽）"},
		{name: "publicity start missing", fill: field(FieldPublicityStart, ""), want: validate.CodeMissingField, cell: l.Fields[FieldPublicityStart], field: FieldPublicityStart},
		{name: "birth no month", fill: person(0, func(p *personRow) { p.birth = "八十年代" }), want: validate.CodeInvalidField, cell: "D8", field: ColBirth, says: "1985年3月"},
		{name: "too old", fill: person(0, func(p *personRow) { p.birth = "1950年12月" }), want: validate.CodeInvalidField, cell: "D8", field: ColBirth, says: "71岁"},
		{name: "too young", fill: person(0, func(p *personRow) { p.birth = "2004.01"; p.years = 0 }), want: validate.CodeInvalidField, cell: "D8", field: ColBirth, says: "17岁"},
		{name: "service longer than a working life", fill: person(1, func(p *personRow) { p.years = 18 }), want: validate.CodeInvalidField, cell: "F9", field: ColYears, says: "最多17年"},
		{name: "years not a number", fill: person(1, func(p *personRow) { p.years = "很多年" }), want: validate.CodeInvalidField, cell: "F9", field: ColYears},
		{name: "sex not a choice", fill: person(0, func(p *personRow) { p.sex = "M" }), want: validate.CodeInvalidField, cell: "C8", field: ColSex, says: "“男”或“女”"},
		{name: "propose unit neither yes nor no", fill: field(FieldProposeUnit, "待定"), want: validate.CodeInvalidField, cell: l.Fields[FieldProposeUnit], field: FieldProposeUnit},
		{name: "date no date", fill: field(FieldDate, "2022年2月30日"), want: validate.CodeInvalidField, cell: l.Fields[FieldDate], field: FieldDate},
		{name: "phone too short", fill: field(FieldPhone, "6380"), want: validate.CodeInvalidField, cell: l.Fields[FieldPhone], field: FieldPhone, says: "单位的联系电话"},
		{name: "publicity ends before it starts", fill: field(FieldPublicityEnd, date(2022, 2, 25)), want: validate.CodeInvalidField, cell: l.Fields[FieldPublicityEnd], field: FieldPublicityEnd, says: "早于"},
		{name: "three working days", fill: field(FieldPublicityEnd, date(2022, 3, 3)), want: validate.CodePublicityTooShort, cell: l.Fields[FieldPublicityEnd], field: FieldPublicityEnd, says: "共3个工作日"},
		// Tuesday 1 to Monday 7 March with Friday 4 a holiday: four.
		{name: "a holiday inside", ctx: func(c *Context) { c.Calendar = holidays }, want: validate.CodePublicityTooShort, cell: l.Fields[FieldPublicityEnd], says: "共4个工作日"},
		{name: "seven days asked", ctx: func(c *Context) { c.PublicityDays = 7 }, want: validate.CodePublicityTooShort, cell: l.Fields[FieldPublicityEnd], says: "规定的7个工作日"},
		// The 公示 runs through 7 March: mail that day is too early, even late in the day (Beijing).
		{name: "mail on the last day", ctx: func(c *Context) { c.Received = time.Date(2022, 3, 7, 15, 0, 0, 0, time.UTC) }, want: validate.CodePublicityNotFinished, cell: l.Fields[FieldPublicityEnd], says: "公示尚未结束"},
		{name: "unit deeds over 500 字", fill: field(FieldUnitDeeds, strings.Repeat("字", 501)), want: validate.CodeTooLong, cell: l.Fields[FieldUnitDeeds], field: FieldUnitDeeds, says: "共501字"},
		{name: "person deeds over 300 字", fill: person(0, func(p *personRow) { p.deeds = strings.Repeat("事", 301) }), want: validate.CodeTooLong, cell: "G8", field: ColDeeds, says: "超过300字"},
		{name: "a 不合格 agency proposes itself", ctx: func(c *Context) { c.Grade = GradeFail }, want: validate.CodeNotEligible, cell: l.Fields[FieldProposeUnit], field: FieldProposeUnit, says: "改为“否”"},
		{name: "at the cut-off", ctx: func(c *Context) { c.Received = c.Cutoff }, want: validate.CodeLate, says: "逾期"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fl := goodFilling()
			if c.fill != nil {
				c.fill(&fl)
			}
			ctx := goodContext()
			if c.ctx != nil {
				c.ctx(&ctx)
			}
			f := readGood(t, buildFilled(t, fl, nil))
			fs := Check(f, def2021, ctx)
			var hit *validate.Finding
			for i := range fs {
				if fs[i].Code == c.want {
					hit = &fs[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no %s among %+v", c.want, fs)
			}
			if hit.Cell != c.cell || (c.field != "" && hit.Field != c.field) {
				t.Errorf("%s at %q field %q, want %q %q", c.want, hit.Cell, hit.Field, c.cell, c.field)
			}
			if hit.Severity != c.want.Severity() || hit.Sheet != SheetName {
				t.Errorf("severity %s sheet %q", hit.Severity, hit.Sheet)
			}
			if c.cell != "" && !strings.HasPrefix(hit.Message, c.cell+"：") {
				t.Errorf("message %q does not start with its cell", hit.Message)
			}
			if !strings.Contains(hit.Message, c.says) || !strings.Contains(hit.Message, "请") {
				t.Errorf("message %q: want %q and what to do", hit.Message, c.says)
			}
		})
	}
}

// The limits are inclusive, counted in 字: spaces and line breaks do not
// count.
func TestTooLongBoundary(t *testing.T) {
	t.Parallel()
	fl := goodFilling()
	fl.fields[FieldUnitDeeds] = strings.Repeat("字", 250) + "\n \n" + strings.Repeat("字", 250)
	fl.persons[0].deeds = strings.Repeat("事", 150) + "  " + strings.Repeat("事", 150)
	f := readGood(t, buildFilled(t, fl, nil))
	for _, fd := range Check(f, def2021, goodContext()) {
		t.Errorf("at the limit: %+v", fd)
	}
	if n := Runes("a b\tc\n字"); n != 4 {
		t.Errorf("Runes = %d, want 4", n)
	}
}

// Who is not known is not checked: no quota, no grade, no arrival time.
func TestCheckWithoutContext(t *testing.T) {
	t.Parallel()
	fl := goodFilling()
	fl.persons = append(fl.persons, personRow{"陈静", "女", "1990-06", "干事", 5, "认真负责。"})
	f := readGood(t, buildFilled(t, fl, nil))
	if fs := Check(f, def2021, Context{}); len(fs) != 0 {
		t.Errorf("findings without a context: %+v", fs)
	}
}

// A form that proposes nobody needs no 公示, and a 不合格 agency saying 否
// is fine.
func TestProposingNobody(t *testing.T) {
	t.Parallel()
	fl := goodFilling()
	fl.persons = nil
	fl.fields[FieldProposeUnit] = "否"
	for _, id := range []string{FieldUnitDeeds, FieldPublicityStart, FieldPublicityEnd, FieldPublicityScope, FieldPublicityResult} {
		delete(fl.fields, id)
	}
	f := readGood(t, buildFilled(t, fl, nil))
	ctx := goodContext()
	ctx.Grade, ctx.Quota = GradeFail, 0
	if fs := Check(f, def2021, ctx); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

// Findings come in the order of the sheet, the ones without a cell first.
func TestFindingsInSheetOrder(t *testing.T) {
	t.Parallel()
	fl := goodFilling()
	fl.fields[FieldPhone] = "1"
	fl.fields[FieldAgency] = ""
	fl.persons[1].birth = "不详"
	ctx := goodContext()
	ctx.Received = ctx.Cutoff.Add(time.Hour)
	fs := Check(readGood(t, buildFilled(t, fl, nil)), def2021, ctx)
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Code)+"@"+f.Cell)
	}
	want := "late@ missing_field@C3 invalid_field@D9 invalid_field@G16"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestCheckNilArguments(t *testing.T) {
	t.Parallel()
	if fs := Check(nil, def2021, goodContext()); fs != nil {
		t.Errorf("findings on no form: %+v", fs)
	}
	f := readGood(t, buildFilled(t, interopFilling(), nil))
	if got, want := codesAt(Check(f, nil, goodContext())), interopWant; !slices.Equal(got, want) {
		t.Errorf("with the year's definition: %v, want %v", got, want)
	}
	f.Fields = nil
	f.Persons = append(f.Persons, Person{})
	if fs := Check(f, def2021, goodContext()); len(fs) == 0 {
		t.Error("a form stripped of its fields checks clean")
	}
}
