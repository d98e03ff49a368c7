package consolidate

import (
	"math"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// deptColumns are the columns of a department sheet that are read,
// 0-based; -1: missing.
type deptColumns struct{ agency, indicator, score, comment, origScore, origComment int }

// department reads the reviews of one department sheet. A sheet removed by
// staff has nothing to import.
func (im *reviewImport) department(f *excelize.File, dept string) {
	var cols deptColumns
	err := eachRow(f, dept, func(i int, row []string) error {
		if i == 0 {
			hdr := headerIndex(row)
			cols = deptColumns{agency: hdr[colAgency], indicator: hdr[colIndicator], score: hdr[colReview], comment: hdr[colComment],
				origScore: hdr[colOrigReview], origComment: hdr[colOrigComment]}
			if cols.agency < 0 || cols.indicator < 0 || cols.score < 0 || cols.comment < 0 {
				return errMissingColumns
			}
			return nil
		}
		im.reviewRow(dept, cols, i, row)
		return nil
	})
	im.errs = append(im.errs, pageErrors(dept, "“考核单位”“指标”“审核分”或“审核意见”", err)...)
}

// reviewRow reads row i of a department sheet: a review, a review cleared,
// or a refusal.
func (im *reviewImport) reviewRow(dept string, c deptColumns, i int, row []string) {
	agency := strings.TrimSpace(cellAt(row, c.agency))
	indID := strings.TrimSpace(cellAt(row, c.indicator))
	rawScore := strings.TrimSpace(cellAt(row, c.score))
	comment := strings.TrimSpace(cellAt(row, c.comment))
	origScore := strings.TrimSpace(cellAt(row, c.origScore))
	origComment := strings.TrimSpace(cellAt(row, c.origComment))
	scoreCell, _ := excelize.CoordinatesToCellName(c.score+1, i+1)
	if agency == "" && indID == "" && rawScore == "" && comment == "" {
		return
	}
	where := dept + "!" + scoreCell
	if rawScore == "" && comment == "" {
		// Only a review of the season's agencies can exist to be cleared.
		if (origScore != "" || origComment != "") && im.opts.Agencies[agency] {
			im.out.Cleared = append(im.out.Cleared, Review{Agency: agency, Indicator: indID, Source: where, At: im.opts.Now})
		}
		return
	}
	ind, ok := im.reviewable(dept, c, i, agency, indID)
	if !ok {
		return
	}
	rv := Review{Agency: agency, Indicator: indID, Comment: comment, Source: where, At: im.opts.Now}
	if rawScore != "" {
		v, ok := im.score(dept, scoreCell, rawScore, ind)
		if !ok {
			return
		}
		rv.Score = &v
	}
	changed := rawScore != origScore || comment != origComment
	if o, _ := parseScore(origScore); rawScore != "" && origScore != "" && rv.Score != nil && math.Abs(o-*rv.Score) < 1e-9 {
		changed = comment != origComment
	}
	im.keep(reviewKey(agency, indID), seenReview{review: rv, changed: changed, where: where}, dept, scoreCell)
}

// reviewable is the indicator of row i when its agency and indicator may
// be reviewed on this sheet; otherwise the row is refused.
func (im *reviewImport) reviewable(dept string, c deptColumns, i int, agency, indID string) (templates.Indicator, bool) {
	if !im.opts.Agencies[agency] {
		cell, _ := excelize.CoordinatesToCellName(c.agency+1, i+1)
		im.fail(dept, cell, notOfSeason, agency, "审核分")
		return templates.Indicator{}, false
	}
	if !im.onSummary[agency] {
		cell, _ := excelize.CoordinatesToCellName(c.agency+1, i+1)
		im.fail(dept, cell, "考核单位“%s”不在汇总表中，该行审核分未导入", agency)
		return templates.Indicator{}, false
	}
	ind, ok := im.opts.Form.Indicator(indID)
	if !ok || !slices.Contains(ind.Departments, dept) {
		cell, _ := excelize.CoordinatesToCellName(c.indicator+1, i+1)
		im.fail(dept, cell, "指标“%s”不是本部门考核的指标，该行审核分未导入", indID)
		return templates.Indicator{}, false
	}
	return ind, true
}

// score reads a review's score, refusing one the indicator cannot give.
func (im *reviewImport) score(dept, cell, raw string, ind templates.Indicator) (float64, bool) {
	v, ok := parseScore(raw)
	switch {
	case !ok:
		im.fail(dept, cell, "审核分“%s”不是数字，请填写数字或留空", raw)
		return 0, false
	case v < 0:
		im.fail(dept, cell, "审核分 %s 不能为负数", fmtScore(v))
		return 0, false
	case v > ind.Cap+1e-9:
		im.fail(dept, cell, "审核分 %s 超过标准分 %s", fmtScore(v), fmtScore(ind.Cap))
		return 0, false
	case !ind.Allows(v):
		im.fail(dept, cell, "审核分 %s 不是指标 %s 可得的分值（可得：%s）", fmtScore(v), ind.ID, allowedList(ind))
		return 0, false
	}
	return v, true
}

// keep records a row's review. The same agency and indicator on two sheets
// must agree, unless only one of them was changed: that one is kept.
func (im *reviewImport) keep(key string, r seenReview, dept, scoreCell string) {
	prev := im.seen[key]
	switch {
	case prev == nil:
		im.seen[key] = &r
		im.order = append(im.order, key)
	case sameReview(prev.review, r.review):
	case prev.changed && r.changed:
		im.fail(dept, scoreCell, "与 %s 对同一单位同一指标的审核不一致，请统一后再导入", prev.where)
	case r.changed:
		*prev = r
	}
}
