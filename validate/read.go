package validate

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// DefaultMaxPartSize bounds one XML part of the package (a worksheet, the
// shared strings, the styles) when Options.MaxPartSize is zero. A filled
// form's sheet is well under 1 MB.
const DefaultMaxPartSize = 10 << 20

// limits are the effective size bounds of one Read.
type limits struct{ file, unzip, part int64 }

func (o Options) limits() limits {
	l := limits{file: o.MaxFileSize, unzip: o.MaxUnzipSize, part: o.MaxPartSize}
	if l.file <= 0 {
		l.file = DefaultMaxFileSize
	}
	if l.unzip <= 0 {
		l.unzip = DefaultMaxUnzipSize
	}
	if l.part <= 0 {
		l.part = DefaultMaxPartSize
	}
	l.part = min(l.part, l.unzip)
	return l
}

// Read reads a filled 考核表 from the bytes of an .xlsx workbook. It finds
// the sheet holding the form, locates the 自评分/标准分 headers, every
// indicator's row by its criteria text and every field by its label, and
// checks what it read against opts.Form.
//
// The submission is nil exactly when a file-level finding (Code.FileLevel)
// says no form could be read; the findings then hold that one finding.
// Otherwise every field and indicator of the form has an entry in the
// submission, with an empty Cell when it could not be located. Read never
// panics: an internal failure is reported as unreadable_file.
func Read(data []byte, opts Options) (sub *Submission, findings []Finding) {
	defer func() {
		if p := recover(); p != nil {
			sub = nil
			findings = []Finding{NewFinding(CodeUnreadableFile, panicMessage)}
		}
	}()
	if opts.Form == nil {
		return nil, []Finding{NewFinding(CodeUnreadableFile, "系统未配置考核表模板，无法检查（请联系办事处）。")}
	}
	lim := opts.limits()
	zr, f := sniff(data, lim, opts.Filename)
	if f != nil {
		return nil, []Finding{*f}
	}
	plan, f := planSheets(zr, opts.Form, lim, attachmentName(opts.Filename))
	if f != nil {
		return nil, []Finding{*f}
	}
	sl, ok := slim(data, plan.stub)
	if !ok && plan.mustSlim {
		// The parts that were to be left out would be inflated after all.
		return nil, []Finding{NewFinding(CodeUnreadableFile, "附件中有过大的工作表，且文件结构异常，无法处理。请只保留考核表工作表，保存为 .xlsx 后再发送。")}
	}
	xf, err := excelize.OpenReader(bytes.NewReader(sl.data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.unzip,
		UnzipXMLSizeLimit: lim.unzip, // parts never spill to temp files; sniff bounded them
		MaxCalcIterations: 100,
	})
	if err != nil {
		return nil, []Finding{openError(err)}
	}
	defer xf.Close()
	r := &reader{f: xf, form: opts.Form, opts: opts, calcBudget: maxCalcs, setAsideStyles: sl.styles, unread: plan.unread}
	if props, err := xf.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	return r.run()
}

// openError turns an excelize open error into a finding.
func openError(err error) Finding {
	switch {
	case errors.Is(err, excelize.ErrWorkbookPassword):
		return NewFinding(CodeEncryptedFile, "附件设置了打开密码，系统无法读取。请删除打开密码，保存为 .xlsx 后再发送。")
	case strings.Contains(err.Error(), "size exceeds"):
		return NewFinding(CodeUnreadableFile, "附件解压后过大，无法处理。请只发送考核表本身，保存为 .xlsx 后再发送。")
	}
	return NewFinding(CodeUnreadableFile, "附件已损坏，无法读取。请用 Excel 或 WPS 打开考核表，另存为 .xlsx 后再发送。")
}

// panicMessage is the finding of a workbook that made the reader panic (a
// bug to fix with the file at hand; the tests and the fuzzer look for it).
const panicMessage = "附件无法读取（文件结构异常）。请用 Excel 或 WPS 打开考核表，另存为新的 .xlsx 文件后再发送。"

// maxCalcs bounds how many formulas without a cached value are evaluated.
const maxCalcs = 250

// reader holds the state of one Read.
type reader struct {
	f          *excelize.File
	form       *templates.Form
	opts       Options
	date1904   bool
	calcBudget int
	// setAsideStyles is the styles part slim kept out of excelize's open,
	// until a cell's number format is needed.
	setAsideStyles *zip.File
	// unread names the sheets left out unread (large, without the form's
	// title or headers at their start).
	unread map[string]bool
	// hasFormulas is false when the sheet's XML has no formula at all, so
	// empty cells need no look-up of a formula without cached value.
	hasFormulas bool
	// sheetXML is the form's sheet as excelize holds it (nil when not
	// found); cells, indexed from it when first needed, holds the types
	// and formulas of its cells when cellsKnown; excelize is asked
	// otherwise.
	sheetXML    []byte
	cells       cellIndex
	cellsKnown  bool
	cellsLooked bool

	g        *grid
	hdr      header
	labels   labelSet
	pictures []pos
	sub      *Submission
	findings []Finding
}

func (r *reader) run() (*Submission, []Finding) {
	inds := r.form.Indicators()
	best, fail := r.chooseSheet(inds)
	if fail != nil {
		return nil, []Finding{*fail}
	}
	bestRows := best.rows
	r.g, r.hdr = best.g, best.hdr
	x := sheetXML(r.f, r.g.sheet)
	r.hasFormulas = x == nil || bytes.Contains(x, []byte("<f")) || bytes.Contains(x, []byte(":f>")) || bytes.Contains(x, []byte(":f "))
	r.sheetXML = x
	if err := r.g.loadMerges(r.f, x); err != nil {
		return nil, []Finding{openError(err)}
	}
	r.hdr.selfSpan = r.g.extent(pos{r.hdr.row, r.hdr.self})
	if mayHavePictures(r.f, x) {
		if cells, err := r.f.GetPictureCells(r.g.sheet); err == nil {
			for _, name := range cells {
				if c, row, err := excelize.CellNameToCoordinates(name); err == nil {
					r.pictures = append(r.pictures, pos{row - 1, c - 1})
				}
			}
		}
	}
	r.labels = formLabels(r.form)
	r.sub = &Submission{
		Year:       r.form.Year,
		Sheet:      r.g.sheet,
		Fields:     make(map[string]FieldValue, len(r.form.Fields)),
		Scores:     make(map[string]ScoreCell, len(inds)),
		SelfColumn: colName(r.hdr.self),
		// The grid holds the sheet up to its bounds; a sheet that reaches
		// them is not vouched for.
		RightOfSelfFree: r.g.columnEmpty(r.hdr.self+1) && len(r.g.rows) < maxGridRows,
		HeaderRow:       r.hdr.row + 1,
	}
	if r.hdr.cap >= 0 {
		r.sub.CapColumn = colName(r.hdr.cap)
	}
	firstInd := len(r.g.rows)
	for _, p := range bestRows {
		firstInd = min(firstInd, p.r)
	}
	r.readScores(inds, bestRows)
	r.readTotal()
	r.readFields(firstInd)
	r.checkFields()
	if best.others != nil {
		r.findings = append(r.findings, *best.others)
	}
	return r.sub, r.findings
}

// indexed reports whether the cell index can be used, building it once.
func (r *reader) indexed() bool {
	if !r.cellsLooked {
		r.cellsLooked = true
		r.cells, r.cellsKnown = indexCells(r.sheetXML)
	}
	return r.cellsKnown
}

// colName is the column letters of a 0-based column.
func colName(c int) string {
	n, err := excelize.ColumnNumberToName(c + 1)
	if err != nil {
		return ""
	}
	return n
}

// add appends a finding located on the form's sheet.
func (r *reader) add(code Code, cell, indicator, field, msg string) {
	f := NewFinding(code, msg)
	f.Sheet, f.Cell, f.Indicator, f.Field = r.g.sheet, cell, indicator, field
	r.findings = append(r.findings, f)
}

// value returns a cell's stored text; a formula with no cached value is
// evaluated (a bounded number of times) so tools that never compute
// formulas still read.
func (r *reader) value(p pos) string {
	v := r.g.raw(p)
	if v != "" || r.calcBudget <= 0 || !r.hasFormulas {
		return v
	}
	if s, ok := r.g.cover[p]; ok {
		p = pos{s.r1, s.c1}
	}
	name := p.name()
	var formula string
	if r.indexed() {
		rc := r.cells[name]
		if !rc.hasF {
			return ""
		}
		formula = rc.formula
		if v, ok := r.quickFormula(formula); ok {
			r.calcBudget--
			return v
		}
	}
	if formula == "" {
		var err error
		if formula, err = r.f.GetCellFormula(r.g.sheet, name); err != nil || formula == "" {
			return ""
		}
	}
	if !safeFormula(formula) {
		return ""
	}
	r.calcBudget--
	out, err := r.f.CalcCellValue(r.g.sheet, name, excelize.Options{RawCellValue: true, MaxCalcIterations: 100})
	if err != nil && out == "" {
		if e := formulaError(err.Error()); e != "" {
			return e
		}
		return ""
	}
	return out
}
