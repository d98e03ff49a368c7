package templates

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rowBreaks are the rows that begin a page by a manual break, read from the
// sheet's XML (excelize writes breaks but has no getter).
func rowBreaks(t *testing.T, data []byte) []int {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		var ws struct {
			RowBreaks struct {
				Brk []struct {
					ID  int  `xml:"id,attr"`
					Man bool `xml:"man,attr"`
				} `xml:"brk"`
			} `xml:"rowBreaks"`
		}
		if err := xml.Unmarshal(raw, &ws); err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, b := range ws.RowBreaks.Brk {
			if !b.Man {
				t.Errorf("break after row %d is not manual", b.ID)
			}
			out = append(out, b.ID+1) // a break after row id: row id+1 begins the page
		}
		return out
	}
	t.Fatal("no sheet1.xml")
	return nil
}

func build(t *testing.T, f *Form, opts BlankOptions) []byte {
	t.Helper()
	x, err := BuildBlankWith(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pageHeight is the height of rows one printed page holds at the form's
// scale, as pageBreaks counts it.
func pageHeight(width float64) float64 {
	return (a4Height - 2*marginTopBottom*72) / (float64(printScale(width)) / 100) * 0.96
}

// The printed form never splits a section: every manual break is at a
// section's first row or at the end of the table, and the rows between two
// breaks fit on a page.
func TestBlankPageBreaksAtSections(t *testing.T) {
	f := MustLoad(2021)
	notes := &NotesBlock{Title: "核对说明"}
	for i := range 40 {
		notes.Rows = append(notes.Rows, NoteRow{Kind: "错误", Text: strings.Repeat("说明", 10+i), Cell: "E24", Other: "E21"})
	}
	for name, opts := range map[string]BlankOptions{
		"blank": {},
		"copy": {Verified: "核定分", PlainInput: true, Legend: []LegendEntry{
			{Sample: "错误", Style: Mark{Fill: "FF7C80"}, Text: "红色：错误"}}},
		"copy with long notes": {Verified: "核定分", PlainInput: true, Notes: notes},
	} {
		t.Run(name, func(t *testing.T) {
			l := BlankLayoutWith(f, opts)
			data := build(t, f, opts)
			x, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			starts := map[int]bool{l.TotalRow: true}
			if len(l.NoteRows) > 0 {
				// The notes' title and header stay with their first line.
				starts[l.FormLastRow+1] = true
				for _, r := range l.NoteRows[1:] {
					starts[r] = true
				}
			}
			for i, s := range f.Sections {
				if i > 0 {
					starts[l.Rows[s.Indicators[0].ID]] = true
				} else {
					starts[l.HeaderRow] = true
				}
			}
			breaks := rowBreaks(t, data)
			if len(breaks) == 0 {
				t.Fatal("no page break: the 2021 form does not fit on one page")
			}
			if len(l.NoteRows) > 0 && breaks[len(breaks)-1] <= l.NoteRows[0] {
				t.Errorf("40 long notes on one page: breaks %v, notes from row %d", breaks, l.NoteRows[0])
			}
			width := 0.0
			for _, w := range blankWidths {
				width += w
			}
			if opts.Verified != "" {
				width += blankWidths[4]
			}
			page := pageHeight(width)
			from := 1
			for _, b := range append(breaks, l.LastRow+1) {
				if b <= l.LastRow && !starts[b] {
					t.Errorf("page break before row %d, which begins no section or note", b)
				}
				h := 0.0
				for r := from; r < b; r++ {
					rh, _ := x.GetRowHeight(SheetName, r)
					h += rh
				}
				if from > 1 {
					rh, _ := x.GetRowHeight(SheetName, l.HeaderRow) // repeated on the page
					h += rh
				}
				if h > page {
					t.Errorf("rows %d–%d are %.0f points, more than a page (%.0f)", from, b-1, h, page)
				}
				from = b
			}
		})
	}
}

// Labels break between words: a section's cap goes on a line of its own
// when the whole label does not fit, and a list of departments breaks after
// a 、, never inside a department's name.
func TestBlankLabelsDoNotBreakWords(t *testing.T) {
	f := MustLoad(2021)
	l := BlankLayout(f)
	x := openBlank(t, f)
	for _, s := range f.Sections {
		text := get(t, x, l.SectionCells[s.ID])
		for _, line := range strings.Split(text, "\n") {
			if !fits(line, blankWidths[0]) {
				t.Errorf("section %s: line %q is wider than the column", s.ID, line)
			}
		}
		if strings.ReplaceAll(text, "\n", "") != SectionLabel(s) {
			t.Errorf("section %s: %q is not %q with line breaks", s.ID, text, SectionLabel(s))
		}
	}
	if got := get(t, x, l.SectionCells["1"]); got != "组织机构管理\n（15分）" {
		t.Errorf("section 1 reads %q", got)
	}
	broken := 0
	for _, ind := range f.Indicators() {
		text := get(t, x, l.Departments[ind.ID])
		lines := strings.Split(text, "\n")
		if len(lines) > 1 {
			broken++
		}
		var names []string
		for _, line := range lines {
			if !fits(line, blankWidths[2]) {
				t.Errorf("%s: department line %q is wider than the column", ind.ID, line)
			}
			names = append(names, strings.Split(strings.TrimSuffix(line, "、"), "、")...)
		}
		if fmt.Sprint(names) != fmt.Sprint(ind.Departments) {
			t.Errorf("%s: departments %q, want %q", ind.ID, text, ind.Departments)
		}
	}
	if broken == 0 {
		t.Error("no department list needed a line break; the test checks nothing")
	}
	// Header and signature labels shrink rather than wrap.
	for _, id := range []string{"unit", "director_sign"} {
		sid, _ := x.GetCellStyle(SheetName, l.FieldLabels[id])
		st, _ := x.GetStyle(sid)
		if st == nil || st.Alignment == nil || !st.Alignment.ShrinkToFit || st.Alignment.WrapText {
			t.Errorf("label of %s: alignment %+v, want shrink to fit without wrapping", id, st.Alignment)
		}
	}
}

// A copy's legend sits under the title, its notes under the signatures,
// both inside the print area and the frame of the 核定分 column.
func TestBlankLegendAndNotes(t *testing.T) {
	f := MustLoad(2021)
	opts := BlankOptions{
		Verified: "核定分", PlainInput: true,
		Legend: []LegendEntry{
			{Sample: "错误", Style: Mark{Fill: "FF7C80"}, Text: "红色：错误"},
			{Sample: "提醒", Style: Mark{Fill: "FFC000"}, Text: "橙色：提醒"},
		},
		Notes: &NotesBlock{Title: "核对说明", Columns: [4]string{"类别", "问题及改法", "本表单元格", "原表单元格"},
			Rows: []NoteRow{
				{Kind: "错误", Style: Mark{Fill: "FF7C80"}, Text: "自评分超过标准分", Cell: "E24", Other: "E21"},
				{Kind: "提醒", Style: Mark{Fill: "FFC000"}, Text: strings.Repeat("覆盖率不符，", 30), Cell: "D14", Other: "C9"},
			}},
	}
	l := BlankLayoutWith(f, opts)
	if plain := BlankLayout(f); l.HeaderRow != plain.HeaderRow+2 || l.Scores["1.1"] == plain.Scores["1.1"] {
		t.Errorf("legend of 2 rows: header row %d, plain %d", l.HeaderRow, plain.HeaderRow)
	}
	data := build(t, f, opts)
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	fill := func(cell string) string {
		id, _ := x.GetCellStyle(SheetName, cell)
		st, _ := x.GetStyle(id)
		if st == nil || st.Fill.Pattern != 1 || len(st.Fill.Color) == 0 {
			return ""
		}
		return strings.ToUpper(st.Fill.Color[0])
	}
	for i, want := range []string{"FF7C80", "FFC000"} {
		c := l.LegendCells[i]
		if _, row, _ := excelize.CellNameToCoordinates(c); row != 2+i {
			t.Errorf("legend %d at %s, want row %d", i, c, 2+i)
		}
		if got := fill(c); got != want {
			t.Errorf("legend sample %s fill %q, want %q", c, got, want)
		}
		if got := get(t, x, "B"+c[1:]); got != opts.Legend[i].Text {
			t.Errorf("legend text right of %s = %q", c, got)
		}
	}
	if got := fill(l.Scores["1.1"]); got != "" {
		t.Errorf("plain input cell %s has fill %q", l.Scores["1.1"], got)
	}
	if got := get(t, x, l.NotesCell); got != "核对说明" {
		t.Errorf("%s = %q, want the notes title", l.NotesCell, got)
	}
	if len(l.NoteRows) != 2 || l.NoteRows[0] <= l.FormLastRow || l.LastRow != l.NoteRows[1] {
		t.Fatalf("note rows %v after form row %d, last row %d", l.NoteRows, l.FormLastRow, l.LastRow)
	}
	for i, r := range l.NoteRows {
		n := opts.Notes.Rows[i]
		for col, want := range map[string]string{"A": n.Kind, "B": n.Text, "C": n.Cell, "D": n.Other} {
			if got := get(t, x, fmt.Sprintf("%s%d", col, r)); got != want {
				t.Errorf("%s%d = %.20q, want %.20q", col, r, got, want)
			}
		}
		if got := fill(fmt.Sprintf("A%d", r)); got != n.Style.Fill {
			t.Errorf("kind of note %d filled %q, want %q", i, got, n.Style.Fill)
		}
	}
	if h, _ := x.GetRowHeight(SheetName, l.NoteRows[1]); h < 3*lineHeight {
		t.Errorf("a long note's row is %g points high", h)
	}
	var area string
	for _, dn := range x.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" {
			area = dn.RefersTo
		}
	}
	if want := fmt.Sprintf("'%s'!$A$1:$F$%d", SheetName, l.LastRow); area != want {
		t.Errorf("print area %q, want %q", area, want)
	}
	// The frame spans 核定分: the header line's right field, the units,
	// the notes' last column.
	merges, _ := x.GetMergeCells(SheetName)
	ends := map[string]string{}
	for _, m := range merges {
		ends[m.GetStartAxis()] = m.GetEndAxis()
	}
	for _, start := range []string{l.Fields["date"], l.FieldUnits["unions"], l.NotesCell,
		fmt.Sprintf("D%d", l.NotesHeaderRow), fmt.Sprintf("D%d", l.NoteRows[0]), "B" + l.LegendCells[0][1:]} {
		if _, row, _ := excelize.CellNameToCoordinates(start); ends[start] != fmt.Sprintf("F%d", row) {
			t.Errorf("merge from %s ends at %q, want F%d", start, ends[start], row)
		}
	}
}
