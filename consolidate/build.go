package consolidate

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the staff workbook; the department sheets are named after
// the departments.
const (
	SheetSummary = "汇总"
	SheetDetail  = "明细"
	SheetIssues  = "问题清单"
	SheetMissing = "未提交"
	SheetStats   = "统计"
)

// dateFormat shows receipt times: the campaign spans one turn of the year,
// and the page header carries the year, so month and day say enough.
const dateFormat = "mm-dd hh:mm"

// Column headers that ImportReview looks for.
const (
	colAgency      = "考核单位"
	colIndicator   = "指标"
	colReview      = "审核分"
	colComment     = "审核意见"
	colOrigReview  = "原审核分"
	colOrigComment = "原审核意见"
	colVeto        = "一票否决"
	colRemark      = "备注"
	colOrigRemark  = "原备注"
	colPaper       = "纸质版收到"
	colOrigPaper   = "原纸质版收到"
)

// colRank is the 汇总 header of the rank within the agency's type, as the
// results rank (no longer across both types).
const colRank = "类内排名"

type styles struct {
	header, date, num2, input int
	paperDay                  int // an input cell showing a day
	wrap, inputWrap, top      int
	cfHighlight, cfProblem    int
}

type builder struct {
	f       *excelize.File
	in      Input
	m       *model
	styles  styles
	renamed bool
	bulk    map[string]*bulkRows // data rows of each table, by sheet name
}

// Build writes the staff workbook of the campaign to w and returns the
// counts for the staff mail. Strings from submissions are always written as
// text, never as formulas.
func Build(w io.Writer, in Input) (Summary, error) {
	m, err := prepare(in)
	if err != nil {
		return Summary{}, err
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &builder{f: f, in: in, m: m, bulk: map[string]*bulkRows{}}
	if err := b.newStyles(); err != nil {
		return Summary{}, err
	}
	steps := []func() error{b.summarySheet, b.detailSheet, b.issuesSheet, b.missingSheet, b.outsideSheet}
	for _, d := range m.depts {
		steps = append(steps, func() error { return b.departmentSheet(d) })
	}
	steps = append(steps, b.statsSheet, b.namesSheet)
	for _, step := range steps {
		if err := step(); err != nil {
			return Summary{}, err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: in.Campaign + " 汇总", Creator: "kaohe"}); err != nil {
		return Summary{}, err
	}
	if in.Stamp != nil {
		if err := in.Stamp(f); err != nil {
			return Summary{}, fmt.Errorf("stamp workbook: %w", err)
		}
	}
	var frame bytes.Buffer
	if err := f.Write(&frame); err != nil {
		return Summary{}, fmt.Errorf("write workbook: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := b.splice(frame.Bytes(), bw); err != nil {
		return Summary{}, fmt.Errorf("write workbook: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return Summary{}, fmt.Errorf("write workbook: %w", err)
	}
	return m.summary, nil
}

func (b *builder) newStyles() error {
	f := b.f
	var err error
	border := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	if b.styles.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    border,
	}); err != nil {
		return err
	}
	dateFmt := dateFormat
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	if b.styles.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return err
	}
	if b.styles.top, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return err
	}
	if b.styles.num2, err = f.NewStyle(&excelize.Style{NumFmt: 2}); err != nil {
		return err
	}
	if b.styles.input, err = f.NewStyle(&excelize.Style{
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border:    []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top"},
	}); err != nil {
		return err
	}
	dayFmt := paperDayFormat
	if b.styles.paperDay, err = f.NewStyle(&excelize.Style{
		Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border:       []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
		Alignment:    &excelize.Alignment{Vertical: "top", Horizontal: "left"},
		CustomNumFmt: &dayFmt,
	}); err != nil {
		return err
	}
	if b.styles.wrap, err = f.NewStyle(&excelize.Style{Alignment: top}); err != nil {
		return err
	}
	if b.styles.inputWrap, err = f.NewStyle(&excelize.Style{
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border:    []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
		Alignment: top,
	}); err != nil {
		return err
	}
	if b.styles.cfHighlight, err = f.NewConditionalStyle(&excelize.Style{
		Font: &excelize.Font{Color: "9C5700"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFEB9C"}},
	}); err != nil {
		return err
	}
	if b.styles.cfProblem, err = f.NewConditionalStyle(&excelize.Style{
		Font: &excelize.Font{Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
	}); err != nil {
		return err
	}
	return nil
}
