// Package recsample makes returned 推荐表 for tests and the demo: a careful
// agency's form (GoodRecommendation), edited as a test needs, and its
// workbook on the office's blank (Workbook). It is apart from package
// sample so that package recommend's own tests may use sample's 考核表.
package recsample

import (
	"bytes"
	"time"

	"kaohe/internal/cst"
	"kaohe/recommend"
)

// Candidate is one person row of a 推荐表, as a clerk types it: Birth and
// Years may be dates, numbers or text ("1988年11月", "8").
type Candidate struct {
	Name, Sex string
	Birth     any
	Title     string
	Years     any
	Deeds     string
}

// RecommendForm is a returned 推荐表: field id (recommend.Field…) → value,
// and the person rows.
type RecommendForm struct {
	Fields  map[string]any
	Persons []Candidate
}

// Day is midnight of a date in Beijing.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst.Location()) }

// GoodRecommendation is a careful agency's 推荐表 of the 2021 season: the
// unit proposed with its 事迹, the persons given (two fictional ones when
// none), a 公示 of 2022-03-01 to 03-07 (five working days) without
// objection, signed and sealed.
func GoodRecommendation(unit string, persons ...Candidate) RecommendForm {
	if persons == nil {
		persons = []Candidate{
			{"张伟", "男", Day(1980, 5, 1), "代办处主任", 12, "组织开展会员服务，推动基层工会参保。"},
			{"刘丽", "女", "1988年11月", "专管员", "8", "坚持每月走访基层工会，按时报送材料。"},
		}
	}
	return RecommendForm{
		Fields: map[string]any{
			recommend.FieldAgency:          unit,
			recommend.FieldProposeUnit:     "是",
			recommend.FieldUnitDeeds:       "全年开展互助保障活动六项，参保人数较上年增长12%，服务会员及时周到。",
			recommend.FieldPublicityStart:  Day(2022, 3, 1),
			recommend.FieldPublicityEnd:    Day(2022, 3, 7),
			recommend.FieldPublicityScope:  "本单位全体职工",
			recommend.FieldPublicityResult: "无异议",
			recommend.FieldLeaderSign:      "李明",
			recommend.FieldSeal:            unit,
			recommend.FieldFiller:          "王芳",
			recommend.FieldPhone:           "010-63801234",
			recommend.FieldDate:            Day(2022, 3, 10),
		},
		Persons: persons,
	}
}

// Workbook writes the form on the office's blank 推荐表 of def,
// with as many person rows as it has, as excelize fills it in.
func Workbook(def *recommend.Definition, rf RecommendForm) ([]byte, error) {
	opts := recommend.BlankOptions{Persons: max(len(rf.Persons), 1)}
	x, err := recommend.BuildBlank(def, opts)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	l := recommend.BlankLayout(def, opts)
	for id, v := range rf.Fields {
		if err := x.SetCellValue(l.Sheet, l.Fields[id], v); err != nil {
			return nil, err
		}
	}
	for i, p := range rf.Persons {
		for col, v := range map[string]any{recommend.ColName: p.Name, recommend.ColSex: p.Sex, recommend.ColBirth: p.Birth,
			recommend.ColTitle: p.Title, recommend.ColYears: p.Years, recommend.ColDeeds: p.Deeds} {
			if err := x.SetCellValue(l.Sheet, l.PersonCell(i, col), v); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
