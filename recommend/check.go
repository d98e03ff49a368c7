package recommend

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
	"kaohe/validate"
)

// GradeFail is the grade of an agency that may not propose itself as
// 优秀单位.
const GradeFail = "不合格"

// Age bounds of a person recommended, at the end of the season's year, and
// the age before which nobody works in 互助保障.
const (
	MinAge        = 18
	MaxAge        = 70
	MinWorkingAge = 16
)

// Context is what the checks need beyond the form: the agency's result,
// the campaign's rules and the time the mail arrived.
type Context struct {
	// Season is the campaign year; ages and years of service are reckoned
	// at its end. Zero: the definition's year.
	Season int
	// Grade is the agency's final grade (优秀 / 良好 / 合格 / 不合格); ""
	// when not known, and then eligibility is not checked.
	Grade string
	// Quota is the agency's number of 优秀个人 when QuotaKnown.
	Quota      int
	QuotaKnown bool
	// Cutoff is results.recommend_cutoff: a form received at or after it
	// is late. Zero: no cut-off.
	Cutoff time.Time
	// Received is when the mail arrived. Zero: the 公示 is not compared
	// with it and lateness is not checked.
	Received time.Time
	// PublicityDays is the working days a 公示 lasts at least; zero:
	// DefaultPublicityDays.
	PublicityDays int
	// Calendar says which days are working days.
	Calendar Calendar
}

func (c Context) publicityDays() int {
	if c.PublicityDays <= 0 {
		return DefaultPublicityDays
	}
	return c.PublicityDays
}

// Check checks a returned form against its definition and the context.
// It is pure: the same form and context give the same findings, in the
// order of the sheet (file-wide findings such as late first). Each finding
// names the agency's sheet and cell when there is one, the field or column
// id, and says in Chinese what to do.
//
// A nil definition is the embedded one of the form's year; a nil form has
// no findings (Read said why there is none).
func Check(f *Filled, def *Definition, ctx Context) []validate.Finding {
	if f == nil {
		return nil
	}
	if def == nil {
		d, err := Load(f.Year)
		if err != nil {
			d = MustLoad(Years()[0])
		}
		def = d
	}
	c := &checker{f: f, def: def, ctx: ctx}
	if c.ctx.Season == 0 {
		c.ctx.Season = def.Year
	}
	c.late()
	c.fields()
	c.persons()
	c.quota()
	c.eligible()
	c.publicity()
	sortBySheet(c.out)
	return c.out
}

// sortBySheet orders findings as the sheet reads: those without a cell
// first, then by row and column; the order of the checks within a cell.
func sortBySheet(fs []validate.Finding) {
	slices.SortStableFunc(fs, func(a, b validate.Finding) int {
		ac, ar, aerr := excelize.CellNameToCoordinates(a.Cell)
		bc, br, berr := excelize.CellNameToCoordinates(b.Cell)
		switch {
		case aerr != nil && berr != nil:
			return 0
		case aerr != nil:
			return -1
		case berr != nil:
			return 1
		case ar != br:
			return ar - br
		}
		return ac - bc
	})
}

type checker struct {
	f   *Filled
	def *Definition
	ctx Context
	out []validate.Finding
}

func (c *checker) add(code validate.Code, cell, field, msg string) {
	if cell != "" {
		msg = cell + "：" + msg
	}
	fd := validate.NewFinding(code, msg)
	fd.Sheet, fd.Cell, fd.Field = c.f.Sheet, cell, field
	c.out = append(c.out, fd)
}

func (c *checker) late() {
	if c.ctx.Cutoff.IsZero() || c.ctx.Received.IsZero() || c.ctx.Received.Before(c.ctx.Cutoff) {
		return
	}
	c.add(validate.CodeLate, "", "", fmt.Sprintf(
		"本推荐表于%s收到，已过推荐材料报送截止时间（%s），属于逾期报送。是否受理由办事处决定；如逾期有特殊原因，请与工作人员联系说明。",
		fmtTime(c.ctx.Received), fmtTime(c.ctx.Cutoff)))
}

// proposing reports whether the form proposes anyone: the unit or a person.
func (c *checker) proposing() bool { return c.f.ProposesUnit() || len(c.f.Persons) > 0 }

// required reports whether a field must be filled in.
func (c *checker) required(s Section, fd Field) bool {
	if s.WhenProposing && !c.proposing() {
		return false
	}
	if fd.Required {
		return true
	}
	if w := fd.RequiredWhen; w != nil {
		answer := strings.TrimSpace(c.f.Fields[w.Field].Text)
		switch {
		case w.Is != "":
			return answer == w.Is || (w.Is == "是" && isYes(answer))
		case w.Not != "":
			return answer != "" && answer != w.Not && !(w.Field == FieldPublicityResult && noObjection(answer))
		}
	}
	return false
}

func (c *checker) fields() {
	for _, s := range c.def.Sections {
		for _, fd := range s.Fields {
			v := c.f.Fields[fd.ID]
			if v.Empty() || isPlaceholder(v.Text, fd) && !v.Picture {
				if c.required(s, fd) {
					c.missing(fd, v)
				}
				continue
			}
			c.value(fd, v, "「"+fd.Label+"」")
		}
	}
}

func (c *checker) missing(fd Field, v Value) {
	if v.Cell == "" {
		c.add(validate.CodeMissingField, "", fd.ID, fmt.Sprintf(
			"表中找不到「%s」一栏。请使用办事处下发的推荐表，在「%s」处填写后再发送。", fd.Label, fd.Label))
		return
	}
	var msg string
	switch {
	case fd.ID == FieldUnitDeeds:
		msg = fmt.Sprintf("本单位推荐为优秀单位，请填写「%s」（不超过%d字）。", fd.Label, fd.MaxRunes)
	case fd.ID == FieldObjection:
		msg = fmt.Sprintf("公示结果为有异议，请在「%s」中写明异议内容及处理结果。", fd.Label)
	case fd.ID == FieldPublicityResult:
		msg = fmt.Sprintf("请填写「%s」：无异议，或选择有异议并写明异议及处理情况。", fd.Label)
	case fd.Kind == KindSign:
		msg = fmt.Sprintf("「%s」还没有签字或盖章。请签字或盖章（电子表可填写姓名或插入签章图片）后再发送。", fd.Label)
	case fd.Kind == KindChoice:
		msg = fmt.Sprintf("「%s」没有填写。请从下拉列表中选择（%s）。", fd.Label, strings.Join(fd.Choices, "或"))
	default:
		msg = fmt.Sprintf("「%s」没有填写。请填写后再发送。", fd.Label)
	}
	c.add(validate.CodeMissingField, v.Cell, fd.ID, msg)
}

// value checks a filled value of its kind; what names it in messages.
func (c *checker) value(fd Field, v Value, what string) {
	switch fd.Kind {
	case KindDate:
		if v.Date.IsZero() {
			c.add(validate.CodeInvalidField, v.Cell, fd.ID, fmt.Sprintf(
				"%s填的「%s」不是有效的日期。请填写如 %d-03-01 或 %d年3月1日。", what, clip(v.Text), c.ctx.Season+1, c.ctx.Season+1))
		}
	case KindMonth:
		if v.Date.IsZero() {
			c.add(validate.CodeInvalidField, v.Cell, fd.ID, fmt.Sprintf(
				"%s填的「%s」不是有效的年月。请填写如 1985年3月 或 1985-03。", what, clip(v.Text)))
		}
	case KindYears:
		if !v.IsNumber || v.Number < 0 {
			c.add(validate.CodeInvalidField, v.Cell, fd.ID, fmt.Sprintf(
				"%s填的「%s」不是有效的年数。请填写整数年，如 12。", what, clip(v.Text)))
		}
	case KindChoice:
		if fd.ID == FieldPublicityResult {
			return // any wording: an objection is described in words
		}
		if !validChoice(fd, v.Text) {
			c.add(validate.CodeInvalidField, v.Cell, fd.ID, fmt.Sprintf(
				"%s只能填写%s，表中是「%s」。请从下拉列表中选择。", what, strings.Join(quoteAll(fd.Choices), "或"), clip(v.Text)))
		}
	case KindPhone:
		if n := digits(v.Text); n < 7 || n > 20 {
			c.add(validate.CodeInvalidField, v.Cell, fd.ID, fmt.Sprintf(
				"%s填的「%s」不像电话号码。请填写单位的联系电话，如 010-12345678。", what, clip(v.Text)))
		}
	}
	if fd.MaxRunes > 0 {
		if n := Runes(v.Text); n > fd.MaxRunes {
			c.add(validate.CodeTooLong, v.Cell, fd.ID, fmt.Sprintf(
				"%s共%d字，超过%d字的上限（多%d字）。请精简到%d字以内。", what, n, fd.MaxRunes, n-fd.MaxRunes, fd.MaxRunes))
		}
	}
}

func validChoice(fd Field, s string) bool {
	s = strings.TrimSpace(s)
	for _, ch := range fd.Choices {
		if s == ch {
			return true
		}
	}
	if fd.ID == FieldProposeUnit {
		return isYes(s) || isNo(s)
	}
	return false
}

func (c *checker) persons() {
	s := c.def.Persons()
	if !c.f.TableFound {
		c.add(validate.CodeMissingField, "", SectionPersons, fmt.Sprintf(
			"表中找不到「%s」的表头（%s）。请使用办事处下发的推荐表填写后再发送。", strings.TrimLeft(s.Label, "一二三四五六七八九十、"), columnLabels(s)))
		return
	}
	for i, p := range c.f.Persons {
		who := fmt.Sprintf("第%d名推荐人员", i+1)
		if n := p.Name(); n != "" {
			who += "（" + clip(n) + "）"
		}
		for _, col := range s.Columns {
			v := p.Values[col.ID]
			if v.Empty() {
				if col.Required {
					c.add(validate.CodeMissingField, v.Cell, col.ID, fmt.Sprintf("%s的「%s」没有填写。请填写后再发送。", who, col.Label))
				}
				continue
			}
			c.value(col, v, who+"的「"+col.Label+"」")
		}
		c.age(p, who)
	}
}

// age checks that the person's age and years of service are plausible at
// the end of the season's year.
func (c *checker) age(p Person, who string) {
	birth, ok := p.Birth()
	if !ok {
		return
	}
	age := c.ctx.Season - birth.Year()
	bv := p.Values[ColBirth]
	if age < MinAge || age > MaxAge {
		c.add(validate.CodeInvalidField, bv.Cell, ColBirth, fmt.Sprintf(
			"%s的出生年月「%s」按%d年计为%d岁，不在%d至%d岁之间。请核对出生年月（填写如 1985年3月）。",
			who, clip(bv.Text), c.ctx.Season, age, MinAge, MaxAge))
		return
	}
	yv := p.Values[ColYears]
	if !yv.IsNumber || yv.Number < 0 {
		return
	}
	if most := age - MinWorkingAge; yv.Number > float64(most)+1e-9 {
		c.add(validate.CodeInvalidField, yv.Cell, ColYears, fmt.Sprintf(
			"%s的从事互助保障工作年限为%s年，但按出生年月%d年时%d岁，年限最多%d年。请核对年限和出生年月。",
			who, fmtNumber(yv.Number), c.ctx.Season, age, most))
	}
}

// StandingFindings are the findings of Check that depend on the agency's
// standing (ctx.Grade, ctx.Quota): over_quota and not_eligible. A 推荐表
// held as 名册外来件 was checked for no agency; it is checked with these
// once staff assign it to one.
func StandingFindings(f *Filled, ctx Context) []validate.Finding {
	c := &checker{f: f, ctx: ctx}
	c.quota()
	c.eligible()
	return c.out
}

func (c *checker) quota() {
	if !c.ctx.QuotaKnown || len(c.f.Persons) <= c.ctx.Quota {
		return
	}
	n, q := len(c.f.Persons), max(c.ctx.Quota, 0)
	first := c.f.Persons[q].Values[ColName].Cell
	msg := fmt.Sprintf("本单位优秀个人推荐名额为%d名，表中推荐了%d名，超出%d名。请按名额删减后重新发送。", q, n, n-q)
	if q == 0 {
		msg = fmt.Sprintf("本单位没有优秀个人推荐名额，表中推荐了%d名。请删去推荐人员后重新发送；如对名额有疑问，请与办事处联系。", n)
	}
	c.add(validate.CodeOverQuota, first, SectionPersons, msg)
}

func (c *checker) eligible() {
	if c.ctx.Grade != GradeFail || !c.f.ProposesUnit() {
		return
	}
	v := c.f.Fields[FieldProposeUnit]
	c.add(validate.CodeNotEligible, v.Cell, FieldProposeUnit,
		"本单位年度考核结果为不合格，不能推荐本单位为优秀单位。请把「是否推荐本单位为优秀单位」改为“否”后重新发送。")
}

func (c *checker) publicity() {
	sv, ev := c.f.Fields[FieldPublicityStart], c.f.Fields[FieldPublicityEnd]
	if sv.Date.IsZero() || ev.Date.IsZero() {
		return
	}
	if ev.Date.Before(sv.Date) {
		c.add(validate.CodeInvalidField, ev.Cell, FieldPublicityEnd, fmt.Sprintf(
			"公示结束日期（%s）早于开始日期（%s）。请核对公示起止日期。", fmtDay(ev.Date), fmtDay(sv.Date)))
		return
	}
	need := c.ctx.publicityDays()
	if n := c.ctx.Calendar.WorkingDays(sv.Date, ev.Date); n < need {
		c.add(validate.CodePublicityTooShort, ev.Cell, FieldPublicityEnd, fmt.Sprintf(
			"公示期为%s至%s，共%d个工作日（不含周末和节假日），少于规定的%d个工作日。请重新公示满%d个工作日，公示结束后再报送。",
			fmtDay(sv.Date), fmtDay(ev.Date), n, need, need))
	}
	if c.ctx.Received.IsZero() {
		return
	}
	if got := dayOf(c.ctx.Received); !afterDay(got, dayOf(ev.Date)) {
		c.add(validate.CodePublicityNotFinished, ev.Cell, FieldPublicityEnd, fmt.Sprintf(
			"公示到%s才结束，本表%s就已报送，公示尚未结束。请在公示期满、公示结果确定后重新报送本表。",
			fmtDay(ev.Date), fmtDay(c.ctx.Received)))
	}
}

func afterDay(a, b day) bool {
	if a.y != b.y {
		return a.y > b.y
	}
	if a.m != b.m {
		return a.m > b.m
	}
	return a.d > b.d
}

// Runes counts the 字 of a text: every character but white space and line
// breaks, as word processors count 字数.
func Runes(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) && r != '\u200b' && r != '\ufeff' {
			n++
		}
	}
	return n
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			n++
		}
	}
	return n
}

// isPlaceholder reports whether a text is only what a clerk puts in an
// empty box: a slash, a dash, 无, or the field's label in brackets.
func isPlaceholder(s string, fd Field) bool {
	t := strings.Join(strings.Fields(s), "")
	t = strings.Trim(t, "()（）【】[]_＿：:")
	switch t {
	case "", "/", "／", "-", "—", "——", "签字", "盖章", "签名", "签章", "（签字）", "（盖章）":
		return true
	case "无":
		return fd.Kind == KindSign || fd.Kind == KindPhone || fd.Kind == KindDate
	}
	return t == fd.Label
}

func columnLabels(s Section) string {
	var l []string
	for _, col := range s.Columns {
		l = append(l, col.Label)
	}
	return strings.Join(l, "、")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "“" + s + "”"
	}
	return out
}

// clip shortens text quoted back in a message.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

func fmtDay(t time.Time) string {
	t = t.In(cst.Location())
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func fmtTime(t time.Time) string {
	t = t.In(cst.Location())
	return fmt.Sprintf("%d年%d月%d日 %02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
}

func fmtNumber(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int64(v))
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
