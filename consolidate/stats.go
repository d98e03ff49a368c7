package consolidate

import (
	"fmt"
	"sort"

	"github.com/xuri/excelize/v2"

	"kaohe/validate"
)

// statsSheet writes 统计: the distribution of verified totals with a column
// chart coloured by grade (totalsChart), the average self and verified score of each indicator, and the
// indicators most often in error. The sheet is small, so it is written
// cell by cell; every text in it comes from the form, not from submissions.
func (b *builder) statsSheet() error {
	f, m, sheet := b.f, b.m, SheetStats
	if err := b.newSheet(sheet); err != nil {
		return err
	}
	set := func(col, row int, v any, style int) error {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(sheet, cell, cell, style)
		}
		return nil
	}
	header := func(row int, col int, names ...string) error {
		for i, n := range names {
			if err := set(col+i, row, n, b.styles.header); err != nil {
				return err
			}
		}
		return nil
	}

	// Distribution of 核定总分 in bands of 10 points.
	bands := int(m.form.TotalCap)/10 + 1
	counts := make([]int, bands)
	var scored []*row
	for _, r := range m.rows {
		if r.scored {
			scored = append(scored, r)
			i := min(max(int(r.verSum)/10, 0), bands-1)
			counts[i]++
		}
	}
	if err := header(1, 1, "核定总分分数段", "单位数"); err != nil {
		return err
	}
	for i := range bands {
		lo, hi := i*10, i*10+9
		label := fmt.Sprintf("%d–%d", lo, hi)
		if i == bands-1 {
			label = fmt.Sprintf("%d–%g", lo, m.form.TotalCap)
		}
		if err := set(1, 2+i, label, 0); err != nil {
			return err
		}
		if err := set(2, 2+i, counts[i], 0); err != nil {
			return err
		}
	}
	if err := b.totalsChart(sheet, bands, scored); err != nil {
		return err
	}

	// Averages and error counts per indicator.
	n := len(m.indicators)
	selfSum, verSum := make([]float64, n), make([]float64, n)
	errs := make([]int, n)
	for _, r := range m.rows {
		if r.report != nil {
			for _, fd := range r.report.Findings {
				if fd.Severity == validate.SeverityError && fd.Indicator != "" {
					if i, ok := m.index[fd.Indicator]; ok {
						errs[i]++
					}
				}
			}
		}
		if !r.scored {
			continue
		}
		for i := range n {
			if v := r.self[i]; v != nil {
				selfSum[i] += *v
			}
			verSum[i] += r.verified[i]
		}
	}
	top := bands + 3
	if top < 22 {
		top = 22 // below the chart
	}
	if err := header(top, 1, "指标", "标准分", "平均自评分", "平均核定分", "错误数"); err != nil {
		return err
	}
	for i, ind := range m.indicators {
		row := top + 1 + i
		vals := []any{ind.ID, ind.Cap, nil, nil, errs[i]}
		if len(scored) > 0 {
			vals[2] = round2(selfSum[i] / float64(len(scored)))
			vals[3] = round2(verSum[i] / float64(len(scored)))
		}
		for c, v := range vals {
			st := 0
			if c == 2 || c == 3 {
				st = b.styles.num2
			}
			if err := set(1+c, row, v, st); err != nil {
				return err
			}
		}
	}

	// Indicators most often in error, most first.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, c int) bool { return errs[order[a]] > errs[order[c]] })
	if err := header(top, 7, "错误最多的指标", "错误数", "考核标准"); err != nil {
		return err
	}
	row := top + 1
	for _, i := range order {
		if errs[i] == 0 {
			break
		}
		ind := m.indicators[i]
		for c, v := range []any{ind.ID, errs[i], shorten(ind.Criteria, 40)} {
			if err := set(7+c, row, v, 0); err != nil {
				return err
			}
		}
		row++
	}
	for col, w := range map[string]float64{"A": 16, "B": 10, "C": 12, "D": 12, "E": 8, "G": 14, "H": 8, "I": 80} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return b.printSetup(sheet, 1)
}
