package roster

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"kaohe/scoring"
)

// header is the column of each label in the header row (-1 when absent).
type header struct {
	row                               int // index into rows
	name, typ, emails, contact, phone int
}

// column tells which column a header label (after normLabel) names.
func column(label string) string {
	switch label {
	case "考核单位", "单位名称", "代办处名称", "代办处", "单位":
		return "name"
	case "类型", "单位类型", "类别", "type":
		return "type"
	case "邮箱", "电子邮箱", "邮箱地址", "电子邮件", "邮件地址", "email", "e-mail", "mail":
		return "emails"
	case "联系人", "联系人姓名":
		return "contact"
	case "电话", "联系电话", "手机", "电话号码":
		return "phone"
	}
	return ""
}

// normLabel drops spaces, colons and a bracketed remark from a header cell:
// "邮箱（多个用；分隔）" → "邮箱".
func normLabel(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	if i := strings.IndexAny(s, "(["); i > 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r == '\t' || r == '*' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// findHeader finds the first row, among the first few, holding a name
// column label.
func findHeader(rows [][]cell) (header, bool) {
	for i, row := range rows {
		if i >= headerScan {
			break
		}
		h := header{row: i, name: -1, typ: -1, emails: -1, contact: -1, phone: -1}
		for j, c := range row {
			var col *int
			switch column(normLabel(c.text)) {
			case "name":
				col = &h.name
			case "type":
				col = &h.typ
			case "emails":
				col = &h.emails
			case "contact":
				col = &h.contact
			case "phone":
				col = &h.phone
			default:
				continue
			}
			if *col < 0 {
				*col = j
			}
		}
		// A name column alone could be a title line; ask for one more.
		if h.name >= 0 && (h.typ >= 0 || h.emails >= 0) {
			return h, true
		}
	}
	return header{}, false
}

func at(row []cell, col int) string {
	if col < 0 || col >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[col].text)
}

// build turns the rows under the header into agencies and indexes them.
func build(rows [][]cell, h header) (*Roster, []Problem) {
	var problems []Problem
	hrow := rowNumber(rows[h.row], h.row+1)
	if h.typ < 0 {
		problems = append(problems, Problem{Row: hrow, Message: "名单没有“类型”列，各单位的类型（区/开发区或局总公司/产业工会）将按单位名称推断"})
	}
	if h.emails < 0 {
		problems = append(problems, Problem{Row: hrow, Message: "名单没有“邮箱”列，来信只能按考核表中的考核单位对应到代办处"})
	}
	var list []Agency
	for i := h.row + 1; i < len(rows); i++ {
		row := rows[i]
		n := rowNumber(row, i+1)
		name, typ, emails := at(row, h.name), at(row, h.typ), at(row, h.emails)
		if name == "" {
			if !blank(row) {
				problems = append(problems, Problem{Row: n, Message: "考核单位为空，这一行没有读入；请填写单位名称"})
			}
			continue
		}
		a := Agency{Name: name, Contact: at(row, h.contact), Phone: at(row, h.phone), Row: n}
		if t, ok := scoring.ParseAgencyType(typ); ok {
			a.Type = t
		} else {
			a.Type, a.TypeInferred = scoring.InferAgencyType(name), true
			if h.typ >= 0 {
				what := fmt.Sprintf("类型“%s”无法识别", typ)
				if typ == "" {
					what = "类型为空"
				}
				problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("%s，按名称推断为“%s”；类型应填 区、开发区、局、总公司 或 产业工会", what, a.Type.Label())})
			}
		}
		addrs, bad := splitEmails(emails)
		for _, b := range bad {
			problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("“%s”不是有效的邮箱地址，已忽略；请改正", b)})
		}
		a.Emails = addrs
		list = append(list, a)
	}
	r, more := New(list)
	return r, append(problems, more...)
}

// New builds a roster from agencies made in code (tests, demo data) or read
// from a file. Agencies whose names normalise alike are merged into the
// first (their addresses added to it); an address two agencies list
// identifies neither; an empty name or a bad address is dropped. Each is
// reported as a problem at the agency's Row.
func New(agencies []Agency) (*Roster, []Problem) {
	r := &Roster{bySender: map[string]int{}, shared: map[string][]int{}, byName: map[string]int{}}
	var problems []Problem
	owners := map[string][]int{} // normalised address → agencies listing it
	for _, a := range agencies {
		n := a.Row
		a.Name = strings.TrimSpace(a.Name)
		key := normName(a.Name)
		if key == "" {
			problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("考核单位“%s”不是单位名称，这一行没有读入", a.Name)})
			continue
		}
		if a.Type == "" {
			a.Type, a.TypeInferred = scoring.InferAgencyType(a.Name), true
		}
		addrs := a.Emails
		a.Emails = nil
		idx, dup := r.byName[key]
		if dup {
			prev := r.Agencies[idx]
			problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("考核单位“%s”与第 %d 行重复，邮箱已并入第 %d 行，其余内容以第 %d 行为准", a.Name, prev.Row, prev.Row, prev.Row)})
		} else {
			idx = len(r.Agencies)
			r.byName[key] = idx
			r.names = append(r.names, key)
			r.Agencies = append(r.Agencies, a)
		}
		for _, addr := range addrs {
			addr = strings.TrimSpace(addr)
			k, ok := normAddress(addr)
			if !ok {
				problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("“%s”不是有效的邮箱地址，已忽略；请改正", addr)})
				continue
			}
			if slices.Contains(owners[k], idx) {
				continue // the same address twice for one agency
			}
			owners[k] = append(owners[k], idx)
			r.Agencies[idx].Emails = append(r.Agencies[idx].Emails, addr)
			if len(owners[k]) == 2 {
				first := r.Agencies[owners[k][0]]
				problems = append(problems, Problem{Row: n, Message: fmt.Sprintf("邮箱 %s 同时登记在“%s”（第 %d 行）和“%s”名下：来自这个地址的邮件将按考核表中填写的考核单位归属；如非共用，请删去其中一处", addr, first.Name, first.Row, a.Name)})
			}
		}
	}
	for k, claim := range owners {
		if len(claim) == 1 {
			r.bySender[k] = claim[0]
		} else {
			r.shared[k] = claim
		}
	}
	return r, problems
}

// rowNumber is the row the cells came from, or fallback for an empty row.
func rowNumber(row []cell, fallback int) int {
	if len(row) > 0 && row[0].row > 0 {
		return row[0].row
	}
	return fallback
}

func blank(row []cell) bool {
	for _, c := range row {
		if strings.TrimSpace(c.text) != "" {
			return false
		}
	}
	return true
}
