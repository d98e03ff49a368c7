package reclist

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"kaohe/consolidate"
	"kaohe/store"
)

// ImportOptions say what an edited 推荐名单 is checked against.
type ImportOptions struct {
	// Proposals are the season's current proposals: only a row whose 编号
	// is one of them, with the same agency and name, is taken. A row added
	// by hand, or one of a 推荐表 the agency has since replaced, is
	// refused when it carries a decision.
	Proposals []Proposal
	// Results are the agencies' results (approved, or as computed): the
	// quota and eligibility the decisions are checked against.
	Results   map[string]store.FinalResult
	DecidedBy string    // who imports, for the record
	Source    string    // the file's name, prefixed to each decision's cell
	Now       time.Time // the decisions' time
}

// Import is what an edited 推荐名单 decides.
type Import struct {
	// Decisions are every row with a decision, changed or not.
	Decisions []store.Decision
	// Cleared are the proposals whose decision was exported and has been
	// blanked.
	Cleared []store.DecisionKey
}

// The rules a decision must meet, said once for the import and the docs.
//
//   - 确定 and 不确定 are the office's decisions; 特批确定 confirms a proposal
//     the rules would not let through (persons beyond the agency's quota, a
//     不合格 agency as 优秀单位) and needs its reason in 备注.
//   - Plain 确定 persons of an agency may number at most its quota; beyond
//     it every 确定 of that agency is refused until the office chooses whom
//     to confirm within the quota and marks the rest 不确定 or 特批确定.
//   - A 不合格 agency confirmed as 优秀单位 needs 特批确定.
//   - The same person (姓名 and 出生年月) is confirmed once at most.
//
// ImportSheet reads 推荐名单 of f. It returns every decision and the
// refused cells; the caller saves nothing when any cell is refused.
func ImportSheet(f *excelize.File, opts ImportOptions) (Import, []consolidate.ImportError) {
	im := &importer{opts: opts, byRef: map[string]Proposal{}}
	for _, p := range opts.Proposals {
		im.byRef[p.Ref] = p
	}
	if err := im.read(f); err != nil {
		return Import{}, []consolidate.ImportError{*err}
	}
	im.checkQuota()
	im.checkTwice()
	if len(im.errs) > 0 {
		sort.SliceStable(im.errs, func(i, j int) bool { return cellOrder(im.errs[i].Cell) < cellOrder(im.errs[j].Cell) })
		return Import{}, im.errs
	}
	out := Import{Cleared: im.cleared}
	for _, r := range im.rows {
		out.Decisions = append(out.Decisions, r.decision)
	}
	return out, nil
}

type importer struct {
	opts    ImportOptions
	byRef   map[string]Proposal
	cols    map[string]int
	rows    []decidedRow
	cleared []store.DecisionKey
	errs    []consolidate.ImportError
	seen    map[string]string // 编号 → the cell it was first read in
}

// decidedRow is a row with a decision, and where its decision cell is.
type decidedRow struct {
	p        Proposal
	decision store.Decision
	cell     string
}

var errNoColumns = errors.New("missing columns")

func (im *importer) fail(cell, format string, args ...any) {
	im.errs = append(im.errs, consolidate.ImportError{Sheet: SheetList, Cell: cell,
		Message: SheetList + "!" + cell + "：" + fmt.Sprintf(format, args...)})
}

// read reads every row; a sheet that cannot be read at all is one error.
func (im *importer) read(f *excelize.File) *consolidate.ImportError {
	if idx, err := f.GetSheetIndex(SheetList); err != nil || idx < 0 {
		return &consolidate.ImportError{Sheet: SheetList, Message: "找不到“推荐名单”工作表，无法导入。请使用本系统导出的汇总表。"}
	}
	rows, err := f.Rows(SheetList)
	if err != nil {
		return &consolidate.ImportError{Sheet: SheetList, Message: "“推荐名单”工作表无法读取：" + err.Error()}
	}
	defer rows.Close()
	im.seen = map[string]string{}
	for i := 0; rows.Next(); i++ {
		row, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return &consolidate.ImportError{Sheet: SheetList, Message: "“推荐名单”工作表无法读取：" + err.Error()}
		}
		if i == 0 {
			if err := im.header(row); err != nil {
				return &consolidate.ImportError{Sheet: SheetList, Message: "“推荐名单”工作表缺少“编号”“代办处”“姓名”“主任办公会决定”或“备注（告知代办处）”列，无法导入。请使用本系统导出的工作簿，不要删改表头。"}
			}
			continue
		}
		im.row(i+1, row)
	}
	if err := rows.Error(); err != nil {
		return &consolidate.ImportError{Sheet: SheetList, Message: "“推荐名单”工作表无法读取：" + err.Error()}
	}
	return nil
}

func (im *importer) header(row []string) error {
	im.cols = map[string]int{}
	for i, v := range row {
		v = strings.TrimSpace(v)
		if _, dup := im.cols[v]; !dup {
			im.cols[v] = i
		}
	}
	for _, c := range []string{colID, colAgency, colName, colDecision, colNote} {
		if _, ok := im.cols[c]; !ok {
			return errNoColumns
		}
	}
	return nil
}

func (im *importer) cell(row []string, col string) string {
	i, ok := im.cols[col]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func (im *importer) cellName(col string, rowNum int) string {
	name, _ := excelize.CoordinatesToCellName(im.cols[col]+1, rowNum)
	return name
}

// row reads the sheet's row rowNum (1-based).
func (im *importer) row(rowNum int, row []string) {
	label := norm.NFKC.String(im.cell(row, colDecision))
	note := im.cell(row, colNote)
	orig := im.cell(row, colOrig)
	rawID := im.cell(row, colID)
	decCell := im.cellName(colDecision, rowNum)
	if rawID == "" && im.cell(row, colAgency) == "" && im.cell(row, colName) == "" {
		if label != "" || note != "" {
			im.fail(decCell, "这一行没有编号、代办处和姓名，不是本系统导出的推荐，决定未导入。请不要在推荐名单中自行添加行")
		}
		return
	}
	ref := norm.NFKC.String(rawID)
	p, known := im.byRef[ref]
	if !known {
		if label != "" {
			im.fail(im.cellName(colID, rowNum), "编号“%s”不是本届现有的推荐（可能是自行添加的行，或该代办处之后重新报送了推荐表），该行的决定未导入。请在最新的汇总表上填写", rawID)
		}
		return
	}
	if first, dup := im.seen[ref]; dup {
		im.fail(im.cellName(colID, rowNum), "编号 %s 在 %s 已出现过，同一推荐只能有一行", ref, first)
		return
	}
	im.seen[ref] = im.cellName(colID, rowNum)
	if im.cell(row, colAgency) != p.Agency || im.cell(row, colName) != p.Name {
		im.fail(im.cellName(colID, rowNum), "编号 %s 应是“%s”，但该行的代办处或姓名被改过，决定未导入。请不要修改编号、代办处和姓名", ref, p.Label())
		return
	}
	d := store.Decision{Agency: p.Agency, Kind: p.Kind, Name: p.Name, Birth: p.Birth, Note: note,
		DecidedBy: im.opts.DecidedBy, Source: strings.TrimSpace(im.opts.Source + " " + SheetList + "!" + decCell), At: im.opts.Now}
	if p.Kind == store.KindUnit {
		d.Name, d.Birth = "", ""
	}
	switch label {
	case "":
		if note != "" {
			im.fail(decCell, "“%s”写了备注但没有选择决定，请选择“确定”“不确定”或“特批确定”", p.Label())
		} else if orig != "" {
			im.cleared = append(im.cleared, p.Key())
		}
		return
	case LabelConfirmed:
		d.Verdict = store.Confirmed
	case LabelNotConfirmed:
		d.Verdict = store.NotConfirmed
	case LabelOverride:
		d.Verdict, d.Override = store.Confirmed, true
		if note == "" {
			im.fail(decCell, "“%s”选了“特批确定”，请在备注中写明主任办公会特批的理由", p.Label())
			return
		}
	default:
		im.fail(decCell, "“%s”的决定填写了“%s”，请从下拉列表中选择“确定”“不确定”或“特批确定”", p.Label(), label)
		return
	}
	if d.Verdict == store.Confirmed && !d.Override && p.Kind == store.KindUnit {
		if a, ok := im.opts.Results[p.Agency]; !ok || !Eligible(a) {
			im.fail(decCell, "%s考核%s，不能直接确定为优秀单位。如主任办公会特批，请改选“特批确定”并在备注中写明理由；否则请选“不确定”", p.Agency, gradeWord(a, ok))
			return
		}
	}
	im.rows = append(im.rows, decidedRow{p: p, decision: d, cell: decCell})
}

func gradeWord(a store.FinalResult, ok bool) string {
	if !ok {
		return "没有结果"
	}
	return "为" + string(a.Grade)
}

// checkQuota refuses the plain 确定 of every agency that confirms more
// persons than its quota: which of them stay within the quota is the
// office's choice, not the import's.
func (im *importer) checkQuota() {
	plain := map[string][]decidedRow{}
	for _, r := range im.rows {
		if r.p.Kind == store.KindPerson && r.decision.Verdict == store.Confirmed && !r.decision.Override {
			plain[r.p.Agency] = append(plain[r.p.Agency], r)
		}
	}
	for agency, rs := range plain {
		a, ok := im.opts.Results[agency]
		quota := a.Quota
		if ok && len(rs) <= quota {
			continue
		}
		for _, r := range rs {
			if !ok {
				im.fail(r.cell, "%s没有考核结果，没有优秀个人名额，“%s”不能直接确定。如主任办公会特批，请改选“特批确定”并在备注中写明理由", agency, r.p.Name)
				continue
			}
			im.fail(r.cell, "%s的优秀个人名额为 %d 人，选“确定”的有 %d 人。请只对名额内的人选“确定”，其余选“不确定”；超出名额确需确定的，改选“特批确定”并在备注中写明理由", agency, quota, len(rs))
		}
	}
}

// checkTwice refuses a person confirmed under two agencies.
func (im *importer) checkTwice() {
	first := map[string]decidedRow{}
	for _, r := range im.rows {
		if r.p.Kind != store.KindPerson || r.decision.Verdict != store.Confirmed {
			continue
		}
		k := personID(r.p.Name, r.p.Birth)
		if k == "" {
			continue
		}
		if f, dup := first[k]; dup {
			im.fail(r.cell, "%s（出生年月 %s）已在 %s 由%s的推荐确定，同一人只能确定一次，请把其中一行改为“不确定”", r.p.Name, r.p.Birth, f.cell, f.p.Agency)
			continue
		}
		first[k] = r
	}
}

// cellOrder sorts refused cells by row, then column.
func cellOrder(cell string) int {
	c, r, err := excelize.CellNameToCoordinates(cell)
	if err != nil {
		return 0
	}
	return r<<14 | c
}
