package recommend

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// validations put a data validation with an input tip on every input cell.
func (b *blankWriter) validations() {
	for _, s := range b.def.Sections {
		for _, fd := range s.Fields {
			b.validate(fd, b.l.Fields[fd.ID])
		}
		if s.ID == SectionPersons && len(b.l.PersonRows) > 0 {
			first, last := b.l.PersonRows[0], b.l.PersonRows[len(b.l.PersonRows)-1]
			for _, c := range s.Columns {
				cl := b.l.Columns[c.ID]
				b.validate(c, fmt.Sprintf("%s%d:%s%d", cl, first, cl, last))
			}
		}
	}
}

func (b *blankWriter) validate(fd Field, sqref string) {
	dv, err := FieldValidation(b.def, fd)
	if err != nil {
		b.check(err)
		return
	}
	dv.Sqref = sqref
	b.check(b.x.AddDataValidation(b.l.Sheet, dv))
}

// FieldValidation is the data validation of a field's input cells, by its
// kind: a drop-down of the choices, a date range, a whole number of
// years, a length; each with an input tip and an error message. Sqref is
// left for the caller.
func FieldValidation(def *Definition, fd Field) (*excelize.DataValidation, error) {
	dv := excelize.NewDataValidation(true)
	var tip, msg string
	var err error
	style := excelize.DataValidationErrorStyleStop
	switch fd.Kind {
	case KindChoice:
		err = dv.SetDropList(fd.Choices)
		tip = "请从下拉列表中选择：" + strings.Join(fd.Choices, "、") + "。"
		msg = "请从下拉列表中选择：" + strings.Join(fd.Choices, "、") + "。"
		if fd.ID == FieldPublicityResult {
			// An objection may be described in the cell itself.
			style = excelize.DataValidationErrorStyleInformation
			tip = "请选择“无异议”；如有异议，选择“有异议（已处理）”，并在下方写明异议内容及处理结果。"
			msg = "建议从下拉列表中选择；如确需自行填写，请点“确定”。"
		}
	case KindDate:
		err = templates.SetSeasonDates(dv, def.Year)
		ex := fmt.Sprintf("%d-03-01", def.Year+1)
		tip = fmt.Sprintf("请填写日期，如 %s。", ex)
		msg = fmt.Sprintf("请填写%d年或%d年内的有效日期，如 %s。", def.Year, def.Year+1, ex)
	case KindMonth:
		// 1985年3月 typed in Excel becomes a date; 1985.03 stays a number
		// or text, which the reader takes as well: only the length is held.
		err = dv.SetRange(0, 20, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		tip = "请填写出生年月，如 1985年3月 或 1985-03。"
		msg = "请填写出生年月，如 1985年3月 或 1985-03。"
	case KindYears:
		err = dv.SetRange(0, 60, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		tip = "请填写从事互助保障工作的整数年数，如 12。"
		msg = "只能填写0到60之间的整数年数，不要带“年”字。"
	case KindSign:
		err = dv.SetRange(0, 255, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		tip = "纸质表在此签字或盖章；电子表请填写姓名（或单位名称），也可插入签章图片。"
		msg = "内容过长，请只填写姓名或单位名称。"
	case KindPhone:
		err = dv.SetRange(0, 30, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		tip = "请填写单位的联系电话，如 010-12345678；不要填写个人电话。"
		msg = "内容过长，请只填写一个电话号码。"
	default:
		limit := 255
		tip = fmt.Sprintf("请填写%s。", fd.Label)
		msg = "内容过长，请填写不超过255个字。"
		if fd.MaxRunes > 0 {
			limit = fd.MaxRunes
			// Excel counts spaces and line breaks, the check does not: a
			// warning the clerk may pass, not a stop.
			style = excelize.DataValidationErrorStyleWarning
			tip = fmt.Sprintf("请填写%s，不超过%d字。", fd.Label, fd.MaxRunes)
			msg = fmt.Sprintf("%s不能超过%d字，请精简。", fd.Label, fd.MaxRunes)
		}
		err = dv.SetRange(0, limit, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
	}
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", fd.ID, err)
	}
	dv.SetInput(fd.Label, tip)
	dv.SetError(style, fd.Label+"填写有误", msg)
	return dv, nil
}

// print gives the blank the 考核表's print layout; the page breaks are
// its own.
func (b *blankWriter) print() {
	b.check(templates.PrintPage(b.x, b.l.Sheet))
	b.check(templates.PrintArea(b.x, b.l.Sheet, b.l.LastCol, b.l.LastRow))
	b.pageBreaks()
}

// pageBreaks keeps blocks of rows on one page: the title with the unit's
// section, the person table's heading and header with its first row, each
// further person row, each later section, the note, each line of the notes
// block. A block taller than a page is broken between its rows.
func (b *blankWriter) pageBreaks() {
	total := 0.0
	for _, w := range b.def.Widths {
		total += w
	}
	page := templates.PageHeight(templates.PrintScale(total))
	used := 0.0
	for _, blk := range b.blocks() {
		h := 0.0
		for r := blk[0]; r <= blk[1]; r++ {
			h += b.rowHeight(r)
		}
		if used > 0 && used+h > page {
			b.check(b.x.InsertPageBreak(b.l.Sheet, at(0, blk[0])))
			used = 0
		}
		if used+h <= page {
			used += h
			continue
		}
		for r := blk[0]; r <= blk[1]; r++ {
			rh := b.rowHeight(r)
			if used > 0 && used+rh > page {
				b.check(b.x.InsertPageBreak(b.l.Sheet, at(0, r)))
				used = 0
			}
			used += rh
		}
	}
}

func (b *blankWriter) rowHeight(r int) float64 {
	h, err := b.x.GetRowHeight(b.l.Sheet, r)
	b.check(err)
	return h
}

// blocks are the row ranges pageBreaks keeps together, top to bottom.
func (b *blankWriter) blocks() [][2]int {
	var starts []int
	for _, s := range b.def.Sections {
		first := 0
		if c, ok := b.l.SectionCells[s.ID]; ok {
			_, first, _ = excelize.CellNameToCoordinates(c)
		}
		if s.ID == SectionPersons {
			if first == 0 {
				first = b.l.HeaderRow
			}
			starts = append(starts, first)
			for _, r := range b.l.PersonRows[min(1, len(b.l.PersonRows)):] {
				starts = append(starts, r)
			}
			continue
		}
		if first == 0 && len(s.Fields) > 0 {
			_, first, _ = excelize.CellNameToCoordinates(b.l.Labels[s.Fields[0].ID])
		}
		if first > 0 {
			starts = append(starts, first)
		}
	}
	if len(starts) > 0 {
		starts[0] = 1 // the title stays with the first section
	}
	starts = append(starts, b.l.FormLastRow)
	if len(b.l.NoteRows) > 0 {
		starts = append(starts, b.l.FormLastRow+1)
		starts = append(starts, b.l.NoteRows[1:]...)
	}
	var out [][2]int
	for i, s := range starts {
		end := b.l.LastRow
		if i+1 < len(starts) {
			end = starts[i+1] - 1
		}
		if end >= s {
			out = append(out, [2]int{s, end})
		}
	}
	return out
}
