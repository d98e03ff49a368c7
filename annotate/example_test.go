package annotate_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/annotate"
	"kaohe/assess"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

func ExampleCopy() {
	form := templates.MustLoad(2021)
	// An agency's form with 1.4 scored 9 of 6.
	data, _ := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: validate.Options{Form: form}, Type: scoring.District})

	out, err := annotate.Copy(rep, form)
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _ := excelize.OpenReader(bytes.NewReader(out))
	defer f.Close()
	l := annotate.Layout(form)
	self, _ := f.GetCellValue(l.Sheet, l.Scores["1.4"])
	verified, _ := f.GetCellValue(l.Sheet, fmt.Sprintf("%s%d", l.VerifiedCol, l.Rows["1.4"]))
	cmts, _ := f.GetComments(l.Sheet)
	fmt.Println(f.GetSheetList(), self, verified)
	for _, c := range cmts {
		// The finding, then the agency's own cell.
		lines := strings.Split(c.Paragraph[1].Text, "\n")
		item, _, _ := strings.Cut(lines[0], "（")
		fmt.Println(c.Cell, item, strings.Contains(lines[0], "超过标准分"), lines[len(lines)-1])
	}
	// Output:
	// [考核表] 9 6
	// E24 【错误】指标 1.4 true 您发来的表中的单元格：E21
}
