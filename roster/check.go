package roster

import (
	"fmt"

	"kaohe/internal/mailaddr"
)

// AddressProblems lists every registered address that mail could not be
// written to, checked with the parser composing uses: the roster reads an
// address loosely to recognise a sender ("mailto:", full-width signs), but
// a receipt or a reminder is sent to it as written, and would fail then.
func (r *Roster) AddressProblems() []Problem {
	if r == nil {
		return nil
	}
	var out []Problem
	for _, a := range r.Agencies {
		for _, addr := range a.Emails {
			if err := mailaddr.Check(addr); err != nil {
				out = append(out, Problem{Row: a.Row, Message: fmt.Sprintf("“%s”的邮箱“%s”不能作为收件地址，回执和提醒会发不出去；请改成 name@example.org 这样的地址", a.Name, addr)})
			}
		}
	}
	return out
}
