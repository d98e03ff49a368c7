package recommend_test

import (
	"bytes"
	"fmt"
	"time"

	"kaohe/recommend"
)

// An agency with a quota of one gets its 推荐表, fills it in and sends it
// back two days after a three-day 公示.
func Example() {
	def := recommend.MustLoad(2021)
	opts := recommend.BlankOptions{Agency: "丰台区代办处", Persons: 1, Quota: true}
	x, err := recommend.BuildBlank(def, opts)
	if err != nil {
		panic(err)
	}
	defer x.Close()
	l := recommend.BlankLayout(def, opts)
	for cell, v := range map[string]any{
		l.Fields[recommend.FieldProposeUnit]:     "否",
		l.PersonCell(0, recommend.ColName):       "张伟",
		l.PersonCell(0, recommend.ColSex):        "男",
		l.PersonCell(0, recommend.ColBirth):      "1980年5月",
		l.PersonCell(0, recommend.ColTitle):      "主任",
		l.PersonCell(0, recommend.ColYears):      12,
		l.PersonCell(0, recommend.ColDeeds):      "组织开展会员服务。",
		l.Fields[recommend.FieldPublicityStart]:  "2022-03-01",
		l.Fields[recommend.FieldPublicityEnd]:    "2022-03-03",
		l.Fields[recommend.FieldPublicityScope]:  "全体职工",
		l.Fields[recommend.FieldPublicityResult]: "无异议",
		l.Fields[recommend.FieldLeaderSign]:      "李明",
		l.Fields[recommend.FieldSeal]:            "丰台区代办处",
		l.Fields[recommend.FieldFiller]:          "王芳",
		l.Fields[recommend.FieldPhone]:           "010-63801234",
		l.Fields[recommend.FieldDate]:            "2022-03-04",
	} {
		_ = x.SetCellValue(l.Sheet, cell, v)
	}
	var buf bytes.Buffer
	_, _ = x.WriteTo(&buf)
	data := buf.Bytes()

	fmt.Println("推荐表:", recommend.Recognise(data))
	f, _ := recommend.Read(data, recommend.ReadOptions{Definition: def})
	ctx := recommend.Context{Grade: "良好", Quota: 1, QuotaKnown: true,
		Received: time.Date(2022, 3, 5, 9, 0, 0, 0, time.UTC)}
	for _, fd := range recommend.Check(f, def, ctx) {
		fmt.Println(fd.Code, fd.Cell)
	}
	// Output:
	// 推荐表: true
	// publicity_too_short G10
}
