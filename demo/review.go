package demo

import (
	"bytes"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
	"kaohe/templates"
)

// StaffReview is what the demo's staff member writes into the staff
// workbook after the deadline and mails back: a few 审核分 with their
// 审核意见, one 一票否决 with its 备注, and the paper forms received.
type StaffReview struct {
	Scores []ReviewedScore
	// Veto is the agency vetoed (一票否决) and VetoRemark the 备注 saying
	// why.
	Veto, VetoRemark string
	Paper            []PaperReceived
}

// ReviewedScore is one 审核分 with its 审核意见.
type ReviewedScore struct {
	Agency, Indicator string
	Score             float64
	Comment           string
}

// PaperReceived is one agency's 纸质版收到 cell as a clerk fills it.
type PaperReceived struct {
	Agency string
	// Day is the day the paper form came; zero for 是.
	Day time.Time
	// Text, when set, is typed as text instead of a date cell: "1月5日".
	Text string
}

// The moments after the deadline: the office reviews in January, decides
// in February and tells the agencies in March.
var (
	reviewAt  = time.Date(2022, time.January, 18, 10, 30, 0, 0, cst.Location())
	resultsAt = time.Date(2022, time.February, 24, 15, 0, 0, 0, cst.Location())
	approveAt = time.Date(2022, time.March, 1, 16, 0, 0, 0, cst.Location())
	publishAt = time.Date(2022, time.March, 2, 9, 0, 0, 0, cst.Location())
)

// review decides the staff's review of the scenario: of agencies whose
// forms were accepted, so that every cell it fills is one staff could.
func review(sc *Scenario) StaffReview {
	acc := sc.Accepted
	r := StaffReview{
		Scores: []ReviewedScore{
			{Agency: acc[0], Indicator: "3.1", Score: 0, Comment: "未见续转台账，当期续转任务未完成"},
			{Agency: acc[1], Indicator: "1.2", Score: 0, Comment: "未参加2021年度工作推进会"},
		},
		Veto: acc[2], VetoRemark: "12月发生业务系统用户名外泄事件，按规定一票否决",
		Paper: []PaperReceived{
			{Agency: acc[0], Day: time.Date(2022, time.January, 4, 0, 0, 0, 0, time.UTC)},
			{Agency: acc[1], Text: "2022/1/5"},
			{Agency: acc[3], Text: "1月5日"},
			{Agency: acc[4]},
		},
	}
	if len(sc.Late) > 0 {
		// The late agency's paper form came late too.
		r.Paper = append(r.Paper, PaperReceived{Agency: sc.Late[0], Day: time.Date(2022, time.January, 7, 0, 0, 0, 0, time.UTC)})
	}
	return r
}

// FillReview writes r into the staff workbook wb as a staff member does in
// Excel, and returns the workbook saved again.
func FillReview(form *templates.Form, wb []byte, r StaffReview) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		return nil, fmt.Errorf("open staff workbook: %w", err)
	}
	defer f.Close()
	for _, s := range r.Scores {
		ind, ok := form.Indicator(s.Indicator)
		if !ok || len(ind.Departments) == 0 {
			return nil, fmt.Errorf("indicator %s: no checking department", s.Indicator)
		}
		sheet := ind.Departments[0]
		if err := setBy(f, sheet, map[string]string{"考核单位": s.Agency, "指标": s.Indicator}, "审核分", s.Score); err != nil {
			return nil, err
		}
		if err := setBy(f, sheet, map[string]string{"考核单位": s.Agency, "指标": s.Indicator}, "审核意见", s.Comment); err != nil {
			return nil, err
		}
	}
	if r.Veto != "" {
		if err := setBy(f, "汇总", map[string]string{"考核单位": r.Veto}, "一票否决", "是"); err != nil {
			return nil, err
		}
		if err := setBy(f, "汇总", map[string]string{"考核单位": r.Veto}, "备注", r.VetoRemark); err != nil {
			return nil, err
		}
	}
	for _, p := range r.Paper {
		var v any = "是"
		switch {
		case p.Text != "":
			v = p.Text
		case !p.Day.IsZero():
			v = p.Day // a date cell, as Excel stores a typed date
		}
		if err := setBy(f, "汇总", map[string]string{"考核单位": p.Agency}, "纸质版收到", v); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		return nil, fmt.Errorf("save staff workbook: %w", err)
	}
	return out.Bytes(), nil
}

// setBy sets, on sheet, the column headed column of the row whose cells
// under the headers of key hold key's values.
func setBy(f *excelize.File, sheet string, key map[string]string, column string, v any) error {
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		return fmt.Errorf("sheet %s: %v", sheet, err)
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		if _, ok := cols[h]; !ok {
			cols[h] = i
		}
	}
	target, ok := cols[column]
	if !ok {
		return fmt.Errorf("sheet %s has no column %s", sheet, column)
	}
	for r, row := range rows[1:] {
		match := true
		for h, want := range key {
			c, ok := cols[h]
			match = match && ok && c < len(row) && row[c] == want
		}
		if match {
			cell, _ := excelize.CoordinatesToCellName(target+1, r+2)
			return f.SetCellValue(sheet, cell, v)
		}
	}
	return fmt.Errorf("sheet %s has no row for %v", sheet, key)
}

// staffAuthenticated is what the office's receiving server stamps on the
// staff member's mail: the domain's SPF, DKIM and DMARC pass.
const staffAuthenticated = "mx.kaohe-demo.example.org; spf=pass smtp.mailfrom=" + Staff +
	"; dkim=pass header.d=kaohe-demo.example.org; dmarc=pass header.from=kaohe-demo.example.org"

// StaffReply is the staff member's reply to the office's summary mail
// (whose Message-ID and subject are given), with the reviewed workbook
// attached, as the office's receiving server stamps it: the staff
// member's domain authenticated.
func StaffReply(inReplyTo, subject string, wb []byte, at time.Time) ([]byte, error) {
	l := letter{fromName: "王明", from: Staff, to: Office, subject: "回复：" + subject,
		text: "审核意见、一票否决和纸质版收到情况已填好，请导入。\n王明", date: at, msgID: "review1." + Staff,
		header: map[string]string{
			"In-Reply-To":            "<" + inReplyTo + ">",
			"References":             "<" + inReplyTo + ">",
			"Authentication-Results": staffAuthenticated,
		},
		attachments: []attachment{{name: "汇总（已审核）.xlsx", contentType: xlsxType, data: wb}}}
	return l.outlook()
}
