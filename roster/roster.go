package roster

import (
	"fmt"
	"strings"

	"kaohe/scoring"
)

// Agency is one row of the roster.
type Agency struct {
	Name         string
	Type         scoring.AgencyType
	TypeInferred bool     // the 类型 cell was empty or unknown: Type comes from the name
	Emails       []string // as written (trimmed), in roster order
	Contact      string   // 联系人, when the roster has the column
	Phone        string   // 电话, when the roster has the column
	Row          int      // 1-based row (line) of the roster it came from
}

// Problem is a row of the roster that could not be taken as written.
type Problem struct {
	Row     int    // 1-based row or line; 0 when it concerns the whole file
	Message string // Chinese, for the staff who keep the roster
}

func (p Problem) String() string {
	if p.Row == 0 {
		return p.Message
	}
	return fmt.Sprintf("第 %d 行：%s", p.Row, p.Message)
}

// Roster is the agencies of one campaign. A nil *Roster knows no agency;
// its methods may still be called.
type Roster struct {
	Agencies []Agency

	bySender map[string]int // normalised address → index; addresses shared by two agencies are absent
	byName   map[string]int // normalised name → index
}

// BySender finds the agency that registered the address. addr may carry a
// display name ("张三 <a@b.cn>"), spaces, full-width characters or capitals.
// An address two agencies claim identifies neither.
func (r *Roster) BySender(addr string) (Agency, bool) {
	if r == nil {
		return Agency{}, false
	}
	key, ok := normAddress(addr)
	if !ok {
		return Agency{}, false
	}
	if i, ok := r.bySender[key]; ok {
		return r.Agencies[i], true
	}
	return Agency{}, false
}

// ByUnit finds the agency a 考核单位 cell names: first an exact match after
// normalisation (full-width to half-width, spaces, brackets and a trailing
// 代办处 removed), then, when exactly one agency's name contains the cell's
// or is contained in it, that agency.
func (r *Roster) ByUnit(name string) (Agency, bool) {
	if r == nil {
		return Agency{}, false
	}
	key := normName(name)
	if key == "" {
		return Agency{}, false
	}
	if i, ok := r.byName[key]; ok {
		return r.Agencies[i], true
	}
	found := -1
	for i, a := range r.Agencies {
		if nameContains(normName(a.Name), key) {
			if found >= 0 {
				return Agency{}, false // ambiguous
			}
			found = i
		}
	}
	if found < 0 {
		return Agency{}, false
	}
	return r.Agencies[found], true
}

// Resolve says which agency a submission belongs to: the agency of its
// sender address; when the sender is unknown, the agency named in the
// 考核单位 cell. known is false when neither is in the roster; the Agency
// then carries the cell's name and a type inferred from it. mismatch is true
// when the sender's agency is not the one the cell names (the caller adds a
// unit_mismatch warning); an empty cell is no mismatch.
func (r *Roster) Resolve(sender, unitCell string) (agency Agency, known bool, mismatch bool) {
	if a, ok := r.BySender(sender); ok {
		return a, true, !r.names(unitCell, a)
	}
	if a, ok := r.ByUnit(unitCell); ok {
		return a, true, false
	}
	name := strings.TrimSpace(unitCell)
	return Agency{Name: name, Type: scoring.InferAgencyType(name), TypeInferred: true}, false, false
}

// names reports whether a 考核单位 cell names the agency (or is empty).
func (r *Roster) names(cell string, a Agency) bool {
	key := normName(cell)
	if key == "" {
		return true
	}
	if u, ok := r.ByUnit(cell); ok {
		return u.Name == a.Name
	}
	// Not resolvable on its own (ambiguous or unlisted): accept a loose
	// match with the sender's own agency rather than cry wolf.
	return nameContains(normName(a.Name), key)
}

// nameContains reports whether one of two normalised names contains the
// other, the shorter being at least two characters.
func nameContains(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	short, long := a, b
	if len([]rune(short)) > len([]rune(long)) {
		short, long = long, short
	}
	return len([]rune(short)) >= 2 && strings.Contains(long, short)
}
