package reclist

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/consolidate"
	"kaohe/internal/cst"
	"kaohe/store"
)

// Column headers of 推荐名单. The import finds its columns by these.
const (
	colID       = "编号"
	colAgency   = "代办处"
	colKind     = "推荐项目"
	colName     = "姓名"
	colBirth    = "出生年月"
	colChecks   = "检查结果"
	colDecision = "主任办公会决定"
	colNote     = "备注（告知代办处）"
	// colOrig holds the decision as exported (hidden): a decision blanked
	// in the workbook clears the stored one only when the workbook showed
	// it, so a workbook exported before a later import cannot undo it.
	colOrig = "原决定"
)

var listHeaders = []string{colID, colAgency, "类型", "考核等级", "名额", "推荐人数", colKind, colName, "性别", colBirth, "职务",
	"从事互助保障工作年限", "收到时间", colChecks, colDecision, colNote, colOrig}

// listWidths keep the visible columns at 180 characters: fitted to the
// width of landscape A4, the text prints at 8 pt or more.
var listWidths = []float64{7, 16, 9, 7, 5, 6, 10, 10, 5, 9, 11, 8, 17, 29, 13, 18, 8}

// typeLabel is how the sheet names an agency's type; "" when unknown.
func typeLabel(r store.FinalResult) string {
	if r.Type == "" {
		return ""
	}
	return r.Type.Label()
}

// kindLabel is how the sheet names a proposal's kind.
func kindLabel(k store.ProposalKind) string {
	if k == store.KindUnit {
		return "优秀单位"
	}
	return "优秀个人"
}

// Sheets is what AddSheets writes.
type Sheets struct {
	Rows    []Row
	Missing []MissingAgency
	// Cutoff is results.recommend_cutoff (zero: not set) and Now the
	// workbook's time: before the cut-off 未推荐单位 lists those yet to send.
	Cutoff, Now time.Time
}

// AddSheets adds 推荐名单 and 未推荐单位 to f, the staff workbook: 推荐名单
// with the decision column as a drop-down (确定 / 不确定 / 特批确定) and the
// note beside it, both shaded as the cells to fill in; both sheets on
// landscape A4 with the header row repeated.
func AddSheets(f *excelize.File, s Sheets) error {
	if err := listSheet(f, s.Rows); err != nil {
		return fmt.Errorf("推荐名单: %w", err)
	}
	if err := missingSheet(f, s); err != nil {
		return fmt.Errorf("未推荐单位: %w", err)
	}
	return nil
}

func listSheet(f *excelize.File, rows []Row) error {
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetList); err != nil {
		return err
	}
	if err := header(f, SheetList, listHeaders, listWidths, st.header); err != nil {
		return err
	}
	for i, r := range rows {
		cells := listCells(r)
		if err := f.SetSheetRow(SheetList, fmt.Sprintf("A%d", i+2), &cells); err != nil {
			return err
		}
		if err := fitRow(f, SheetList, i+2, cells, listWidths); err != nil {
			return err
		}
	}
	last := len(rows) + 1
	decCol, _ := excelize.ColumnNumberToName(len(listHeaders) - 2)
	noteCol, _ := excelize.ColumnNumberToName(len(listHeaders) - 1)
	origCol, _ := excelize.ColumnNumberToName(len(listHeaders))
	if err := f.SetCellStyle(SheetList, "A2", fmt.Sprintf("%s%d", origCol, max(last, 2)), st.wrap); err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetList, decCol+"2", fmt.Sprintf("%s%d", noteCol, max(last, 2)), st.input); err != nil {
		return err
	}
	if len(rows) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", decCol, decCol, last)
		if err := dv.SetDropList([]string{LabelConfirmed, LabelNotConfirmed, LabelOverride}); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "请从下拉列表中选择", "主任办公会决定只能是“确定”“不确定”或“特批确定”（超出名额或不合格单位，须在备注中写明特批理由）。")
		dv.SetInput("主任办公会决定", "确定 / 不确定 / 特批确定；特批确定须在备注写明理由")
		if err := f.AddDataValidation(SheetList, dv); err != nil {
			return err
		}
	}
	if err := f.SetColVisible(SheetList, origCol, false); err != nil {
		return err
	}
	if err := f.AutoFilter(SheetList, fmt.Sprintf("A1:%s%d", noteCol, max(last, 2)), nil); err != nil {
		return err
	}
	return pageSetup(f, SheetList)
}

// listCells is row r's cells, in the order of listHeaders.
func listCells(r Row) []any {
	p := r.Proposal
	cells := []any{p.Ref, p.Agency, typeLabel(r.Result), string(r.Result.Grade), nil, r.Proposed, kindLabel(p.Kind),
		p.Name, p.Gender, p.Birth, p.Title, p.Years, nil, strings.Join(r.Checks, "；"), nil, nil, nil}
	if r.Result.Grade != "" {
		cells[4] = r.Result.Quota
	}
	if !p.ReceivedAt.IsZero() {
		cells[12] = p.ReceivedAt.In(cst.Location()).Format("2006-01-02 15:04")
	}
	if r.Decision != nil {
		label := verdictLabel(*r.Decision)
		cells[14], cells[15], cells[16] = label, r.Decision.Note, label
	}
	// Text typed by agencies is written as text, never as a formula:
	// SetSheetRow stores strings as shared strings.
	return cells
}

func missingSheet(f *excelize.File, s Sheets) error {
	missing := s.Missing
	open := s.Cutoff.IsZero() || s.Now.Before(s.Cutoff)
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetMissing); err != nil {
		return err
	}
	hdr := []string{"代办处", "类型", "考核等级", "名额", "情况"}
	if err := header(f, SheetMissing, hdr, missingWidths, st.header); err != nil {
		return err
	}
	for i, m := range missing {
		status := "截止时未报送推荐表（截止后不再提醒）"
		switch {
		case open && s.Cutoff.IsZero():
			status = "尚未报送推荐表"
		case open:
			status = "尚未报送推荐表（截止 " + s.Cutoff.In(cst.Location()).Format("2006-01-02 15:04") + "）"
		}
		if !m.LateAt.IsZero() {
			status = "推荐表逾期报送，收到于 " + m.LateAt.In(cst.Location()).Format("2006-01-02 15:04")
		}
		var quota any
		if m.Result.Grade != "" {
			quota = m.Result.Quota
		}
		cells := []any{m.Result.Agency, typeLabel(m.Result), string(m.Result.Grade), quota, status}
		if err := f.SetSheetRow(SheetMissing, fmt.Sprintf("A%d", i+2), &cells); err != nil {
			return err
		}
		if err := fitRow(f, SheetMissing, i+2, cells, missingWidths); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		if err := f.SetCellStyle(SheetMissing, "A2", fmt.Sprintf("E%d", len(missing)+1), st.wrap); err != nil {
			return err
		}
	}
	return pageSetup(f, SheetMissing)
}

// missingWidths are the column widths of 未推荐单位.
var missingWidths = []float64{24, 18, 10, 8, 44}

// fitRow gives row n the height its wrapped text needs: LibreOffice prints
// a row at its stored height, so without it long checks and notes are cut
// off on paper.
func fitRow(f *excelize.File, sheet string, n int, cells []any, widths []float64) error {
	lines := 1
	for i, c := range cells {
		if s, ok := c.(string); ok && i < len(widths) {
			lines = max(lines, consolidate.WrappedLines(s, widths[i]))
		}
	}
	if lines == 1 {
		return nil
	}
	return f.SetRowHeight(sheet, n, float64(lines*consolidate.LineHeight+2))
}

type styles struct{ header, wrap, input int }

// newStyles registers the sheets' styles (excelize shares equal styles).
func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	if st.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	}); err != nil {
		return st, err
	}
	if st.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return st, err
	}
	st.input, err = f.NewStyle(&excelize.Style{
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border:    []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	return st, err
}

func header(f *excelize.File, sheet string, names []string, widths []float64, style int) error {
	row := make([]any, len(names))
	for i, n := range names {
		row[i] = n
	}
	if err := f.SetSheetRow(sheet, "A1", &row); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(names))
	if err := f.SetCellStyle(sheet, "A1", last+"1", style); err != nil {
		return err
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	if err := fitRow(f, sheet, 1, row, widths); err != nil {
		return err
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// pageSetup prints the sheet on landscape A4, fitted to the page's width,
// with the header row on every page.
func pageSetup(f *excelize.File, sheet string) error {
	size, orient := 9, "landscape"
	fitW, fitH := 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: "&C" + sheet, OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$1", sheet), Scope: sheet})
}
