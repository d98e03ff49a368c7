package recommend

import (
	"fmt"
	"slices"
	"strings"

	"kaohe/validate"
)

// Submitted is one agency's returned form, for Duplicates.
type Submitted struct {
	Agency string // the roster's name
	Form   *Filled
}

// Duplicate is one person (name and 出生年月) recommended by more than
// one agency, or twice by one.
type Duplicate struct {
	Name  string // as the first agency wrote it
	Birth string // yyyy-mm
	// Entries are where the person is, in the order of the forms given.
	Entries []DuplicateEntry
}

// DuplicateEntry is one place a duplicate person is recommended.
type DuplicateEntry struct {
	Agency string
	Sheet  string
	Cell   string // the 姓名 cell on that agency's sheet
}

// Duplicates finds the persons recommended more than once across the
// forms, by name (spaces ignored) and 出生年月, in the order each was first
// met. Persons without a name or a readable 出生年月 are not compared.
func Duplicates(forms []Submitted) []Duplicate {
	byKey := map[string]int{}
	var all []Duplicate
	for _, s := range forms {
		if s.Form == nil {
			continue
		}
		for _, p := range s.Form.Persons {
			k := p.Key()
			if k == "" {
				continue
			}
			i, ok := byKey[k]
			if !ok {
				b, _ := p.Birth()
				i = len(all)
				byKey[k] = i
				all = append(all, Duplicate{Name: p.Name(), Birth: b.Format("2006-01")})
			}
			all[i].Entries = append(all[i].Entries, DuplicateEntry{Agency: s.Agency, Sheet: s.Form.Sheet, Cell: p.Values[ColName].Cell})
		}
	}
	return slices.DeleteFunc(all, func(d Duplicate) bool { return len(d.Entries) < 2 })
}

// Finding is the duplicate_person finding for staff: who, and every
// agency and cell recommending the person.
func (d Duplicate) Finding() validate.Finding {
	var where []string
	for _, e := range d.Entries {
		w := e.Agency
		if e.Cell != "" {
			w += "（" + e.Cell + "）"
		}
		where = append(where, w)
	}
	fd := validate.NewFinding(validate.CodeDuplicatePerson, fmt.Sprintf(
		"%s（出生年月 %s）被重复推荐：%s。请与相关代办处核实，确定由哪个单位推荐。",
		d.Name, d.Birth, strings.Join(where, "、")))
	fd.Field = ColName
	return fd
}

// FindingFor is the duplicate_person finding on one agency's form: the
// cell of the person and the other agencies recommending the same person.
// ok is false when the agency is not among the entries.
func (d Duplicate) FindingFor(agency string) (fd validate.Finding, ok bool) {
	var mine *DuplicateEntry
	var others []string
	for i, e := range d.Entries {
		if e.Agency == agency && mine == nil {
			mine = &d.Entries[i]
			continue
		}
		if e.Agency != agency && !slices.Contains(others, e.Agency) {
			others = append(others, e.Agency)
		}
	}
	if mine == nil {
		return validate.Finding{}, false
	}
	msg := fmt.Sprintf("%s（出生年月 %s）也由%s推荐。办事处将核实，如有误请与工作人员联系。", d.Name, d.Birth, strings.Join(others, "、"))
	if len(others) == 0 {
		msg = fmt.Sprintf("%s（出生年月 %s）在本表中填了不止一次。请删去重复的一行后重新发送。", d.Name, d.Birth)
	}
	if mine.Cell != "" {
		msg = mine.Cell + "：" + msg
	}
	fd = validate.NewFinding(validate.CodeDuplicatePerson, msg)
	fd.Sheet, fd.Cell, fd.Field = mine.Sheet, mine.Cell, ColName
	return fd, true
}
