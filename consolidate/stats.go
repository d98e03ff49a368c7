package consolidate

import (
	"fmt"
	"sort"
	"strconv"

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
	// Widths first: the chart is anchored to cells by their widths. A–B
	// the bands, C–F the grades' counts, G a gap, H–J under the chart
	// (and, below it, the criteria of the indicators most in error).
	widths := []float64{16, 10, 12, 12, 8, 8, 3, 30, 30, 30}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
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

	// Indicators most often in error, most first, under the averages: the
	// criteria span the columns to the right edge and wrap.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, c int) bool { return errs[order[a]] > errs[order[c]] })
	row := top + n + 3
	if err := header(row, 1, "错误最多的指标", "错误数", "考核标准"); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(widths))
	if err := f.MergeCell(sheet, "C"+strconv.Itoa(row), last+strconv.Itoa(row)); err != nil {
		return err
	}
	span := 0.0
	for _, w := range widths[2:] {
		span += w
	}
	for _, i := range order {
		if errs[i] == 0 {
			break
		}
		row++
		ind := m.indicators[i]
		for c, v := range []any{ind.ID, errs[i], ind.Criteria} {
			st := b.styles.top
			if c == 2 {
				st = b.styles.wrap
			}
			if err := set(1+c, row, v, st); err != nil {
				return err
			}
		}
		if err := f.MergeCell(sheet, "C"+strconv.Itoa(row), last+strconv.Itoa(row)); err != nil {
			return err
		}
		if lines := wrappedLines(ind.Criteria, span); lines > 1 {
			if err := f.SetRowHeight(sheet, row, float64(lines*lineHeight+2)); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Its tables stand one under the other: no row is the header of every
	// page.
	return b.printSetup(sheet, 0, 0, printWidth(widths, nil))
}
