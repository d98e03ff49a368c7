package consolidate

import "fmt"

// Summary counts the rows of 汇总 by state. Every count covers roster
// agencies and unknown senders alike; Roster and Unknown say how many of each.
type Summary struct {
	Submitted  int // anything received (on time or late), unknown senders included
	Accepted   int // 合格待审
	NeedsFix   int // 需修改
	Late       int // 逾期
	Missing    int // 未提交
	Unreadable int // 无法读取
	Vetoed     int // 一票否决
	Roster     int // roster agencies
	Unknown    int // unknown senders
}

func (m *model) summarize() Summary {
	var s Summary
	for _, r := range m.rows {
		if r.known {
			s.Roster++
		} else {
			s.Unknown++
		}
		if r.entry != nil && submitted(r.entry) {
			s.Submitted++
		}
		switch r.state {
		case StateAccepted:
			s.Accepted++
		case StateNeedsFix:
			s.NeedsFix++
		case StateLate:
			s.Late++
		case StateMissing:
			s.Missing++
		case StateUnreadable:
			s.Unreadable++
		case StateVetoed:
			s.Vetoed++
		}
	}
	return s
}

// Lines is the three-line Chinese summary for the staff mail.
func (s Summary) Lines() []string {
	first := fmt.Sprintf("名册 %d 家：已提交 %d 家，未提交 %d 家", s.Roster, max(s.Submitted-s.Unknown, 0), s.Missing)
	if s.Unknown > 0 {
		first += fmt.Sprintf("；另有名册外发件人 %d 个", s.Unknown)
	}
	return []string{
		first,
		fmt.Sprintf("合格 %d 家，需修改 %d 家，无法读取 %d 家", s.Accepted, s.NeedsFix, s.Unreadable),
		fmt.Sprintf("逾期 %d 家，一票否决 %d 家（均按不合格处理）", s.Late, s.Vetoed),
	}
}
