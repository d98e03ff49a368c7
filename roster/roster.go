package roster

import (
	"fmt"
	"slices"
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

	bySender map[string]int   // normalised address → index; addresses shared by two agencies are absent
	shared   map[string][]int // normalised address → the agencies sharing it
	byName   map[string]int   // normalised name → index
	names    []string         // normalised name of each agency
}

// BySender finds the agency that registered the address. addr may carry a
// display name ("张三 <a@b.cn>"), surrounding spaces or ASCII capitals; any
// other difference (a full-width letter, a look-alike from another script)
// makes it another address. An address two agencies claim identifies
// neither.
func (r *Roster) BySender(addr string) (Agency, bool) {
	if r == nil {
		return Agency{}, false
	}
	key, ok := normAddress(addr)
	if !ok {
		return Agency{}, false
	}
	if i, ok := r.bySender[key]; ok {
		return r.agency(i), true
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
		return r.agency(i), true
	}
	found := -1
	for i, n := range r.names {
		if nameContains(n, key) {
			if found >= 0 {
				return Agency{}, false // ambiguous
			}
			found = i
		}
	}
	if found < 0 {
		return Agency{}, false
	}
	return r.agency(found), true
}

// Resolve says which agency a submission belongs to. A submission counts
// for an agency only when its sender is an address the roster registered
// for that agency: the agency of a sender address only it registered; for
// an address several agencies share, the sharer the 考核单位 cell names
// (exactly, else the one sharer whose name matches the cell loosely).
//
// known is false in every other case, notably a sender not in the roster
// whose cell names a roster agency: the cell alone never files a form
// under an agency (the caller holds such a form as 名册外来件; ByUnit says
// which agency it names). The Agency then carries the cell's name and a
// type inferred from it. mismatch is true when the sender's own agency is
// not the one the cell names (the caller adds a unit_mismatch warning); an
// empty cell is no mismatch.
func (r *Roster) Resolve(sender, unitCell string) (agency Agency, known bool, mismatch bool) {
	if a, ok := r.BySender(sender); ok {
		return a, true, !r.cellNames(unitCell, a)
	}
	var sharers []int
	if r != nil {
		if key, ok := normAddress(sender); ok {
			sharers = r.shared[key]
		}
	}
	if len(sharers) > 0 {
		if a, ok := r.ByUnit(unitCell); ok && slices.ContainsFunc(sharers, func(i int) bool { return r.Agencies[i].Name == a.Name }) {
			return a, true, false
		}
		if key := normName(unitCell); key != "" {
			found := -1
			for _, i := range sharers {
				if nameContains(r.names[i], key) {
					if found >= 0 {
						found = -2
						break
					}
					found = i
				}
			}
			if found >= 0 {
				return r.agency(found), true, false
			}
		}
	}
	name := strings.TrimSpace(unitCell)
	return Agency{Name: name, Type: scoring.InferAgencyType(name), TypeInferred: true}, false, false
}

// agency returns a copy of an agency whose Emails the caller may change.
func (r *Roster) agency(i int) Agency {
	a := r.Agencies[i]
	a.Emails = slices.Clone(a.Emails)
	return a
}

// cellNames reports whether a 考核单位 cell names the agency (or is empty).
func (r *Roster) cellNames(cell string, a Agency) bool {
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
