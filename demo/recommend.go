package demo

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/cst"
	"kaohe/internal/recsample"
	"kaohe/internal/sample"
	"kaohe/reclist"
	"kaohe/recommend"
)

// RecommendRole is what a demo agency's returned 推荐表 shows.
type RecommendRole int

const (
	// RecommendGood fills every row of its quota, after a full 公示.
	RecommendGood RecommendRole = iota
	// RecommendOverQuota adds a row to the blank: one person too many.
	RecommendOverQuota
	// RecommendShortPublicity made its list public for three working days.
	RecommendShortPublicity
)

// Recommendation is one agency's 推荐表 mail, answering its result notice.
type Recommendation struct {
	Agency string
	Role   RecommendRole
	At     time.Time // when the office's server received it
	What   string    // for the progress output
}

// The moments of the recommendations: the agencies answer the notice of 2
// March in March, recommendations are due on 15 April, the 主任办公会
// decides on the 20th and the lists go out on the 21st.
var (
	recommendCutoff = time.Date(2022, time.April, 15, 17, 0, 0, 0, cst.Location())
	decideAt        = time.Date(2022, time.April, 20, 15, 30, 0, 0, cst.Location())
	finalAt         = time.Date(2022, time.April, 21, 9, 0, 0, 0, cst.Location())
)

// recommendations are the 推荐表 of three agencies whose forms were
// accepted and not vetoed: they will have a grade that may recommend.
func recommendations(sc *Scenario) []Recommendation {
	acc := sc.Accepted
	return []Recommendation{
		{Agency: acc[3], Role: RecommendShortPublicity, At: time.Date(2022, time.March, 8, 14, 20, 0, 0, cst.Location()),
			What: "推荐表：公示只有 3 个工作日（3月3日至7日）"},
		{Agency: acc[0], Role: RecommendGood, At: time.Date(2022, time.March, 11, 10, 5, 0, 0, cst.Location()),
			What: "推荐表：本单位和名额内的优秀个人，公示 5 个工作日"},
		{Agency: acc[1], Role: RecommendOverQuota, At: time.Date(2022, time.March, 14, 16, 40, 0, 0, cst.Location()),
			What: "推荐表：在表中加了一行，推荐人数超出名额 1 名"},
	}
}

// candidates are the fictional persons of the demo's 推荐表.
var candidates = []recsample.Candidate{
	{Name: "赵磊", Sex: "男", Birth: recsample.Day(1978, 3, 1), Title: "代办处主任", Years: 15, Deeds: "牵头推进职工互助保障覆盖，年内新增参保单位二十余家。"},
	{Name: "孙静", Sex: "女", Birth: "1985年7月", Title: "专管员", Years: "9", Deeds: "坚持每月走访基层工会，材料报送及时准确。"},
	{Name: "周强", Sex: "男", Birth: recsample.Day(1982, 10, 1), Title: "副主任", Years: 11, Deeds: "组织理赔服务进社区，全年办结理赔无差错。"},
	{Name: "吴敏", Sex: "女", Birth: "1990年4月", Title: "专管员", Years: "6", Deeds: "耐心解答会员咨询，协助困难职工办理互助保障。"},
	{Name: "郑涛", Sex: "男", Birth: recsample.Day(1975, 12, 1), Title: "工会副主席", Years: 20, Deeds: "推动本系统职工互助保障续保率保持在九成以上。"},
	{Name: "冯霞", Sex: "女", Birth: "1987年2月", Title: "干事", Years: "7", Deeds: "整理历年参保台账，做到账实相符、查询便捷。"},
	{Name: "陈刚", Sex: "男", Birth: recsample.Day(1983, 6, 1), Title: "专管员", Years: 10, Deeds: "开展互助保障政策宣讲十余场，覆盖职工三千余人。"},
	{Name: "褚燕", Sex: "女", Birth: "1992年9月", Title: "干事", Years: "4", Deeds: "及时跟进理赔进度，会员满意度评价优良。"},
	{Name: "卫东", Sex: "男", Birth: recsample.Day(1980, 1, 1), Title: "副主任", Years: 13, Deeds: "协调各基层工会按期完成续转任务。"},
	{Name: "蒋丽", Sex: "女", Birth: "1986年5月", Title: "专管员", Years: "8", Deeds: "建立会员服务微信群，政策通知当日送达。"},
	{Name: "沈军", Sex: "男", Birth: recsample.Day(1979, 8, 1), Title: "代办处主任", Years: 16, Deeds: "带领代办处连续三年考核优秀。"},
	{Name: "韩梅", Sex: "女", Birth: "1989年11月", Title: "干事", Years: "5", Deeds: "认真审核参保材料，全年无退件。"},
}

// RecommendForm is what r's agency writes into the 推荐表 its result
// notice attached, given the quota the notice states: the unit and the
// persons its role calls for, the 公示 and the signatures. Its persons are
// the candidates from first on; it returns the next agency's first, so
// that no two agencies propose the same person.
func RecommendForm(r Recommendation, quota, first int) (recsample.RecommendForm, int, error) {
	n := quota
	switch r.Role {
	case RecommendOverQuota:
		n = quota + 1
	case RecommendShortPublicity:
		n = min(quota, 2)
	}
	if first+n > len(candidates) {
		return recsample.RecommendForm{}, 0, fmt.Errorf("the demo has %d candidates, %s's 推荐表 needs %d from the %d-th", len(candidates), r.Agency, n, first+1)
	}
	persons := append([]recsample.Candidate(nil), candidates[first:first+n]...)
	rf := recsample.GoodRecommendation(r.Agency, persons...)
	end := recsample.Day(2022, time.March, 9) // Thursday 3 to Wednesday 9 March: five working days
	if r.Role == RecommendShortPublicity {
		end = recsample.Day(2022, time.March, 7) // Thursday, Friday, Monday
	}
	rf.Fields[recommend.FieldPublicityStart] = recsample.Day(2022, time.March, 3)
	rf.Fields[recommend.FieldPublicityEnd] = end
	rf.Fields[recommend.FieldDate] = recsample.Day(r.At.In(cst.Location()).Date())
	return rf, first + n, nil
}

// FillRecommendation writes rf into blank, the 推荐表 a result notice
// attached for an agency with quota persons, as its clerk does in Excel:
// into the prefilled blank's cells, inserting a row under the last person
// row for each person beyond the rows the blank has. It returns the
// workbook saved again.
func FillRecommendation(def *recommend.Definition, blank []byte, quota int, rf recsample.RecommendForm) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(blank))
	if err != nil {
		return nil, fmt.Errorf("open 推荐表: %w", err)
	}
	defer f.Close()
	l := recommend.BlankLayout(def, recommend.BlankOptions{Persons: quota, Quota: true})
	// The notice's blank carries the agency's name where the layout says:
	// a blank of another shape would be filled in the wrong cells.
	if got, _ := f.GetCellValue(l.Sheet, l.Fields[recommend.FieldAgency]); got != rf.Fields[recommend.FieldAgency] {
		return nil, fmt.Errorf("推荐表: %s holds %q, not the agency's name", l.Fields[recommend.FieldAgency], got)
	}
	// In a fixed order: the shared strings are numbered as they are
	// written, and the same form must give the same bytes.
	for _, id := range slices.Sorted(maps.Keys(rf.Fields)) {
		if err := f.SetCellValue(l.Sheet, l.Fields[id], rf.Fields[id]); err != nil {
			return nil, err
		}
	}
	rows := l.PersonRows
	for len(rows) < len(rf.Persons) {
		at := l.HeaderRow + 1
		if len(rows) > 0 {
			at = rows[len(rows)-1] + 1
		}
		if err := f.InsertRows(l.Sheet, at, 1); err != nil {
			return nil, fmt.Errorf("insert a person row: %w", err)
		}
		if err := f.SetCellValue(l.Sheet, l.NumberCol+fmt.Sprint(at), len(rows)+1); err != nil {
			return nil, err
		}
		rows = append(rows, at)
	}
	for i, p := range rf.Persons {
		for _, c := range []struct {
			col string
			v   any
		}{{recommend.ColName, p.Name}, {recommend.ColSex, p.Sex}, {recommend.ColBirth, p.Birth},
			{recommend.ColTitle, p.Title}, {recommend.ColYears, p.Years}, {recommend.ColDeeds, p.Deeds}} {
			if err := f.SetCellValue(l.Sheet, l.Columns[c.col]+fmt.Sprint(rows[i]), c.v); err != nil {
				return nil, err
			}
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		return nil, fmt.Errorf("save 推荐表: %w", err)
	}
	return canonicalXLSX(out.Bytes())
}

// RecommendLetter is agency a's mail to the office with its filled
// 推荐表 (named as the notice named it), sent from Outlook.
func RecommendLetter(a sample.Agency, r Recommendation, filename string, data []byte) ([]byte, error) {
	l := letter{fromName: a.Contact, from: a.Email, to: Office, subject: r.Agency + "2021年度优秀单位、优秀个人推荐表",
		text: "您好，附件是我单位的推荐表，请查收。\n" + a.Contact, date: r.At,
		msgID:       fmt.Sprintf("rec-%s.%s", r.At.Format("0102"), a.Email),
		attachments: []attachment{{name: filename, contentType: xlsxType, data: data}}}
	return l.outlook()
}

// The columns of the staff workbook's 推荐名单 that the 主任办公会's
// decisions are written by (package reclist names them the same).
const (
	listAgency   = "代办处"
	listKind     = "推荐项目"
	listQuota    = "名额"
	listChecks   = "检查结果"
	listDecision = "主任办公会决定"
	listNote     = "备注（告知代办处）"
)

// Notes the 主任办公会 gives the agencies with a 不确定.
const (
	NoteShortPublicity = "公示期不足规定的5个工作日"
	NoteOverQuota      = "超出本单位优秀个人名额"
)

// FillDecisions writes the 主任办公会's decisions into the 推荐名单 of the
// staff workbook wb, as a staff member does in Excel: an agency whose
// checks found a short 公示 gets 不确定 for all it proposed; otherwise its
// unit and its persons up to its quota are 确定, the rest 不确定. It
// returns the workbook saved again and what was decided, in Chinese.
func FillDecisions(wb []byte) ([]byte, string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		return nil, "", fmt.Errorf("open staff workbook: %w", err)
	}
	defer f.Close()
	rows, err := f.GetRows(reclist.SheetList)
	if err != nil || len(rows) < 2 {
		return nil, "", fmt.Errorf("staff workbook: no %s to decide (%v)", reclist.SheetList, err)
	}
	col := map[string]int{}
	for _, h := range []string{listAgency, listKind, listQuota, listChecks, listDecision, listNote} {
		if col[h] = slices.Index(rows[0], h); col[h] < 0 {
			return nil, "", fmt.Errorf("%s: no column %s", reclist.SheetList, h)
		}
	}
	cell := func(r []string, h string) string {
		if col[h] < len(r) {
			return r[col[h]]
		}
		return ""
	}
	short := map[string]bool{}
	for _, r := range rows[1:] {
		if strings.Contains(cell(r, listChecks), "公示期") {
			short[cell(r, listAgency)] = true
		}
	}
	confirmed, counted := 0, map[string]int{}
	for i, r := range rows[1:] {
		agency := cell(r, listAgency)
		if agency == "" {
			continue
		}
		decision, note := reclist.LabelConfirmed, ""
		switch {
		case short[agency]:
			decision, note = reclist.LabelNotConfirmed, NoteShortPublicity
		case cell(r, listKind) == "优秀个人":
			quota, err := strconv.Atoi(cell(r, listQuota))
			if err != nil {
				return nil, "", fmt.Errorf("%s row %d: quota %q", reclist.SheetList, i+2, cell(r, listQuota))
			}
			if counted[agency]++; counted[agency] > quota {
				decision, note = reclist.LabelNotConfirmed, NoteOverQuota
			}
		}
		if decision == reclist.LabelConfirmed {
			confirmed++
		}
		for h, v := range map[string]string{listDecision: decision, listNote: note} {
			name, _ := excelize.CoordinatesToCellName(col[h]+1, i+2)
			if err := f.SetCellStr(reclist.SheetList, name, v); err != nil {
				return nil, "", err
			}
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		return nil, "", fmt.Errorf("save staff workbook: %w", err)
	}
	decided := len(rows) - 1
	return out.Bytes(), fmt.Sprintf("确定 %d 项，不确定 %d 项", confirmed, decided-confirmed), nil
}

// StaffDecisions is the staff member's mail to the office's mailbox with
// the staff workbook whose 推荐名单 carries the 主任办公会's decisions, as
// the receiving server stamps it: the staff member's domain authenticated.
func StaffDecisions(wb []byte, at time.Time) ([]byte, error) {
	l := letter{fromName: "王明", from: Staff, to: Office, subject: "推荐名单（主任办公会已决定）",
		text: "推荐名单已按主任办公会的决定填好，请导入。\n王明", date: at, msgID: "decide1." + Staff,
		header: map[string]string{
			"Authentication-Results": staffAuthenticated,
		},
		attachments: []attachment{{name: "汇总（推荐名单已决定）.xlsx", contentType: xlsxType, data: wb}}}
	return l.outlook()
}
