package recommend

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var def2021 = MustLoad(2021)

// goodPerson is a plausible person row.
type personRow struct {
	name, sex string
	birth     any
	title     string
	years     any
	deeds     string
}

// filling is what a test writes into a blank: field id → value, and the
// person rows.
type filling struct {
	fields  map[string]any
	persons []personRow
}

func goodFilling() filling {
	return filling{
		fields: map[string]any{
			FieldAgency:          "丰台区代办处",
			FieldProposeUnit:     "是",
			FieldUnitDeeds:       "全年开展互助保障活动六项，参保人数较上年增长12%，服务会员及时周到。",
			FieldPublicityStart:  date(2022, 3, 1),
			FieldPublicityEnd:    date(2022, 3, 7),
			FieldPublicityScope:  "本单位全体职工",
			FieldPublicityResult: "无异议",
			FieldLeaderSign:      "李明",
			FieldSeal:            "丰台区代办处",
			FieldFiller:          "王芳",
			FieldPhone:           "010-63801234",
			FieldDate:            date(2022, 3, 10),
		},
		persons: []personRow{
			{"张伟", "男", date(1980, 5, 1), "代办处主任", 12, "组织开展会员服务，推动基层工会参保。"},
			{"刘丽", "女", "1988年11月", "专管员", "8", "坚持每月走访基层工会，按时报送材料。"},
		},
	}
}

// buildFilled writes a blank with as many person rows as the filling has
// and fills it in with excelize, as a clerk would type it.
func buildFilled(t testing.TB, fl filling, edit func(x *excelize.File, l Layout)) []byte {
	t.Helper()
	opts := BlankOptions{Persons: max(len(fl.persons), 1)}
	x, err := BuildBlank(def2021, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	l := BlankLayout(def2021, opts)
	for id, v := range fl.fields {
		if err := x.SetCellValue(l.Sheet, l.Fields[id], v); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range fl.persons {
		for col, v := range map[string]any{ColName: p.name, ColSex: p.sex, ColBirth: p.birth, ColTitle: p.title, ColYears: p.years, ColDeeds: p.deeds} {
			if v == nil || v == "" {
				continue
			}
			if err := x.SetCellValue(l.Sheet, l.PersonCell(i, col), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if edit != nil {
		edit(x, l)
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readGood(t testing.TB, data []byte) *Filled {
	t.Helper()
	f, fs := Read(data, ReadOptions{Definition: def2021})
	if f == nil {
		t.Fatalf("not read: %+v", fs)
	}
	return f
}

func TestSmoke(t *testing.T) {
	data := buildFilled(t, goodFilling(), nil)
	f := readGood(t, data)
	t.Logf("%+v", f)
	ctx := Context{Quota: 2, QuotaKnown: true, Grade: "优秀", Received: time.Date(2022, 3, 11, 9, 0, 0, 0, time.UTC)}
	for _, fd := range Check(f, def2021, ctx) {
		t.Errorf("%+v", fd)
	}
}
