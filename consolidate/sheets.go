package consolidate

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/scoring"
)

// summarySheet writes 汇总: one row per roster agency.
func (b *builder) summarySheet() error {
	m := b.m
	cols := []column{
		{header: colAgency, min: 12, max: 20, wrap: true},
		{header: "类型", wrap: true},
		{header: "状态"},
		{header: "首次提交", min: 13},
		{header: "最近提交", min: 13},
		{header: "版本数"},
		{header: "自评总分"},
		{header: "核定总分"},
		{header: "差额"},
	}
	for _, s := range m.sections {
		cols = append(cols, column{header: s.Name})
	}
	diffCol, stateCol := 8, 2
	cols = append(cols,
		column{header: "错误数"},
		column{header: "警告数"},
		column{header: "审核总分"},
		column{header: m.in.Grades.gradeHeader()},
		column{header: colRank},
		column{header: colVeto, style: b.styles.input},
		// 纸质版收到, 备注 and 说明 share what 备注 and 说明 had alone
		// before: 汇总 of a hundred agencies still prints one page wide
		// at 8 pt.
		column{header: colPaper, min: 8.5, max: 8.5, style: b.styles.paperDay},
		column{header: colRemark, min: 10, max: 10, style: b.styles.inputWrap, wrap: true},
		column{header: "说明", min: 9.5, max: 9.5, wrap: true},
		column{header: colOrigRemark, hidden: true},
		column{header: colOrigPaper, hidden: true},
	)
	gradeCol, vetoCol := len(cols)-8, len(cols)-6
	var problems []excelize.ConditionalFormatOptions
	for _, st := range []string{StateNeedsFix, StateUnreadable, StateLate, StateMissing, StateVetoed} {
		problems = append(problems, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Value: strconv.Quote(st), Format: &b.styles.cfProblem})
	}
	cells := make([]any, len(cols))
	t := &table{
		name: SheetSummary, cols: cols, freezeCols: 1,
		cond: []condFormat{
			{col: diffCol, opts: []excelize.ConditionalFormatOptions{{Type: "cell", Criteria: ">", Value: "0", Format: &b.styles.cfHighlight}}},
			{col: stateCol, opts: problems},
			{col: gradeCol, opts: []excelize.ConditionalFormatOptions{{Type: "cell", Criteria: "==", Value: strconv.Quote(failLabel), Format: &b.styles.cfProblem}}},
			{col: vetoCol, opts: []excelize.ConditionalFormatOptions{{Type: "cell", Criteria: "==", Value: `"是"`, Format: &b.styles.cfProblem}}},
		},
		rows: func(yield func([]any) bool) {
			for _, r := range m.rows {
				clear(cells)
				cells[0], cells[1], cells[2] = r.name, typeLines(r.typ), r.state
				if e := r.entry; e != nil {
					if !e.FirstAt.IsZero() {
						cells[3] = e.FirstAt
					}
					if !e.LastAt.IsZero() {
						cells[4] = e.LastAt
					}
					if e.Versions > 0 {
						cells[5] = e.Versions
					}
				}
				if r.scored {
					cells[6], cells[7], cells[8] = score(r.selfSum), score(r.verSum), round2(r.selfSum-r.verSum)
					for i, v := range r.sections {
						cells[9+i] = score(round2(v))
					}
				}
				c := 9 + len(m.sections)
				if r.report != nil {
					cells[c], cells[c+1] = r.errs, r.warns
				}
				if r.scored {
					cells[c+2] = score(r.final)
				}
				cells[c+3] = r.grade
				if r.rank > 0 {
					cells[c+4] = r.rank
				}
				if r.vetoed {
					cells[c+5] = "是"
				}
				cells[c+6] = paperValue(r.paper)
				cells[c+7], cells[c+8], cells[c+9] = r.remark, r.note, r.remark
				cells[c+10] = paperText(r.paper)
				if !yield(cells) {
					return
				}
			}
		},
	}
	if err := b.write(t); err != nil {
		return err
	}
	// A drop-down on 一票否决 for the staff; any of 是/Y/√/1 is read back.
	vc, _ := excelize.ColumnNumberToName(vetoCol + 1)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", vc, vc, max(len(m.rows), 1)+1)
	if err := dv.SetDropList([]string{"是", "否"}); err != nil {
		return err
	}
	dv.SetInput(colVeto, "该单位发生信息安全事件、按规定一票否决时选“是”；选“否”或留空为不否决。")
	dv.SetError(excelize.DataValidationErrorStyleStop, colVeto, "请从下拉列表中选择“是”或“否”，或留空。")
	if err := b.f.AddDataValidation(SheetSummary, dv); err != nil {
		return err
	}
	// 纸质版收到 takes a day or 是, which no drop-down can offer: a tip
	// says what is read back.
	pc, _ := excelize.ColumnNumberToName(vetoCol + 2)
	tip := excelize.NewDataValidation(true)
	tip.Sqref = fmt.Sprintf("%s2:%s%d", pc, pc, max(len(m.rows), 1)+1)
	tip.SetInput(colPaper, "收到该单位纸质版考核表后，填收到日期（如 2022-01-05、2022/1/5 或 1月5日）；不记得日期可填“是”。未收到请留空。")
	return b.f.AddDataValidation(SheetSummary, tip)
}

// typeLines is an agency type's label broken where a narrow column
// should break it: 区 / （开发区）, 局总公司/ / 产业工会.
func typeLines(t scoring.AgencyType) string {
	l := strings.Replace(t.Label(), "/", "/\n", 1)
	return strings.Replace(l, "（", "\n（", 1)
}

// detailSheet writes 明细: self and verified scores of every indicator side
// by side, under a row of caps.
func (b *builder) detailSheet() error {
	m := b.m
	cols := []column{{header: colAgency, min: 16}, {header: "类型"}, {header: "状态"}}
	capRow := []any{"标准分", nil, nil}
	idRow := []any{"指标", nil, nil}
	var merges [][2]string
	for i, ind := range m.indicators {
		cols = append(cols, column{header: "自评", min: 5}, column{header: "核定", min: 5})
		capRow = append(capRow, ind.Cap, nil)
		idRow = append(idRow, ind.ID, nil)
		a, _ := excelize.CoordinatesToCellName(4+2*i, 1)
		z, _ := excelize.CoordinatesToCellName(5+2*i, 1)
		merges = append(merges, [2]string{a, z})
		a, _ = excelize.CoordinatesToCellName(4+2*i, 2)
		z, _ = excelize.CoordinatesToCellName(5+2*i, 2)
		merges = append(merges, [2]string{a, z})
	}
	cols = append(cols, column{header: "自评总分"}, column{header: "核定总分"})
	capRow = append(capRow, m.form.TotalCap, m.form.TotalCap)
	idRow = append(idRow, "合计", nil)
	a, _ := excelize.CoordinatesToCellName(len(cols)-1, 2)
	z, _ := excelize.CoordinatesToCellName(len(cols), 2)
	merges = append(merges, [2]string{a, z})
	cells := make([]any, len(cols))
	t := &table{
		name: SheetDetail, cols: cols, headers: [][]any{capRow, idRow}, merges: merges, freezeCols: 1,
		rows: func(yield func([]any) bool) {
			for _, r := range m.rows {
				clear(cells)
				cells[0], cells[1], cells[2] = r.name, r.typ.Label(), r.state
				if r.scored {
					for i := range m.indicators {
						if v := r.self[i]; v != nil {
							cells[3+2*i] = score(*v)
						}
						cells[4+2*i] = score(r.verified[i])
					}
					cells[len(cells)-2], cells[len(cells)-1] = score(r.selfSum), score(r.verSum)
				}
				if !yield(cells) {
					return
				}
			}
		},
	}
	return b.write(t)
}

// issuesSheet writes 问题清单: every finding of every current submission.
func (b *builder) issuesSheet() error {
	m := b.m
	labels := map[string]string{}
	for _, fd := range m.form.Fields {
		labels[fd.ID] = fd.Label
	}
	cols := []column{
		{header: colAgency, min: 16}, {header: "文件", max: 24, wrap: true}, {header: "单元格"}, {header: "指标/栏目"},
		{header: "代码"}, {header: "严重程度"}, {header: "说明", min: 30, max: 80, wrap: true, fill: true},
	}
	cells := make([]any, len(cols))
	t := &table{
		name: SheetIssues, cols: cols, freezeCols: 1,
		cond: []condFormat{{col: 5, opts: []excelize.ConditionalFormatOptions{{Type: "cell", Criteria: "==", Value: `"错误"`, Format: &b.styles.cfProblem}}}},
		rows: func(yield func([]any) bool) {
			for _, r := range m.rows {
				if r.report == nil {
					continue
				}
				for _, fd := range r.report.Findings {
					cell := fd.Cell
					if cell != "" && fd.Sheet != "" {
						cell = fd.Sheet + "!" + cell
					}
					what := fd.Indicator
					if what == "" && fd.Field != "" {
						what = labels[fd.Field]
						if what == "" {
							what = fd.Field
						}
					}
					cells[0], cells[1], cells[2], cells[3] = r.name, r.report.File, cell, what
					cells[4], cells[5], cells[6] = string(fd.Code), fd.Severity.Label(), fd.Message
					if !yield(cells) {
						return
					}
				}
			}
		},
	}
	return b.write(t)
}

// missingSheet writes 未提交: roster agencies with no on-time submission.
func (b *builder) missingSheet() error {
	m := b.m
	cols := []column{{header: colAgency, min: 16}, {header: "类型"}, {header: "邮箱", max: 60}, {header: "有逾期提交"}, {header: "逾期提交时间", min: 13}, {header: "状态"}}
	cells := make([]any, len(cols))
	t := &table{
		name: SheetMissing, cols: cols, freezeCols: 1,
		rows: func(yield func([]any) bool) {
			for _, r := range m.rows {
				if onTime(r.entry) {
					continue
				}
				clear(cells)
				cells[0], cells[1], cells[2], cells[3] = r.name, r.typ.Label(), strings.Join(r.emails, "；"), "否"
				if r.entry != nil && submitted(r.entry) {
					cells[3] = "是"
					if !r.entry.FirstAt.IsZero() {
						cells[4] = r.entry.FirstAt
					}
				}
				cells[5] = r.state
				if !yield(cells) {
					return
				}
			}
		},
	}
	return b.write(t)
}

// onTime reports whether the entry holds a submission received before the
// cut-off.
func onTime(e *Entry) bool { return e != nil && submitted(e) && !e.Late }

// departmentSheet writes one checking department's review sheet: one row
// per agency and indicator the department checks. Staff fill 审核分 and
// 审核意见; the hidden 原审核分/原审核意见 columns keep what was exported so
// ImportReview can tell an edit from a value left as it was.
func (b *builder) departmentSheet(dept string) error {
	m := b.m
	var inds []int
	for i, ind := range m.indicators {
		for _, d := range ind.Departments {
			if d == dept {
				inds = append(inds, i)
				break
			}
		}
	}
	caps := make([]any, len(inds))
	for k, i := range inds {
		caps[k] = score(m.indicators[i].Cap)
	}
	cols := []column{
		{header: colAgency, min: 16}, {header: colIndicator}, {header: "考核标准", min: 40, max: 70, wrap: true, fill: true}, {header: "标准分"},
		{header: "自评分"}, {header: "核定分"}, {header: colReview, style: b.styles.input},
		{header: colComment, min: 24, max: 30, style: b.styles.inputWrap, wrap: true},
		{header: colOrigReview, hidden: true}, {header: colOrigComment, hidden: true},
	}
	cells := make([]any, len(cols))
	t := &table{
		name: dept, cols: cols, freezeCols: 2,
		rows: func(yield func([]any) bool) {
			for _, r := range m.rows {
				if !r.scored {
					continue
				}
				for k, i := range inds {
					ind := m.indicators[i]
					clear(cells)
					cells[0], cells[1], cells[2], cells[3] = r.name, ind.ID, ind.Criteria, caps[k]
					if v := r.self[i]; v != nil {
						cells[4] = score(*v)
					}
					cells[5] = score(r.verified[i])
					if rv := r.reviews[i]; rv != nil {
						if rv.Score != nil {
							cells[6], cells[8] = score(*rv.Score), score(*rv.Score)
						}
						if rv.Comment != "" {
							cells[7], cells[9] = rv.Comment, rv.Comment
						}
					}
					if !yield(cells) {
						return
					}
				}
			}
		},
	}
	if err := b.write(t); err != nil {
		return err
	}
	return b.reviewValidations(dept, inds)
}

// reviewValidations gives every 审核分 cell of a department sheet a
// drop-down of the scores its indicator can give, with an input tip, so
// that a wrong value is caught when it is typed, not at import.
func (b *builder) reviewValidations(dept string, inds []int) error {
	m := b.m
	cells := make([][]string, len(inds))
	row := 2
	for _, r := range m.rows {
		if !r.scored {
			continue
		}
		for k := range inds {
			cells[k] = append(cells[k], "G"+strconv.Itoa(row))
			row++
		}
	}
	for k, i := range inds {
		if len(cells[k]) == 0 {
			continue
		}
		ind := m.indicators[i]
		values := make([]string, len(ind.Allowed))
		for j, a := range ind.Allowed {
			values[j] = fmtScore(a)
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = strings.Join(cells[k], " ")
		if err := dv.SetDropList(values); err != nil {
			return fmt.Errorf("drop-down of %s: %w", ind.ID, err)
		}
		dv.SetInput("指标 "+ind.ID+" 审核分", "可填："+allowedList(ind)+"（标准分 "+fmtScore(ind.Cap)+"）。同意核定分可留空。")
		dv.SetError(excelize.DataValidationErrorStyleStop, "审核分", "指标 "+ind.ID+" 只能得 "+allowedList(ind)+" 分，请从下拉列表中选择或留空。")
		if err := b.f.AddDataValidation(dept, dv); err != nil {
			return err
		}
	}
	return nil
}

// score boxes a score for a row: whole numbers below 256 as int, which Go
// boxes without allocating, the rest as float64. Both are written as numbers.
func score(v float64) any {
	if v >= 0 && v < 256 && v == math.Trunc(v) {
		return int(v)
	}
	return v
}
