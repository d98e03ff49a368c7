package reply

import (
	"fmt"
	"time"
)

// Fact is one thing a notice to an agency says, as a 更正 names it when it
// changes: Label is its name (考核等级, 最终得分…), Value its wording. Labels
// are unique within a notice.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Change is a Fact that differs from the issue before: Before is "" for a
// fact the earlier issue did not state, After "" for one it no longer does.
type Change struct {
	Label, Before, After string
}

// Issue says which issue of an agency's notice a mail is: the notice, or a
// 更正 of the one before.
type Issue struct {
	// Number is 1 for the notice, 2 and up for each 更正.
	Number int
	// Changes lists what differs from the previous issue; nil for the
	// first, and possibly empty for a 更正 whose facts read the same.
	Changes []Change
	// Previous is when the previous issue was published; zero for the first.
	Previous time.Time
	// At is when this issue is published: the mail's date.
	At time.Time
}

// Correction reports whether the issue is a 更正.
func (i Issue) Correction() bool { return i.Number > 1 }

// correctionView is what a notice's templates say about a 更正; the zero
// value for the first issue.
type correctionView struct {
	Is       bool
	Nth      string   // "" for the first 更正, "（第2次更正）" after
	Previous string   // when the replaced issue went out, Beijing time
	Changes  []string // one line per change
}

func issueView(i Issue) correctionView {
	if !i.Correction() {
		return correctionView{}
	}
	v := correctionView{Is: true, Previous: cnTime(i.Previous)}
	if i.Number > 2 {
		v.Nth = fmt.Sprintf("（第%d次更正）", i.Number-1)
	}
	for _, c := range i.Changes {
		switch {
		case c.Before == "":
			v.Changes = append(v.Changes, fmt.Sprintf("%s：新增“%s”", c.Label, c.After))
		case c.After == "":
			v.Changes = append(v.Changes, fmt.Sprintf("%s：删去（原为“%s”）", c.Label, c.Before))
		default:
			v.Changes = append(v.Changes, fmt.Sprintf("%s：由“%s”改为“%s”", c.Label, c.Before, c.After))
		}
	}
	return v
}

// issueSubject is the subject of issue i of a notice whose own subject is
// subject.
func issueSubject(subject string, i Issue) string {
	if !i.Correction() {
		return subject
	}
	return "【更正】" + subject + issueView(i).Nth
}

// issueEnvelope is the envelope of issue iss of a notice of the given kind
// from the office to agency at to: its Message-ID made from key, its
// subject marked when a 更正, its date iss.At.
func issueEnvelope(kind, key, subject, to, agency string, iss Issue, opts ComposeOptions) envelope {
	return envelope{
		kind: kind, msgID: MessageID(kind, key, opts.MsgIDDomain),
		from: opts.From, fromName: opts.FromName, to: to, toName: agency,
		subject: issueSubject(subject, iss), date: iss.At,
	}
}
