package recommend

import (
	"strings"
	"time"
)

// Filled is a returned 推荐表 as read from the agency's workbook.
type Filled struct {
	// Definition is the ID of the definition it was read with; Year its
	// campaign year.
	Definition string
	Year       int
	// Sheet is the agency's sheet the form was read from.
	Sheet string
	// Fields holds every field of the definition outside the person
	// table, by id (FieldAgency, …); a field whose label was not found has
	// an empty Cell.
	Fields map[string]Value
	// TableFound says whether the person table's header row was found;
	// Persons are its rows that hold anything, top to bottom.
	TableFound bool
	TableCell  string // the header's first cell on the agency's sheet ("" when not found)
	Persons    []Person
}

// Person is one row of the person table.
type Person struct {
	Row    int              // the row on the agency's sheet
	Values map[string]Value // by column id (ColName, …); every column has an entry
}

// Value is one cell read from the agency's sheet.
type Value struct {
	Cell    string // the agency's cell ("C5"); "" when its label or column was not found
	Text    string // the text as the cell shows it, trimmed
	Picture bool   // a picture (a seal, a signature) on the cell
	// Date is the day (KindDate) or the first of the month (KindMonth) in
	// Beijing time, when Text reads as one; zero otherwise.
	Date time.Time
	// Number is the number read (KindYears) when IsNumber.
	Number   float64
	IsNumber bool
}

// Empty reports whether nothing was filled in.
func (v Value) Empty() bool { return v.Text == "" && !v.Picture }

// Field returns the value of a field outside the person table.
func (f *Filled) Field(id string) Value { return f.Fields[id] }

// Agency is the 推荐单位 as written.
func (f *Filled) Agency() string { return f.Fields[FieldAgency].Text }

// ProposesUnit reports whether the agency proposes itself as 优秀单位.
func (f *Filled) ProposesUnit() bool { return isYes(f.Fields[FieldProposeUnit].Text) }

// Objected reports whether the 公示 drew an objection: a 公示结果 other
// than 无异议.
func (f *Filled) Objected() bool {
	r := f.Fields[FieldPublicityResult].Text
	return r != "" && !noObjection(r)
}

// Value returns the person's value of a column.
func (p Person) Value(col string) Value { return p.Values[col] }

// Name is the person's 姓名 as written, trimmed.
func (p Person) Name() string { return p.Values[ColName].Text }

// Birth is the person's 出生年月 (the first of the month), false when it
// does not read as a month.
func (p Person) Birth() (time.Time, bool) {
	d := p.Values[ColBirth].Date
	return d, !d.IsZero()
}

// Key identifies a person across agencies: the name without spaces and
// the 出生年月 as yyyy-mm; "" when either is missing.
func (p Person) Key() string {
	name := strings.Join(strings.Fields(strings.ReplaceAll(p.Name(), "\u3000", " ")), "")
	b, ok := p.Birth()
	if name == "" || !ok {
		return ""
	}
	return name + "|" + b.Format("2006-01")
}

// isYes reads a 是/否 answer: 是, √, Y, yes, 推荐.
func isYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "√", "✓", "✔", "y", "yes", "推荐", "是（推荐）":
		return true
	}
	return false
}

// isNo reads a 否 answer.
func isNo(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "否", "×", "✗", "n", "no", "不推荐", "无":
		return true
	}
	return false
}

// noObjection reads a 公示结果 that says there was no objection.
func noObjection(s string) bool {
	s = strings.Join(strings.Fields(s), "")
	return strings.HasPrefix(s, "无异议") || s == "无" || s == "没有异议" || s == "未收到异议"
}
