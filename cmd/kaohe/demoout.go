package main

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/text/width"

	"kaohe/consolidate"
	"kaohe/demo"
	"kaohe/internal/atomicfile"
	"kaohe/internal/mailserver"
	"kaohe/mailparse"
	"kaohe/store"
)

// exportDeliveries writes every mail the office sent as an .eml file and the
// annotated workbooks attached to replies as .xlsx files, and sorts the
// mail into res: receipts, reminders, mail to staff, result notices, final
// lists.
func exportDeliveries(ds []mailserver.Delivery, out string, res *demoResult) error {
	for i, dl := range ds {
		to := strings.Join(dl.To, ",")
		isStaff := to == demo.Staff
		p, perr := mailparse.Parse(dl.Raw, mailparse.Limits{})
		subject := ""
		if perr == nil {
			subject = p.Subject
		}
		switch {
		case isStaff:
			res.Staff = append(res.Staff, dl)
		case perr == nil && p.InReplyTo == "" && strings.Contains(subject, "考核结果"):
			res.Results = append(res.Results, dl)
		case perr == nil && p.InReplyTo == "" && strings.Contains(subject, "确定名单反馈"):
			res.Finals = append(res.Finals, dl)
		case perr == nil && p.InReplyTo == "":
			res.Reminders = append(res.Reminders, dl)
		default:
			res.Replies = append(res.Replies, dl)
		}
		name := fmt.Sprintf("%02d-%s-%s.eml", i+1, safeName(strings.SplitN(to, "@", 2)[0]), safeName(subject))
		if err := atomicfile.WriteBytes(filepath.Join(out, "回执", name), dl.Raw, store.FileMode); err != nil {
			return err
		}
		if perr != nil || isStaff || p.InReplyTo == "" { // only receipts carry annotated sheets
			continue
		}
		for _, a := range p.Attachments {
			if a.Kind != mailparse.KindXLSX {
				continue
			}
			path := filepath.Join(out, "批注表", fmt.Sprintf("%02d-%s", i+1, a.Filename))
			if err := atomicfile.WriteBytes(path, a.Data, store.FileMode); err != nil {
				return err
			}
		}
	}
	return nil
}

var unsafeName = regexp.MustCompile(`[\\/:*?"<>|\s]+`)

func safeName(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if r := []rune(s); len(r) > 30 {
		s = string(r[:30])
	}
	return s
}

func printDemoSummary(w io.Writer, out string, res *demoResult) {
	s := res.Summary
	fmt.Fprintln(w)
	// The submitted agencies by state, then the missing ones: the parts
	// add up to the roster; 名册外来件 are counted for no agency.
	rows := []tableRow{{"代办处（名册）", s.Roster}, {"已提交", s.Submitted}}
	for _, p := range s.Parts() {
		rows = append(rows, tableRow{p.State, p.N})
	}
	rows = append(rows, tableRow{"未提交", s.Missing}, tableRow{consolidate.OutsideLabel, s.Unknown},
		tableRow{"纸质版已收", s.PaperReceived},
		tableRow{"已发回执", len(res.Replies)}, tableRow{"截止提醒", len(res.Reminders)}, tableRow{"发给工作人员", len(res.Staff)},
		tableRow{"考核结果通知", len(res.Results)}, tableRow{"确定名单反馈", len(res.Finals)})
	for _, line := range summaryTable(rows) {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "用时 %.1f 秒。结果在 %s/：\n", res.Took.Seconds(), out)
	fmt.Fprintln(w, "  回执/     每封发出的邮件：回执、提醒、给工作人员的通知、汇总和导入回复、考核结果通知、推荐表回执、确定名单反馈（.eml，可用邮件客户端打开）")
	fmt.Fprintln(w, "  批注表/   随回执发回的批注考核表（问题单元格标色并加批注，含核定分列）和批注推荐表")
	fmt.Fprintln(w, "  汇总.xlsx 给工作人员的汇总工作簿（含导入的审核、一票否决、纸质版收到和推荐名单的决定）")
	fmt.Fprintln(w, "  "+ResultsWorkbookName+" 主任办公会审定的考核结果工作簿（考核结果、名额分配、说明）")
	fmt.Fprintln(w, "  data/     数据目录：kaohe.db（SQLite）和原始邮件存档")
}

type tableRow struct {
	label string
	n     int
}

// summaryTable draws the rows in a box whose borders line up on a
// terminal: labels are padded by their display width (a Chinese character
// takes two columns), not by their bytes or runes.
func summaryTable(rows []tableRow) []string {
	labelWidth := 0
	for _, r := range rows {
		labelWidth = max(labelWidth, displayWidth(r.label))
	}
	bar := strings.Repeat("─", labelWidth+2)
	lines := []string{"┌" + bar + "┬──────┐"}
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("│ %s │ %4d │", padRight(r.label, labelWidth), r.n))
	}
	return append(lines, "└"+bar+"┴──────┘")
}

// displayWidth is how many terminal columns s takes: two for East Asian
// wide and fullwidth characters, one for the rest (box-drawing lines
// included, as terminals show them outside CJK fonts' ambiguous mode).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// padRight pads s with spaces to n display columns.
func padRight(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-displayWidth(s)))
}
