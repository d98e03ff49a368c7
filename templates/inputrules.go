package templates

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// maxCount is the upper bound Excel's whole-number validation needs.
const maxCount = 100000000

// validations puts a data validation with an input tip on every input cell.
func (b *blankWriter) validations() {
	for _, fd := range b.f.Fields {
		c, ok := b.l.Fields[fd.ID]
		if !ok {
			continue
		}
		dv, err := FieldValidation(b.f, fd)
		if err != nil {
			b.check(err)
			continue
		}
		dv.Sqref = c
		b.check(b.x.AddDataValidation(b.l.Sheet, dv))
	}
	for _, ind := range b.f.Indicators() {
		dv, err := ScoreValidation(ind)
		if err != nil {
			b.check(err)
			continue
		}
		dv.Sqref = b.l.Scores[ind.ID]
		b.check(b.x.AddDataValidation(b.l.Sheet, dv))
	}
}

// AllowedList is an indicator's allowed scores as the drop-down list of its
// 自评分 cell: "0,1,2,3,4".
func AllowedList(ind Indicator) string {
	return joinScores(ind.Allowed, ",")
}

func joinScores(scores []float64, sep string) string {
	parts := make([]string, len(scores))
	for i, s := range scores {
		parts[i] = formatNumber(s)
	}
	return strings.Join(parts, sep)
}

// ScoreValidation is the data validation of an indicator's 自评分 cell: a
// drop-down of the allowed scores, an input tip and an error message.
// Sqref is left for the caller.
func ScoreValidation(ind Indicator) (*excelize.DataValidation, error) {
	dv := excelize.NewDataValidation(true)
	if err := dv.SetDropList(strings.Split(AllowedList(ind), ",")); err != nil {
		return nil, fmt.Errorf("indicator %s: %w", ind.ID, err)
	}
	choices := joinScores(ind.Allowed, "、")
	dv.SetInput("自评分", fmt.Sprintf("请按左侧考核标准自评，从下拉列表中选择分数。本项标准分%s分，可选：%s。",
		formatNumber(ind.Cap), choices))
	dv.SetError(excelize.DataValidationErrorStyleStop, "自评分不符合考核标准",
		fmt.Sprintf("本项标准分%s分，自评分只能是：%s。请从下拉列表中选择。", formatNumber(ind.Cap), choices))
	return dv, nil
}

// FieldValidation is the data validation of a field's input cell, by the
// field's kind. Sqref is left for the caller.
func FieldValidation(f *Form, fd Field) (*excelize.DataValidation, error) {
	dv := excelize.NewDataValidation(true)
	title := fd.Label
	var tip, errMsg string
	var err error
	switch fd.Kind {
	case KindCount:
		hi := maxCount
		if fd.Max != nil {
			hi = int(math.Floor(*fd.Max))
		}
		err = dv.SetRange(0, hi, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		unit := ""
		if fd.Unit != "" {
			unit = "（单位：" + fd.Unit + "）"
		}
		tip = fmt.Sprintf("请填写整数%s，不小于0。", unit)
		errMsg = "只能填写0或正整数，不要带文字、小数或负号。"
		if fd.Max != nil {
			tip = fmt.Sprintf("请填写0到%d之间的整数%s。", hi, unit)
			errMsg = fmt.Sprintf("只能填写0到%d之间的整数。", hi)
		}
		if fd.AtMost != "" {
			if other, ok := f.Field(fd.AtMost); ok {
				tip += fmt.Sprintf("不得超过“%s”。", other.Label)
			}
		}
	case KindPercent:
		err = dv.SetRange(0.0, 100.0, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
		tip = "请填写0到100之间的数字，85 表示 85%，可保留一位小数。"
		errMsg = "只能填写0到100之间的数字（不带%号），如 85 表示 85%。"
	case KindDate:
		err = SetSeasonDates(dv, f.Year)
		example := fmt.Sprintf("%d-12-20", f.Year)
		tip = fmt.Sprintf("请填写填表日期，如 %s。", example)
		errMsg = fmt.Sprintf("请填写%d年或%d年内的有效日期，如 %s。", f.Year, f.Year+1, example)
	case KindSign:
		err = dv.SetRange(0, 255, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		tip = "纸质表在此盖章或签字；电子表请填写姓名（或单位名称），也可插入签章图片。"
		errMsg = "内容过长，请只填写姓名或单位名称。"
	default: // KindText
		err = dv.SetRange(0, 255, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		tip = fmt.Sprintf("请填写%s。", fd.Label)
		errMsg = "内容过长，请填写不超过255个字符。"
	}
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", fd.ID, err)
	}
	dv.SetInput(title, tip)
	dv.SetError(excelize.DataValidationErrorStyleStop, fd.Label+"填写有误", errMsg)
	return dv, nil
}

// SetSeasonDates limits dv to the dates of the campaign year and the
// next, where any date a form asks for falls.
func SetSeasonDates(dv *excelize.DataValidation, year int) error {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(year+1, 12, 31, 0, 0, 0, 0, time.UTC)
	return dv.SetRange(ExcelSerial(from), ExcelSerial(to), excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
}

// ExcelSerial is t as an Excel date serial (1900 date system).
func ExcelSerial(t time.Time) int {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return int(t.Sub(epoch).Hours() / 24)
}
