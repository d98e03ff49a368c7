package annotate

import (
	"strings"

	"kaohe/internal/display"
	"kaohe/templates"
	"kaohe/validate"
)

// The printed parts of the annotated copy: the legend under the title and
// the 核对说明 block under the form. Comments do not print, and a copy on
// paper must still say what each colour and each marked cell means.

// notesColumns head the 核对说明 block.
var notesColumns = [4]string{"类别", "问题及改法", "本表单元格", "您原表中的单元格"}

const notesTitle = "核对说明（逐条列出表中标色和加了批注的单元格）"

// severityMark is how a cell with a finding of this severity looks.
func severityMark(sev validate.Severity) templates.Mark {
	switch sev {
	case validate.SeverityError:
		return templates.Mark{Fill: fillError}
	case validate.SeverityWarning:
		return templates.Mark{Fill: fillWarning}
	}
	return templates.Mark{}
}

// copyOptions are the blank form's options for the annotated copy, without
// its notes: white input cells, the 核定分 column and the legend.
func copyOptions() templates.BlankOptions {
	return templates.BlankOptions{
		Verified:   verifiedLabel,
		PlainInput: true,
		Legend: []templates.LegendEntry{
			{Sample: "错误", Style: severityMark(validate.SeverityError),
				Text: "红色：错误，必须改正。每一处的说明见表格下方的“核对说明”（鼠标移到单元格上也能看到）。"},
			{Sample: "提醒", Style: severityMark(validate.SeverityWarning),
				Text: "橙色：提醒，请核实；确实无误的可以不改。"},
			{Sample: verifiedLabel, Style: templates.Mark{Fill: fillVerified, FontColor: fontChanged, Bold: true},
				Text: "绿色：“核定分”一列是系统核定的分数；红色粗体表示与自评分不同。"},
		},
	}
}

// notesBlock is the 核对说明 block: one line per finding, marked cells in
// the order of the sheet, then the findings the copy has no cell for. Nil
// when there is nothing to say.
func (a *annotator) notesBlock(marks []*mark, loose []validate.Finding) *templates.NotesBlock {
	var rows []templates.NoteRow
	for _, m := range marks {
		other := strings.Join(m.sources, "、")
		for _, l := range m.lines {
			text := l.text
			if l.item != "" {
				text = l.item + "：" + text
			}
			rows = append(rows, templates.NoteRow{Kind: l.sev.Label(), Style: severityMark(l.sev),
				Text: display.Untrusted(text, display.MaxTextRunes), Cell: m.cell, Other: other})
		}
	}
	for _, fd := range loose {
		text := display.ItemLabel(fd, a.form) + "：" + display.StripCellPrefix(fd.Message, fd.Cell)
		other := canonicalCell(fd.Cell)
		if other != "" && fd.Sheet != "" {
			other = display.Clean(fd.Sheet, 31) + "!" + other
		}
		rows = append(rows, templates.NoteRow{Kind: fd.Severity.Label(), Style: severityMark(fd.Severity),
			Text: display.Untrusted(text, display.MaxTextRunes), Cell: "—", Other: display.Untrusted(other, 64)})
	}
	if len(rows) == 0 {
		return nil
	}
	return &templates.NotesBlock{Title: notesTitle, Columns: notesColumns, Rows: rows}
}

// Layout says where Copy puts the form's cells on its copy:
// the blank form's layout with the legend and the 核定分 column. The rows
// of the 核对说明 block depend on the findings and are not in it.
func Layout(form *templates.Form) templates.Layout {
	return templates.BlankLayoutWith(form, copyOptions())
}
