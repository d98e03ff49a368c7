package results

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/config"
	"kaohe/internal/cst"
	"kaohe/scoring"
	"kaohe/store"
)

// Sheet names and the column headers Import reads.
const (
	SheetResults = "考核结果"
	SheetQuota   = "名额分配"
	SheetRules   = "说明"

	ColType   = "类型"
	ColRank   = "排名"
	ColAgency = "考核单位"
	ColGrade  = "等级"
	ColQuota  = "优秀个人名额"
	ColNotes  = "审核意见"
)

// SeasonProperty is the custom document property that names the season a
// results workbook belongs to.
const SeasonProperty = "kaohe-results-season"

// WriteOptions are the optional parts of Write.
type WriteOptions struct {
	// Stamp is called on the finished workbook before it is written, e.g.
	// to stamp a token that proves kaohe wrote it. nil: nothing.
	Stamp func(*excelize.File) error
}

// font is the workbook's own font: a style that names none prints in the
// application's fallback (a serif in LibreOffice).
const font = "Calibri"

type styles struct {
	header, title, total, input, inputWrap, wrap, plain, center, share, exact, above, cfFail int
}

type writer struct {
	f       *excelize.File
	o       *Outcome
	st      styles
	renamed bool
}

// Write writes the results workbook of o to out: 考核结果, 名额分配 and
// 说明, printed landscape A4.
func Write(out io.Writer, o *Outcome, opts WriteOptions) error {
	f := excelize.NewFile()
	defer f.Close()
	w := &writer{f: f, o: o}
	if err := w.newStyles(); err != nil {
		return err
	}
	for _, step := range []func() error{w.resultsSheet, w.quotaSheet, w.rulesSheet} {
		if err := step(); err != nil {
			return err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: o.Campaign + " 考核结果", Creator: "kaohe"}); err != nil {
		return err
	}
	if err := f.SetCustomProps(excelize.CustomProperty{Name: SeasonProperty, Value: int32(o.Season)}); err != nil {
		return err
	}
	if opts.Stamp != nil {
		if err := opts.Stamp(f); err != nil {
			return fmt.Errorf("stamp workbook: %w", err)
		}
	}
	if err := f.Write(out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

func (w *writer) newStyles() error {
	f := w.f
	var err error
	border := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	inputBorder := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	inputFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	share, exact := "0.00%", "0.000"
	for _, s := range []struct {
		p     *int
		style excelize.Style
	}{
		{&w.st.header, excelize.Style{Font: &excelize.Font{Bold: true, Family: font}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: border}},
		{&w.st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 12, Family: font}}},
		{&w.st.total, excelize.Style{Font: &excelize.Font{Bold: true, Family: font}, Border: []excelize.Border{{Type: "top", Color: "808080", Style: 1}}}},
		{&w.st.input, excelize.Style{Fill: inputFill, Border: inputBorder, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}},
		{&w.st.inputWrap, excelize.Style{Fill: inputFill, Border: inputBorder, Alignment: top}},
		{&w.st.wrap, excelize.Style{Alignment: top}},
		{&w.st.plain, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&w.st.center, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}},
		{&w.st.above, excelize.Style{Font: &excelize.Font{Color: "404040", Family: font}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&w.st.share, excelize.Style{CustomNumFmt: &share, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&w.st.exact, excelize.Style{CustomNumFmt: &exact, Alignment: &excelize.Alignment{Vertical: "top"}}},
	} {
		if *s.p, err = f.NewStyle(&s.style); err != nil {
			return err
		}
	}
	w.st.cfFail, err = f.NewConditionalStyle(&excelize.Style{
		Font: &excelize.Font{Color: "9C0006", Family: font},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
	})
	return err
}

// resultsSheet writes 考核结果: districts, then sector agencies (from a new
// page), each by rank.
func (w *writer) resultsSheet() error {
	o := w.o
	cols := []column{
		{header: ColType, min: 14, max: 14, wrap: true},
		{header: ColRank, min: 5, style: w.st.center},
		{header: ColAgency, min: 14, max: 24, wrap: true},
		{header: "状态"},
		{header: "自评总分"},
		{header: "核定总分"},
		{header: "最终得分"},
	}
	if o.Form != nil {
		for _, s := range o.Form.Sections {
			cols = append(cols, column{header: s.Name, max: 9, min: 7})
		}
	}
	gradeCol := len(cols)
	cols = append(cols,
		column{header: ColGrade, style: w.st.input, min: 7},
		column{header: ColQuota, style: w.st.input, min: 7},
		column{header: ColNotes, min: 30, max: 40, wrap: true, style: w.st.wrap},
	)
	s := &sheet{name: SheetResults, cols: cols, freezeCols: 3}
	for i, r := range o.Results {
		if i > 0 && typeGroup(r.Type) != typeGroup(o.Results[i-1].Type) {
			s.breaks = append(s.breaks, i)
		}
		cells := make([]any, len(cols))
		cells[0], cells[2], cells[3] = typeLines(r.Type), r.Agency, r.State
		if r.Rank > 0 {
			cells[1] = r.Rank
		}
		if r.Scored {
			cells[4], cells[5], cells[6] = r.SelfTotal, r.VerifiedTotal, r.Final
			for j, sec := range r.Sections {
				if 7+j < gradeCol {
					cells[7+j] = sec.Reviewed
				}
			}
		}
		cells[gradeCol], cells[gradeCol+1], cells[gradeCol+2] = string(r.Grade), r.Quota, notesText(r.Notes)
		s.rows = append(s.rows, cells)
	}
	s.prepare = func(first, last int) error {
		gc, _ := excelize.ColumnNumberToName(gradeCol + 1)
		qc, _ := excelize.ColumnNumberToName(gradeCol + 2)
		if err := w.f.SetConditionalFormat(SheetResults, fmt.Sprintf("%s%d:%s%d", gc, first, gc, last), []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: "==", Value: strconv.Quote(string(store.GradeFail)), Format: &w.st.cfFail}}); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s%d:%s%d", gc, first, gc, last)
		var grades []string
		for _, g := range store.Grades() {
			grades = append(grades, string(g))
		}
		if err := dv.SetDropList(grades); err != nil {
			return err
		}
		dv.SetInput(ColGrade, "主任办公会可改等级：优秀、良好、合格或不合格。逾期、未提交、一票否决的单位只能是不合格。")
		dv.SetError(excelize.DataValidationErrorStyleStop, ColGrade, "请从下拉列表中选择：优秀、良好、合格、不合格。")
		if err := w.f.AddDataValidation(SheetResults, dv); err != nil {
			return err
		}
		qv := excelize.NewDataValidation(true)
		qv.Sqref = fmt.Sprintf("%s%d:%s%d", qc, first, qc, last)
		if err := qv.SetRange(0, max(o.Quota.Total, 1), excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		qv.SetInput(ColQuota, fmt.Sprintf("可改名额：非负整数；全部单位相加须仍为 %d；不合格的单位为 0。", o.Quota.Total))
		qv.SetError(excelize.DataValidationErrorStyleStop, ColQuota, "名额应为 0 或正整数。")
		return w.f.AddDataValidation(SheetResults, qv)
	}
	total := make([]any, len(cols))
	total[2], total[gradeCol+1] = "合计", o.Quota.Allocated()
	s.totals = total
	return w.write(s)
}

// quotaSheet writes 名额分配: the factors and their weights on top, then
// every agency's values, shares, exact and rounded quota, and the totals.
func (w *writer) quotaSheet() error {
	q := w.o.Quota
	title := fmt.Sprintf("优秀个人名额总数 %d，每个优秀单位至少 %d 个，不合格单位 0 个", q.Total, q.MinPerExcellent)
	if q.Note != "" {
		title += "。" + q.Note
	}
	// The factors' weights stand above their columns, as part of the header.
	notice := []any{excelize.Cell{StyleID: w.st.above, Value: "通知所列"}, excelize.Cell{StyleID: w.st.above}}
	weight := []any{excelize.Cell{StyleID: w.st.above, Value: "权重"}, excelize.Cell{StyleID: w.st.above}}
	share := []any{excelize.Cell{StyleID: w.st.above, Value: "折算权重"}, excelize.Cell{StyleID: w.st.above}}
	for _, f := range q.Factors {
		notice = append(notice, excelize.Cell{StyleID: w.st.above, Value: f.Notice}, excelize.Cell{StyleID: w.st.above})
		weight = append(weight, excelize.Cell{StyleID: w.st.above, Value: f.Weight}, excelize.Cell{StyleID: w.st.above})
		share = append(share, excelize.Cell{StyleID: w.st.above, Value: fmt.Sprintf("%.2f%%", f.Share*100)}, excelize.Cell{StyleID: w.st.above})
	}
	above := [][]any{{excelize.Cell{StyleID: w.st.title, Value: title}}, notice, weight, share}
	cols := []column{{header: ColAgency, min: 14, max: 24, wrap: true}, {header: ColGrade}}
	for _, f := range q.Factors {
		cols = append(cols, column{header: f.Label, max: 12}, column{header: f.Label + "占比", style: w.st.share, min: 8, max: 10})
	}
	cols = append(cols,
		column{header: "综合占比", style: w.st.share, min: 8},
		column{header: "按比例名额", style: w.st.exact, min: 8},
		column{header: "保底名额"},
		column{header: "调整后名额", style: w.st.exact, min: 8},
		column{header: "分配名额"},
	)
	s := &sheet{name: SheetQuota, above: above, cols: cols, freezeCols: 1}
	var sumShare, sumExact, sumAdj float64
	sumFloor := 0
	for _, r := range q.Rows {
		cells := make([]any, 0, len(cols))
		cells = append(cells, r.Agency, string(r.Grade))
		for fi := range q.Factors {
			if r.Eligible {
				cells = append(cells, round2(r.Values[fi]), r.Shares[fi])
			} else {
				cells = append(cells, nil, nil)
			}
		}
		cells = append(cells, r.Share, r.Exact, r.Floor, r.Adjusted, r.Quota)
		sumShare, sumExact, sumAdj, sumFloor = sumShare+r.Share, sumExact+r.Exact, sumAdj+r.Adjusted, sumFloor+r.Floor
		s.rows = append(s.rows, cells)
	}
	total := make([]any, len(cols))
	total[0] = "合计"
	for fi, f := range q.Factors {
		total[2+2*fi] = round2(f.Sum)
	}
	n := len(cols)
	total[n-5], total[n-4], total[n-3], total[n-2], total[n-1] =
		round6(sumShare), round6(sumExact), sumFloor, round6(sumAdj), q.Allocated()
	s.totals = total
	return w.write(s)
}

// rulesSheet writes 说明: the rules in effect, in the office's words.
func (w *writer) rulesSheet() error {
	s := &sheet{name: SheetRules, cols: []column{{header: "考核结果的计算规则（本表生成时有效）", min: 120, max: 120, wrap: true, style: w.st.wrap}}}
	for _, l := range w.o.RuleLines() {
		s.rows = append(s.rows, []any{l})
	}
	return w.write(s)
}

// RuleLines are the rules in effect, in Chinese, one paragraph each: what
// 说明 shows and the result notices may quote.
func (o *Outcome) RuleLines() []string {
	r := o.Rules
	band := func(label string, g config.GradeRule) string {
		return fmt.Sprintf("%s：最终得分 %s 分及以上为优秀（优秀名额%s），%s 分及以上为良好，%s 分及以上为合格，低于 %s 分为不合格。",
			label, num(g.Excellent), g.ExcellentCap, num(g.Good), num(g.Pass), num(g.Pass))
	}
	lines := []string{
		fmt.Sprintf("届：%d 年度。生成时间：%s（北京时间）。", o.Season, o.Now.In(cst.Location()).Format("2006-01-02 15:04")),
		"一、最终得分：每项指标取工作人员填写的审核分；未填写审核分的，取系统核定分。各项相加为最终得分。",
		"二、以下情形视为考核成绩不合格，不参加排名：未提交考核表；截止时间之后才首次提交（通知：未在规定时间内提交……视为考核成绩不合格）；一票否决；提交的表无法读取。",
		"三、区（开发区）代办处与局总公司/产业工会代办处分别评定等级、分别排名（差异分级管理）。",
		band("区（开发区）代办处", r.District),
		band("局总公司/产业工会代办处", r.Sector),
		"优秀名额有上限时，按排名先后评定，超出上限的评为良好。比例上限按该类代办处总数计算，向下取整。",
		"四、排名：同类代办处按最终得分从高到低排列；得分相同的，依次比较：业务拓展小计（高者在前）、首次提交时间（早者在前）、单位名称（按字符编码顺序）。每个名次只有一个单位。",
		fmt.Sprintf("五、优秀个人名额：总数 %d 个。合格及以上的代办处参加分配，不合格的为 0 个。每项因素先折算为各单位在合计中的占比，再按权重加权得到综合占比；数值全为 0 的因素不参加。按综合占比计算的名额若低于保底（每个优秀单位至少 %d 个），先给足保底，其余名额在其他单位之间按综合占比重新分配。最后取整数部分，剩余名额按小数部分从大到小逐个补足（最大余数法），小数相同的给综合占比大者，因此各单位名额相加恰好等于总数。保底合计超过总数时，名额只分给优秀单位，尽量平均，余数给综合占比大的单位。",
			r.IndividualQuota, r.MinPerExcellent),
	}
	var ws []string
	for _, f := range o.Quota.Factors {
		ws = append(ws, fmt.Sprintf("%s（%s）%s", f.Label, f.Notice, num(f.Weight)))
	}
	lines = append(lines, "权重："+strings.Join(ws, "；")+"。各权重按总和折算，不必相加为 1。")
	if o.Quota.Note != "" {
		lines = append(lines, "本次分配："+o.Quota.Note)
	}
	if !r.RecommendCutoff.IsZero() {
		lines = append(lines, "优秀个人推荐表报送截止时间："+r.RecommendCutoff.In(cst.Location()).Format("2006年1月2日 15:04")+"。")
	}
	if len(o.Placeholders) > 0 {
		lines = append(lines, "注意：以下配置项仍是程序的占位默认值，办事处尚未设定，结果仅供参考："+strings.Join(o.Placeholders, "、")+"。")
	}
	lines = append(lines,
		"六、主任办公会审定：可在“考核结果”表中修改“等级”和“优秀个人名额”两列（黄色单元格），其他列不要改动，也不要增删行。等级只能是优秀、良好、合格、不合格；逾期、未提交、一票否决、无法读取的单位只能是不合格；名额为 0 或正整数，不合格单位为 0，全部相加须仍等于总数。",
		"改好后把本工作簿作为附件回复给考核邮箱，或由工作人员运行 kaohe results import 文件名 导入。有任何一处不符合要求，整表都不导入，并逐格说明原因；全部符合则记为“审定”。",
	)
	return lines
}

// notesText joins an agency's reviewers' notes, one line each.
func notesText(notes []store.ReviewNote) string {
	var lines []string
	for _, n := range notes {
		if n.Indicator == "" {
			lines = append(lines, "备注："+n.Comment)
		} else {
			lines = append(lines, n.Indicator+"："+n.Comment)
		}
	}
	return strings.Join(lines, "\n")
}

// typeLines is the type's label broken where a narrow column should
// break it: 局总公司/ / 产业工会.
func typeLines(t scoring.AgencyType) string {
	if typeGroup(t) == scoring.District {
		return scoring.District.Label()
	}
	return strings.Replace(scoring.Sector.Label(), "/", "/\n", 1)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
