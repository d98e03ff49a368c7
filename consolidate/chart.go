package consolidate

import (
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"
)

// Colours of the 统计 chart: each grade its own, best first, and 不合格
// always red. Axis text is near-black, not the theme's pale grey, so that
// it reads on paper.
var (
	gradeColours   = []string{"548235", "2F5597", "808080"} // 优秀 green, 良好 blue, 合格 grey
	failColour     = "C00000"
	ungradedColour = "D9D9D9"
	chartText      = "262626"
)

// gradeLabels are the grades of the notice, best first.
var gradeLabels = []string{"优秀", "良好", "合格", failLabel}

// ungradedLabel counts the scored agencies the results gave no grade.
const ungradedLabel = "未定级"

// totalsChart writes, right of the distribution of 核定总分 in rows
// 2..nbands+1, how many agencies of each band have each grade of the final
// results (Input.Grades), and over it a stacked column chart: one series
// per grade, coloured by grade, with a legend. The columns it writes start
// at column 3.
func (b *builder) totalsChart(sheet string, nbands int, scored []*row) error {
	f, m := b.f, b.m
	labels := slices.Clone(gradeLabels)
	for _, r := range scored {
		if !slices.Contains(gradeLabels, r.grade) {
			labels = append(labels, ungradedLabel)
			break
		}
	}
	counts := make([][]int, len(labels))
	for i := range counts {
		counts[i] = make([]int, nbands)
	}
	for _, r := range scored {
		band := min(max(int(r.verSum)/10, 0), nbands-1)
		i := slices.Index(labels, r.grade)
		if i < 0 {
			i = slices.Index(labels, ungradedLabel)
		}
		counts[i][band]++
	}

	most := 0
	for band := range nbands {
		n := 0
		for i := range counts {
			n += counts[i][band]
		}
		most = max(most, n)
	}

	var series []excelize.ChartSeries
	for i, label := range labels {
		col, _ := excelize.ColumnNumberToName(3 + i)
		if err := f.SetCellValue(sheet, col+"1", label); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, col+"1", col+"1", b.styles.header); err != nil {
			return err
		}
		for band, n := range counts[i] {
			if err := f.SetCellValue(sheet, fmt.Sprintf("%s%d", col, 2+band), n); err != nil {
				return err
			}
		}
		colour := ungradedColour
		switch {
		case i < len(gradeColours):
			colour = gradeColours[i]
		case label == failLabel:
			colour = failColour
		}
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$1", sheet, col),
			Categories: fmt.Sprintf("'%s'!$A$2:$A$%d", sheet, nbands+1),
			Values:     fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, col, col, nbands+1),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}},
		})
	}

	text := excelize.Font{Color: chartText, Size: 10}
	xTitle := "核定总分（分）　" + m.in.Grades.Basis()
	zero := 0.0
	gap := uint(40)
	vary := false
	anchor, _ := excelize.ColumnNumberToName(3 + len(labels) + 1)
	err := f.AddChart(sheet, anchor+"1", &excelize.Chart{
		Type:       excelize.ColStacked,
		Series:     series,
		VaryColors: &vary,
		GapWidth:   &gap,
		Title: excelize.ChartTitle{
			Paragraph: []excelize.RichTextRun{{Text: "核定总分分布（颜色为各单位的考核等级）",
				Font: &excelize.Font{Color: chartText, Size: 12, Bold: true}}},
		},
		Legend: excelize.ChartLegend{Position: "bottom", Font: &text},
		XAxis: excelize.ChartAxis{Font: text,
			Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: xTitle, Font: &text}}}},
		YAxis: excelize.ChartAxis{Font: text, MajorGridLines: true, MajorUnit: countStep(most), Minimum: &zero,
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0"},
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "单位数（家）", Font: &text}}}},
		Format: excelize.GraphicOptions{ScaleX: 1.4, ScaleY: 1.2},
	})
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return nil
}

// countStep is the step of a count axis up to most: whole agencies, at
// most ten gridlines (1, 2, 5, 10, 20, 50, …).
func countStep(most int) float64 {
	for step := 1; ; step *= 10 {
		for _, m := range []int{1, 2, 5} {
			if most <= 10*step*m {
				return float64(step * m)
			}
		}
	}
}
