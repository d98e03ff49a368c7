package consolidate

import "fmt"

// Summary counts the roster agencies of 汇总 by state, and the 名册外来件
// beside them. The parts add up: Submitted is Accepted + NeedsFix +
// Unreadable + Late + Vetoed, and Submitted + Missing is Roster. A
// 名册外来件 is counted in Unknown only, never as an agency.
type Summary struct {
	Roster     int // roster agencies
	Submitted  int // roster agencies that sent anything (on time or late)
	Accepted   int // 合格待审
	NeedsFix   int // 需修改
	Unreadable int // 无法读取
	Late       int // 逾期
	Vetoed     int // 一票否决 (of agencies that submitted)
	Missing    int // 未提交
	// Unknown counts the 名册外来件: forms from unknown senders, from
	// addresses not registered for the agency they name, from mail without
	// a usable sender, or of agencies no longer on the roster.
	Unknown int
	// PaperReceived counts the roster agencies whose paper form staff
	// recorded as received; PaperMissing the others. They add up to
	// Roster.
	PaperReceived int
	PaperMissing  int
}

func (m *model) summarize() Summary {
	s := Summary{Roster: len(m.rows), Unknown: len(m.outside)}
	for _, r := range m.rows {
		if r.paper != nil {
			s.PaperReceived++
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
	s.Submitted = s.Roster - s.Missing
	s.PaperMissing = s.Roster - s.PaperReceived
	return s
}

// Parts are the counts of the submitted agencies by state, in the order
// the summaries list them; they add up to Submitted.
func (s Summary) Parts() []Part {
	return []Part{{StateAccepted, s.Accepted}, {StateNeedsFix, s.NeedsFix}, {StateUnreadable, s.Unreadable},
		{StateLate, s.Late}, {StateVetoed, s.Vetoed}}
}

// Part is one state and how many agencies are in it.
type Part struct {
	State string
	N     int
}

// Lines is the Chinese summary for the staff mail and the command line.
func (s Summary) Lines() []string {
	lines := []string{fmt.Sprintf("名册 %d 家：已提交 %d 家，未提交 %d 家", s.Roster, s.Submitted, s.Missing)}
	if s.Submitted > 0 {
		parts := ""
		for i, p := range s.Parts() {
			if i > 0 {
				parts += "，"
			}
			parts += fmt.Sprintf("%s %d 家", p.State, p.N)
		}
		lines = append(lines, "已提交的 "+fmt.Sprint(s.Submitted)+" 家中："+parts+"（逾期、一票否决均按不合格处理）")
	}
	lines = append(lines, s.PaperLine())
	if s.Unknown > 0 {
		lines = append(lines, fmt.Sprintf("另有%s %d 件：发件地址不在名册中或不是所填单位的登记邮箱，未计入任何单位；请在汇总表的“%s”工作表中认定归属", OutsideLabel, s.Unknown, OutsideLabel))
	}
	return lines
}

// PaperLine is the count of paper forms received, as 统计 and the staff
// mail say it.
func (s Summary) PaperLine() string {
	return fmt.Sprintf("纸质版已收 %d 家，未收 %d 家", s.PaperReceived, s.PaperMissing)
}
