package consolidate

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// chartXML is the first chart part of a workbook.
func chartXML(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	t.Fatal("no chart in the workbook")
	return nil
}

// The 统计 chart reads on paper and its colours mean something: near-black
// axis labels, one series per grade in that grade's colour (不合格 red), no
// colour per bar, a legend; and the counts per grade add up to the band's.
func TestStatsChart(t *testing.T) {
	fx := newFixture(100, 3)
	fx.in.Grades = Grades{ByAgency: map[string]Verdict{}}
	for i, a := range fx.in.Roster {
		fx.in.Grades.ByAgency[a.Name] = Verdict{Grade: gradeLabels[i%len(gradeLabels)]}
	}
	f, _, data := build(t, fx.in)
	var c struct {
		Vary struct {
			Val string `xml:"val,attr"`
		} `xml:"chart>plotArea>barChart>varyColors"`
		Grouping struct {
			Val string `xml:"val,attr"`
		} `xml:"chart>plotArea>barChart>grouping"`
		Series []struct {
			Fill struct {
				Val string `xml:"val,attr"`
			} `xml:"spPr>solidFill>srgbClr"`
		} `xml:"chart>plotArea>barChart>ser"`
		Axes []struct {
			Colour []struct {
				Val string `xml:"val,attr"`
			} `xml:"txPr>p>pPr>defRPr>solidFill>srgbClr"`
			Scheme []struct {
				Val string `xml:"val,attr"`
			} `xml:"txPr>p>pPr>defRPr>solidFill>schemeClr"`
		} `xml:"chart>plotArea>catAx"`
		ValAxes []struct {
			Colour []struct {
				Val string `xml:"val,attr"`
			} `xml:"txPr>p>pPr>defRPr>solidFill>srgbClr"`
		} `xml:"chart>plotArea>valAx"`
		Legend *struct{} `xml:"chart>legend"`
	}
	raw := chartXML(t, data)
	if err := xml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.Vary.Val != "0" && c.Vary.Val != "false" {
		t.Errorf("varyColors = %q: every bar gets a colour of its own", c.Vary.Val)
	}
	if c.Grouping.Val != "stacked" {
		t.Errorf("grouping %q, want stacked", c.Grouping.Val)
	}
	want := []string{"548235", "2F5597", "808080", failColour} // 优秀 良好 合格 不合格
	if len(c.Series) != len(want) {
		t.Fatalf("%d series, want one per grade (%d)", len(c.Series), len(want))
	}
	for i, s := range c.Series {
		if !strings.EqualFold(s.Fill.Val, want[i]) {
			t.Errorf("series %d colour %q, want %q", i, s.Fill.Val, want[i])
		}
	}
	if len(c.Axes) == 0 || len(c.ValAxes) == 0 {
		t.Fatal("no axes")
	}
	for _, ax := range [][]struct {
		Val string `xml:"val,attr"`
	}{c.Axes[0].Colour, c.ValAxes[0].Colour} {
		if len(ax) == 0 || ax[0].Val != chartText {
			t.Errorf("axis label colour %v, want %s", ax, chartText)
		}
	}
	if c.Legend == nil {
		t.Error("no legend")
	}
	rows := sheetRows(t, f, SheetStats)
	if got := strings.Join(rows[0][2:6], " "); got != "优秀 良好 合格 不合格" {
		t.Errorf("grade columns %q", got)
	}
	graded := 0
	for _, r := range rows[1:14] {
		sum := 0.0
		for _, v := range r[2:6] {
			sum += num(t, v)
		}
		if sum != num(t, r[1]) {
			t.Errorf("band %s: grades add up to %v, the band holds %s", r[0], sum, r[1])
		}
		graded += int(sum)
	}
	if graded == 0 {
		t.Error("no agency in the chart")
	}
}

// Without results, the chart says the scored agencies have no grade yet
// rather than make one up.
func TestStatsChartUngraded(t *testing.T) {
	fx := newFixture(20, 0)
	f, _, _ := build(t, fx.in)
	rows := sheetRows(t, f, SheetStats)
	if got := strings.Join(rows[0][2:7], " "); got != "优秀 良好 合格 不合格 "+ungradedLabel {
		t.Errorf("grade columns %q", got)
	}
	for _, r := range rows[1:14] {
		for _, v := range r[2:6] {
			if v != "0" {
				t.Errorf("band %s has a grade count %v without results", r[0], r[2:6])
				break
			}
		}
	}
	summary := sheetRows(t, f, SheetSummary)
	if col(t, summary[0], "等级") < 0 {
		t.Error("no 等级 column")
	}
}

func TestCountStep(t *testing.T) {
	for most, want := range map[int]float64{0: 1, 9: 1, 10: 1, 11: 2, 20: 2, 21: 5, 50: 5, 51: 10, 100: 10, 101: 20, 450: 50} {
		if got := countStep(most); got != want {
			t.Errorf("countStep(%d) = %v, want %v", most, got, want)
		}
	}
}
