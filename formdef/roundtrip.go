package formdef

import (
	"bytes"
	"context"
	"fmt"

	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// roundTrip proves a definition as a season uses it: the blank form written
// from it is read back with every field and indicator found, and forms
// filled on it as careful agencies of each type would are accepted with the
// scores they claim.
func roundTrip(f *templates.Form) []Problem {
	var out []Problem
	add := func(line int, format string, a ...any) {
		out = append(out, Problem{Line: line, Message: fmt.Sprintf(format, a...)})
	}
	var blank bytes.Buffer
	if err := templates.WriteBlank(f, &blank); err != nil {
		add(0, "无法按本定义生成空白表：%v", err)
		return out
	}
	sub, findings := validate.Read(blank.Bytes(), validate.Options{Form: f, Filename: "空白表.xlsx"})
	if sub == nil {
		add(0, "按本定义生成的空白表读不回来：%s", firstMessage(findings))
		return out
	}
	for _, fd := range f.Fields {
		if sub.Fields[fd.ID].Cell == "" {
			add(fd.Line, "按本定义生成的空白表读回时找不到字段 %s「%s」", fd.ID, fd.Label)
		}
	}
	for _, ind := range f.Indicators() {
		sc, ok := sub.Scores[ind.ID]
		switch {
		case !ok || sc.Cell == "":
			add(ind.Line, "按本定义生成的空白表读回时找不到指标 %s 所在的行", ind.ID)
		case !sc.CapRead || !same(sc.CapValue, ind.Cap):
			add(ind.Line, "按本定义生成的空白表读回时，指标 %s 的标准分读作 %g，不是 %g", ind.ID, sc.CapValue, ind.Cap)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, district := range []bool{true, false} {
		unit, typ := "样例区代办处", scoring.District
		if !district {
			unit, typ = "样例局代办处", scoring.Sector
		}
		data, err := sample.Workbook(f, sample.GoodFor(f, unit, district))
		if err != nil {
			add(0, "无法按本定义填写样表：%v", err)
			return out
		}
		rep, err := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: f, Filename: "样表.xlsx"}, Type: typ})
		if err != nil {
			add(0, "无法读取按本定义填写的样表：%v", err)
			return out
		}
		if rep.Status == assess.StatusAccepted {
			continue
		}
		for _, fi := range rep.Findings {
			if fi.Severity != validate.SeverityError {
				continue
			}
			line := 0
			if ind, ok := f.Indicator(fi.Indicator); ok {
				line = ind.Line
			} else if fd, ok := f.Field(fi.Field); ok {
				line = fd.Line
			}
			add(line, "按本定义正确填写的%s样表检查未通过：%s", typ.Label(), fi.Message)
		}
	}
	return out
}

func firstMessage(fs []validate.Finding) string {
	if len(fs) == 0 {
		return "原因不明"
	}
	return fs[0].Message
}
