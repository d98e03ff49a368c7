package consolidate

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"kaohe/assess"
)

// Sheets and columns of the 名册外来件 part of the staff workbook.
const (
	SheetOutside = OutsideLabel
	// sheetNames holds the roster's agency names for the drop-down of
	// colAssign: a list written into the validation itself is limited to
	// 255 characters, a roster's names are not. The sheet is hidden.
	sheetNames = "名册单位"

	colSubmission = "提交编号"
	colAssign     = "归属单位"
)

// proposalPrefix begins the 提交编号 of a held 推荐表, whose ids are
// another series than the 考核表's.
const proposalPrefix = "推荐表-"

// ProposalRef is the 提交编号 a held 推荐表 is listed under on 名册外来件.
func ProposalRef(id int64) string { return proposalPrefix + strconv.FormatInt(id, 10) }

// outsideStatus is what the check of a 名册外来件 form found, in the words
// of the receipts.
func outsideStatus(rep *assess.Report) string {
	switch {
	case rep == nil || rep.Status == assess.StatusUnreadable:
		return StateUnreadable
	case rep.Status == assess.StatusNeedsFix:
		return StateNeedsFix
	}
	return "表格核对通过"
}

// outsideNote says why a form is a 名册外来件 and what staff may do.
func outsideNote(o Outside) string {
	switch {
	case o.Proposal != 0 && o.Named != "":
		return "推荐表：表内推荐单位为名册中的“" + o.Named + "”，但发件地址不是其登记邮箱，未计入该单位；如核实确为该单位所发，请在“归属单位”栏选择它，导入后按该单位的推荐表核对名额"
	case o.Proposal != 0:
		return "推荐表：发件地址不在名册中；如核实为名册中某单位所发，请在“归属单位”栏选择该单位"
	case o.Agency != "":
		return "名册中已无“" + o.Agency + "”，该单位的提交未计入名册单位"
	case o.Sender == "":
		return "没有有效的发件地址，无法回复，也无法判断来自哪个单位"
	case o.Named != "":
		return "表内考核单位为名册中的“" + o.Named + "”，但发件地址不是其登记邮箱，未计入该单位；如核实确为该单位所发，请在“归属单位”栏选择它"
	}
	return "发件地址不在名册中；如核实为名册中某单位所发，请在“归属单位”栏选择该单位"
}

// outsideSheet writes 名册外来件: one row per form from outside the roster,
// with the 归属单位 column staff fill to assign it to an agency (imported by
// ImportReview).
func (b *builder) outsideSheet() error {
	m := b.m
	cols := []column{
		{header: colSubmission}, {header: "收到时间", min: 13}, {header: "发件地址", max: 22, wrap: true}, {header: "邮件主题", max: 18, wrap: true},
		{header: "文件", max: 18, wrap: true}, {header: "表内考核单位", max: 16, wrap: true}, {header: "核对结果"}, {header: "错误数"},
		{header: "截止前收到"}, {header: "说明", min: 20, max: 40, wrap: true, fill: true},
		{header: colAssign, min: 18, style: b.styles.input},
	}
	cells := make([]any, len(cols))
	t := &table{
		name: SheetOutside, cols: cols, freezeCols: 1,
		rows: func(yield func([]any) bool) {
			for _, o := range m.outside {
				clear(cells)
				if o.Submission != 0 {
					cells[0] = int(o.Submission)
				}
				cells[1], cells[2], cells[3], cells[4] = o.ReceivedAt, o.Sender, o.Subject, o.File
				if o.Proposal != 0 {
					// A 推荐表: the persons counted, never named.
					cells[0], cells[5], cells[6] = ProposalRef(o.Proposal), o.Named, fmt.Sprintf("推荐表（推荐 %d 人）", o.Persons)
					cells[8], cells[9] = "否", outsideNote(o)
					if o.OnTime {
						cells[8] = "是"
					}
					if !yield(cells) {
						return
					}
					continue
				}
				if o.Report != nil {
					cells[5] = o.Report.Unit
					errs, _ := o.Report.Counts()
					cells[7] = errs
				}
				cells[6] = outsideStatus(o.Report)
				cells[8] = "否"
				if o.OnTime {
					cells[8] = "是"
				}
				cells[9] = outsideNote(o)
				if !yield(cells) {
					return
				}
			}
		},
	}
	if err := b.write(t); err != nil {
		return err
	}
	if len(m.outside) == 0 || len(m.rows) == 0 {
		return nil
	}
	ac, _ := excelize.ColumnNumberToName(len(cols))
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", ac, ac, len(m.outside)+1)
	dv.SetSqrefDropList(fmt.Sprintf("'%s'!$A$1:$A$%d", sheetNames, len(m.rows)))
	dv.SetInput(colAssign, "核实此件确为名册中某单位所发后，选择该单位；导入后按该单位的新版本计入（是否逾期按原收到时间判断）。不确定请留空。")
	dv.SetError(excelize.DataValidationErrorStyleStop, colAssign, "请从下拉列表中选择名册中的单位，或留空。")
	return b.f.AddDataValidation(SheetOutside, dv)
}

// namesSheet writes the hidden sheet of roster names the drop-down of
// 归属单位 lists, last, out of the staff's way.
func (b *builder) namesSheet() error {
	m := b.m
	if len(m.outside) == 0 || len(m.rows) == 0 {
		return nil
	}
	if _, err := b.f.NewSheet(sheetNames); err != nil {
		return err
	}
	for i, r := range m.rows {
		if err := b.f.SetCellStr(sheetNames, "A"+strconv.Itoa(i+1), r.name); err != nil {
			return err
		}
	}
	return b.f.SetSheetVisible(sheetNames, false)
}
