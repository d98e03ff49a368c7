package annotate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"kaohe/internal/display"
	"kaohe/recommend"
	"kaohe/templates"
	"kaohe/validate"
)

// RecommendColourKey is the sentence a receipt gives after naming the
// annotated copy of a 推荐表: what its legend says.
const RecommendColourKey = "有问题的单元格已标色（红色为错误，必须改正；橙色为提醒，请核实），" +
	"每一处的说明列在表格下方的“核对说明”中，鼠标移到单元格上也能看到。"

// Recommendation writes the check of a returned 推荐表 on a fresh blank of
// the office's (recommend.BuildFilled), as Copy does for the 考核表: the
// values read go into the official cells as values only, one person row
// per person read; every cell with a finding gets a fill (red for errors,
// orange for warnings) and a comment by 考核系统 naming the agency's own
// cell; a 核对说明 block under the form lists every finding again, those
// with no cell of the copy (late, say) too; a legend under the title says
// what the colours mean. Nothing else of the agency's file is carried
// over. A nil definition is the form's year's. The bytes are
// deterministic for the same input.
func Recommendation(f *recommend.Filled, findings []validate.Finding, def *recommend.Definition) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("annotate: panic: %v", r)
		}
	}()
	if f == nil {
		return nil, errors.New("annotate: no 推荐表 read")
	}
	if def == nil {
		if def, err = recommend.Load(f.Year); err != nil {
			return nil, fmt.Errorf("annotate: %w", err)
		}
	}
	opts := recommend.BlankOptions{PlainInput: true, Legend: recommendLegend()}
	// The layout with the persons read, before the notes block is known:
	// the notes go under the form and move nothing above them.
	pre := opts
	pre.Persons = max(len(f.Persons), 1)
	r := &recAnnotator{def: def, f: f, l: recommend.BlankLayout(def, pre), official: map[string]string{}}
	r.mapSources()
	marks, loose := r.plan(findings)
	opts.Notes = r.notesBlock(marks, loose)
	x, l, err := recommend.BuildFilled(def, f, opts)
	if err != nil {
		return nil, fmt.Errorf("annotate: %w", err)
	}
	defer x.Close()
	a := &annotator{f: x, sheet: l.Sheet}
	if err := a.markFindings(marks); err != nil {
		return nil, err
	}
	return copyBytes(x)
}

// RecommendLayout says where Recommendation puts the form's cells for a
// form with the given number of persons (the rows of its notes block
// depend on the findings and are not in it).
func RecommendLayout(def *recommend.Definition, persons int) recommend.Layout {
	return recommend.BlankLayout(def, recommend.BlankOptions{PlainInput: true, Legend: recommendLegend(), Persons: max(persons, 1)})
}

func recommendLegend() []templates.LegendEntry {
	return []templates.LegendEntry{
		{Sample: "错误", Style: severityMark(validate.SeverityError),
			Text: "红色：错误，必须改正。每一处的说明见表格下方的“核对说明”（鼠标移到单元格上也能看到）。"},
		{Sample: "提醒", Style: severityMark(validate.SeverityWarning),
			Text: "橙色：提醒，请核实；确实无误的可以不改。"},
	}
}

type recAnnotator struct {
	def *recommend.Definition
	f   *recommend.Filled
	l   recommend.Layout
	// official maps a cell of the agency's sheet to the copy's cell its
	// value went to.
	official map[string]string
}

func (r *recAnnotator) mapSources() {
	for _, fd := range r.def.Fields() {
		r.from(r.f.Fields[fd.ID].Cell, r.l.Fields[fd.ID])
	}
	for i, p := range r.f.Persons {
		for id, v := range p.Values {
			r.from(v.Cell, r.l.PersonCell(i, id))
		}
	}
}

func (r *recAnnotator) from(cell, official string) {
	c := canonicalCell(cell)
	if c == "" || official == "" {
		return
	}
	if _, dup := r.official[c]; !dup {
		r.official[c] = official
	}
}

// target is the copy's cell a finding is marked on.
func (r *recAnnotator) target(fd validate.Finding) (official, source string, ok bool) {
	if fd.Sheet != "" && fd.Sheet != r.f.Sheet {
		return "", "", false
	}
	source = canonicalCell(fd.Cell)
	if c, ok := r.official[source]; ok {
		return c, source, true
	}
	if c, ok := r.l.Fields[fd.Field]; ok {
		return c, source, true
	}
	if c, ok := r.l.Columns[fd.Field]; ok {
		return fmt.Sprintf("%s%d", c, r.l.HeaderRow), source, true
	}
	if fd.Field == recommend.SectionPersons {
		return r.l.SectionCells[recommend.SectionPersons], source, r.l.SectionCells[recommend.SectionPersons] != ""
	}
	return "", "", false
}

// label names what a finding is about: the field's label, or the
// person's row and column.
func (r *recAnnotator) label(fd validate.Finding) string {
	if fd.Field == "" {
		return "整张表"
	}
	if d, ok := r.def.Field(fd.Field); ok {
		return d.Label
	}
	if fd.Field == recommend.SectionPersons {
		return "推荐优秀个人"
	}
	return fd.Field
}

func (r *recAnnotator) plan(findings []validate.Finding) (marks []*mark, loose []validate.Finding) {
	var set markSet
	sorted := slices.Clone(findings)
	slices.SortStableFunc(sorted, func(x, y validate.Finding) int { return x.Severity.Rank() - y.Severity.Rank() })
	for _, fd := range sorted {
		cell, source, ok := r.target(fd)
		if !ok {
			loose = append(loose, fd)
			continue
		}
		m := set.at(cell, fd.Severity)
		m.lines = append(m.lines, markLine{sev: fd.Severity, text: display.Clean(display.StripCellPrefix(fd.Message, fd.Cell), display.MaxTextRunes)})
		if source != "" && !slices.Contains(m.sources, source) {
			m.sources = append(m.sources, source)
		}
	}
	return set.sorted(), loose
}

func (r *recAnnotator) notesBlock(marks []*mark, loose []validate.Finding) *templates.NotesBlock {
	var rows []templates.NoteRow
	for _, fd := range loose {
		rows = append(rows, templates.NoteRow{Kind: fd.Severity.Label(), Style: severityMark(fd.Severity),
			Text: display.Untrusted(r.label(fd)+"："+display.StripCellPrefix(fd.Message, fd.Cell), display.MaxTextRunes),
			Cell: "—", Other: display.Untrusted(canonicalCell(fd.Cell), 64)})
	}
	for _, m := range marks {
		other := strings.Join(m.sources, "、")
		for _, l := range m.lines {
			rows = append(rows, templates.NoteRow{Kind: l.sev.Label(), Style: severityMark(l.sev),
				Text: display.Untrusted(l.text, display.MaxTextRunes), Cell: m.cell, Other: other})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return &templates.NotesBlock{Title: notesTitle, Columns: notesColumns, Rows: rows}
}
