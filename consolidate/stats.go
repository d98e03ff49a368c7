package consolidate

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/xuri/excelize/v2"

	"kaohe/scoring"
	"kaohe/validate"
)

// statsSheet writes 统计: the distribution of verified totals with a column
// chart coloured by grade (totalsChart), the average self and verified score of each indicator, and the
// indicators most often in error. The sheet is small, so it is written
// cell by cell; every text in it comes from the form, not from submissions.
func (b *builder) statsSheet() error {
	if err := b.newSheet(SheetStats); err != nil {
		return err
	}
	// A–B the bands, C–F the grades' counts, G a gap, H–J under the chart
	// (and, below it, the criteria of the indicators most in error).
	s := statsWriter{b: b, sheet: SheetStats, widths: []float64{16, 10, 12, 12, 8, 8, 3, 30, 30, 30}}
	bands, scored, err := s.distribution()
	if err != nil {
		return err
	}
	paperRow := bands + 3
	if err := s.paper(paperRow); err != nil {
		return err
	}
	gradeRow := paperRow + 4
	if err := s.grades(gradeRow); err != nil {
		return err
	}
	top := gradeRow + len(gradeLabels) + 4
	if top < 22 {
		top = 22 // below the chart
	}
	t := tallyIndicators(b.m)
	if err := s.averages(top, t, len(scored)); err != nil {
		return err
	}
	if err := s.mostInError(top+len(b.m.indicators)+3, t.errs); err != nil {
		return err
	}
	if err := b.f.SetPanes(s.sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Its tables stand one under the other: no row is the header of every
	// page.
	return b.printSetup(s.sheet, 0, 0, printWidth(s.widths, nil))
}

// statsWriter writes the cells of 统计.
type statsWriter struct {
	b      *builder
	sheet  string
	widths []float64 // of the columns, A first
}

func (s statsWriter) set(col, row int, v any, style int) error {
	cell, _ := excelize.CoordinatesToCellName(col, row)
	if err := s.b.f.SetCellValue(s.sheet, cell, v); err != nil {
		return err
	}
	if style != 0 {
		return s.b.f.SetCellStyle(s.sheet, cell, cell, style)
	}
	return nil
}

func (s statsWriter) header(row int, col int, names ...string) error {
	for i, n := range names {
		if err := s.set(col+i, row, n, s.b.styles.header); err != nil {
			return err
		}
	}
	return nil
}

// distribution writes the count of agencies per band of 10 points of
// 核定总分, the columns' widths and the chart. It returns the number of
// bands and the scored rows.
func (s statsWriter) distribution() (bands int, scored []*row, err error) {
	m := s.b.m
	bands = int(m.form.TotalCap)/10 + 1
	counts := make([]int, bands)
	for _, r := range m.rows {
		if r.scored {
			scored = append(scored, r)
			i := min(max(int(r.verSum)/10, 0), bands-1)
			counts[i]++
		}
	}
	if err := s.header(1, 1, "核定总分分数段", "单位数"); err != nil {
		return 0, nil, err
	}
	for i := range bands {
		lo, hi := i*10, i*10+9
		label := fmt.Sprintf("%d–%d", lo, hi)
		if i == bands-1 {
			label = fmt.Sprintf("%d–%g", lo, m.form.TotalCap)
		}
		if err := s.set(1, 2+i, label, 0); err != nil {
			return 0, nil, err
		}
		if err := s.set(2, 2+i, counts[i], 0); err != nil {
			return 0, nil, err
		}
	}
	// Widths first: the chart is anchored to cells by their widths.
	for i, w := range s.widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := s.b.f.SetColWidth(s.sheet, col, col, w); err != nil {
			return 0, nil, err
		}
	}
	if err := s.b.totalsChart(s.sheet, bands, scored); err != nil {
		return 0, nil, err
	}
	return bands, scored, nil
}

// paper writes, from row on, how many roster agencies' paper forms staff
// recorded as received and how many not.
func (s statsWriter) paper(row int) error {
	sum := s.b.m.summary
	if err := s.header(row, 1, "纸质版考核表", "单位数"); err != nil {
		return err
	}
	for i, v := range []struct {
		label string
		n     int
	}{{"已收", sum.PaperReceived}, {"未收", sum.PaperMissing}} {
		if err := s.set(1, row+1+i, v.label, 0); err != nil {
			return err
		}
		if err := s.set(2, row+1+i, v.n, 0); err != nil {
			return err
		}
	}
	return nil
}

// grades writes, from row on, how many roster agencies of each type have
// each grade of the final results, and the line saying where the grades
// come from: the counts are the results', never a rule of this workbook.
func (s statsWriter) grades(row int) error {
	types := []scoring.AgencyType{scoring.District, scoring.Sector}
	if err := s.header(row, 1, "考核等级", types[0].Label(), types[1].Label()); err != nil {
		return err
	}
	for i, g := range gradeLabels {
		if err := s.set(1, row+1+i, g, 0); err != nil {
			return err
		}
		for c, t := range types {
			n := 0
			for _, r := range s.b.m.rows {
				if r.grade == g && (r.typ == scoring.District) == (t == scoring.District) {
					n++
				}
			}
			if err := s.set(2+c, row+1+i, n, 0); err != nil {
				return err
			}
		}
	}
	return s.set(1, row+1+len(gradeLabels), s.b.m.in.Grades.Basis(), 0)
}

// indicatorTally is, per indicator of the model, the sums of the scored
// rows' self and verified scores and the count of errors found in it.
type indicatorTally struct {
	selfSum, verSum []float64
	errs            []int
}

func tallyIndicators(m *model) indicatorTally {
	n := len(m.indicators)
	t := indicatorTally{selfSum: make([]float64, n), verSum: make([]float64, n), errs: make([]int, n)}
	for _, r := range m.rows {
		if r.report != nil {
			for _, fd := range r.report.Findings {
				if fd.Severity == validate.SeverityError && fd.Indicator != "" {
					if i, ok := m.index[fd.Indicator]; ok {
						t.errs[i]++
					}
				}
			}
		}
		if !r.scored {
			continue
		}
		for i := range n {
			if v := r.self[i]; v != nil {
				t.selfSum[i] += *v
			}
			t.verSum[i] += r.verified[i]
		}
	}
	return t
}

// averages writes, from row top, each indicator's average self and
// verified score over the scored rows and its count of errors.
func (s statsWriter) averages(top int, t indicatorTally, scored int) error {
	if err := s.header(top, 1, "指标", "标准分", "平均自评分", "平均核定分", "错误数"); err != nil {
		return err
	}
	for i, ind := range s.b.m.indicators {
		row := top + 1 + i
		vals := []any{ind.ID, ind.Cap, nil, nil, t.errs[i]}
		if scored > 0 {
			vals[2] = round2(t.selfSum[i] / float64(scored))
			vals[3] = round2(t.verSum[i] / float64(scored))
		}
		for c, v := range vals {
			st := 0
			if c == 2 || c == 3 {
				st = s.b.styles.num2
			}
			if err := s.set(1+c, row, v, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// mostInError writes, from row on, the indicators most often in error,
// most first: the criteria span the columns to the right edge and wrap.
func (s statsWriter) mostInError(row int, errs []int) error {
	f, m := s.b.f, s.b.m
	order := make([]int, len(errs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, c int) bool { return errs[order[a]] > errs[order[c]] })
	if err := s.header(row, 1, "错误最多的指标", "错误数", "考核标准"); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(s.widths))
	if err := f.MergeCell(s.sheet, "C"+strconv.Itoa(row), last+strconv.Itoa(row)); err != nil {
		return err
	}
	span := 0.0
	for _, w := range s.widths[2:] {
		span += w
	}
	for _, i := range order {
		if errs[i] == 0 {
			break
		}
		row++
		ind := m.indicators[i]
		for c, v := range []any{ind.ID, errs[i], ind.Criteria} {
			st := s.b.styles.top
			if c == 2 {
				st = s.b.styles.wrap
			}
			if err := s.set(1+c, row, v, st); err != nil {
				return err
			}
		}
		if err := f.MergeCell(s.sheet, "C"+strconv.Itoa(row), last+strconv.Itoa(row)); err != nil {
			return err
		}
		if lines := wrappedLines(ind.Criteria, span); lines > 1 {
			if err := f.SetRowHeight(s.sheet, row, float64(lines*lineHeight+2)); err != nil {
				return err
			}
		}
	}
	return nil
}
